/* The page loads Babel's polyfill (core-js 2) for old browsers. It replaces parseFloat,
   parseInt and String.prototype.trim* with shims many times slower than the browser's own,
   because a modern browser's whitespace rules differ from the ones it tests for; Plotly
   calls them on every point it draws. Put the browser's own functions back, taken from a
   fresh frame that the polyfill never ran in. */
(function () {
  var frame = document.createElement("iframe");
  frame.style.display = "none";
  (document.head || document.documentElement).appendChild(frame);
  var clean = frame.contentWindow;
  try {
    window.parseFloat = Number.parseFloat = clean.parseFloat;
    window.parseInt = Number.parseInt = clean.parseInt;
    ["trim", "trimStart", "trimEnd", "trimLeft", "trimRight"].forEach(function (name) {
      var native = clean.String.prototype[name];
      if (typeof native === "function") {
        Object.defineProperty(String.prototype, name, {value: native, writable: true,
                                                       configurable: true, enumerable: false});
      }
    });
  } finally {
    frame.remove();
  }
})();

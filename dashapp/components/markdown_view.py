"""A note's Markdown as Dash components, parsed on the server by the reports' parser.

No raw HTML (it stays text), links only with safe schemes, and images only when their bytes
are in the note (``data:`` URIs) or an admin allows remote images: any other image becomes a
link naming it, so reading a note never makes the reader's browser fetch an address its
author chose (a tracking pixel, or a request with the reader's cookies).
"""

from __future__ import annotations

from typing import Any

from dash import html
from markdown_it.token import Token

from optunagui.reports.markdown import PARSER, image_is_embedded, withheld_image_text

__all__ = ["markdown_view"]

_TAGS: dict[str, Any] = {
    "p": html.P, "h1": html.H1, "h2": html.H2, "h3": html.H3, "h4": html.H4, "h5": html.H5,
    "h6": html.H6, "blockquote": html.Blockquote, "ul": html.Ul, "ol": html.Ol, "li": html.Li,
    "em": html.Em, "strong": html.Strong, "s": html.S, "a": html.A, "table": html.Table,
    "thead": html.Thead, "tbody": html.Tbody, "tr": html.Tr, "th": html.Th, "td": html.Td,
}


def markdown_view(text: str, *, remote_images: bool = False, class_name: str = "") -> html.Div:
    """The note ``text`` drawn as components inside one ``Div``."""
    tokens = PARSER.parse(text or "")
    return html.Div(_children(tokens, remote_images), className=class_name)


def _children(tokens: list[Token], remote_images: bool) -> list[Any]:
    stack: list[tuple[Token | None, list[Any]]] = [(None, [])]
    for token in tokens:
        if token.type == "inline":
            stack[-1][1].extend(_children(token.children or [], remote_images))
        elif token.nesting == 1:
            stack.append((token, []))
        elif token.nesting == -1:
            opened, children = stack.pop()
            stack[-1][1].extend(_element(opened, children))
        else:
            stack[-1][1].append(_leaf(token, remote_images))
    return stack[0][1]


def _element(opened: Token | None, children: list[Any]) -> list[Any]:
    if opened is None or opened.hidden or opened.tag not in _TAGS:
        return children  # a tight list's paragraphs are not drawn as paragraphs
    props: dict[str, Any] = {}
    if opened.tag == "a":
        props = {"href": str(opened.attrGet("href") or ""), "target": "_blank",
                 "rel": "noopener noreferrer nofollow"}
        if opened.attrGet("title"):
            props["title"] = str(opened.attrGet("title"))
    elif opened.tag == "ol" and opened.attrGet("start") is not None:
        props["start"] = int(str(opened.attrGet("start")))
    elif opened.tag in ("th", "td") and opened.attrGet("style"):
        align = str(opened.attrGet("style")).removeprefix("text-align:")
        props["style"] = {"textAlign": align}
    return [_TAGS[opened.tag](children, **props)]


def _leaf(token: Token, remote_images: bool) -> Any:
    if token.type == "softbreak":
        return "\n"
    if token.type == "hardbreak":
        return html.Br()
    if token.type == "hr":
        return html.Hr()
    if token.type == "code_inline":
        return html.Code(token.content)
    if token.type in ("fence", "code_block"):
        return html.Pre(html.Code(token.content))
    if token.type == "image":
        return _image(token, remote_images)
    return token.content  # text; raw HTML never reaches here as markup (html is off)


def _image(token: Token, remote_images: bool) -> Any:
    src = str(token.attrGet("src") or "")
    alt = "".join(child.content for child in token.children or [])
    if remote_images or image_is_embedded(src):
        props: dict[str, Any] = {"src": src, "alt": alt, "style": {"maxWidth": "100%"}}
        if token.attrGet("title"):
            props["title"] = str(token.attrGet("title"))
        return html.Img(**props)
    return html.A(withheld_image_text(alt, src), href=src, target="_blank",
                  rel="noopener noreferrer nofollow", className="remote-image",
                  title="Remote image, not loaded")

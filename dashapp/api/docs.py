"""`GET /api/v1/openapi.json` and `GET /api/v1/docs`: the OpenAPI document, and a plain page
drawn from it (every path and method, who may call it, its parameters, body and answers, and
the schemas), with no script and nothing fetched from elsewhere."""

from __future__ import annotations

import json
from html import escape
from typing import Any

from flask import Response

__all__ = ["render_page"]

_STYLE = ("body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;"
          "padding:0 1rem}code,pre{background:#f4f4f4}pre{padding:.5rem;overflow:auto}"
          ".op{border-top:1px solid #ccc;padding:.5rem 0}.m{font-weight:bold;width:4rem;"
          "display:inline-block}table{border-collapse:collapse}td,th{padding:.1rem .6rem;"
          "text-align:left}")


def _name(schema: dict[str, Any]) -> str:
    ref = schema.get("$ref", "")
    return ref.rsplit("/", 1)[-1]


def _link(schema: dict[str, Any]) -> str:
    name = _name(schema)
    return f'<a href="#schema-{escape(name)}">{escape(name)}</a>' if name else "—"


def _answer_schema(answer: dict[str, Any]) -> dict[str, Any]:
    content: dict[str, Any] = next(iter(answer.get("content", {}).values()), {})
    return content.get("schema", {})


def _parameters(operation: dict[str, Any]) -> str:
    rows = "".join(
        f"<tr><td><code>{escape(p['name'])}</code></td><td>{escape(p['in'])}</td>"
        f"<td>{'required' if p.get('required') else ''}</td>"
        f"<td>{escape(p.get('description', ''))}</td></tr>"
        for p in operation.get("parameters", []))
    return f"<table><tr><th>parameter</th><th>in</th><th></th><th></th></tr>{rows}</table>"


def _operation(path: str, method: str, operation: dict[str, Any]) -> str:
    body = operation.get("requestBody", {}).get("content", {}).get("application/json", {})
    answers = ", ".join(f"{escape(status)} {_link(_answer_schema(answer))}"
                        for status, answer in operation["responses"].items())
    return (f'<div class="op" id="{escape(operation["operationId"])}">'
            f'<span class="m">{escape(method.upper())}</span><code>{escape(path)}</code>'
            f"<p>{escape(operation['summary'])} {escape(operation.get('description', ''))}</p>"
            f"{_parameters(operation)}"
            f"<p>Body: {_link(body.get('schema', {})) if body else 'none'}</p>"
            f"<p>Answers: {answers}</p></div>")


def render_page(document: dict[str, Any]) -> Response:
    parts = [f"<h1>{escape(document['info']['title'])}</h1>",
             f"<p>{escape(document['info']['description'])} "
             '<a href="openapi.json">openapi.json</a></p>']
    for path, operations in document["paths"].items():
        parts.extend(_operation(path, method, op) for method, op in operations.items())
    parts.append("<h2>Schemas</h2>")
    for name, schema in document["components"]["schemas"].items():
        parts.append(f'<h3 id="schema-{escape(name)}">{escape(name)}</h3>'
                     f"<pre>{escape(json.dumps(schema, indent=2))}</pre>")
    page = (f"<!doctype html><html><head><meta charset='utf-8'><title>OptunaGui API</title>"
            f"<style>{_STYLE}</style></head><body>{''.join(parts)}</body></html>")
    return Response(page, mimetype="text/html")

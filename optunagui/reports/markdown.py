"""Notes' Markdown, one parser for the reports and the dashboard, and the rule for images.

Raw HTML is never rendered, and links keep only safe schemes (markdown-it's own check). An
image is drawn only when its bytes are in the note itself (a ``data:`` URI), or when an admin
allows remote images (``Settings.allow_remote_images``); any other image becomes a link
naming it, so reading or printing a note never makes a browser, or the server printing a
PDF, fetch an address someone wrote into it.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from typing import Any

from markdown_it import MarkdownIt
from markdown_it.token import Token

__all__ = ["PARSER", "image_is_embedded", "render_markdown", "withheld_image_text"]

PARSER = MarkdownIt("commonmark", {"html": False, "linkify": False}).enable(
    ["table", "strikethrough"])
_ENV_REMOTE = "remote_images"


def image_is_embedded(src: str) -> bool:
    """Whether an image's bytes are in its address (a ``data:`` URI): nothing is fetched."""
    return src.strip().lower().startswith("data:")


def withheld_image_text(alt: str, src: str) -> str:
    """What stands in for an image that is not loaded."""
    return f"image: {alt or src}"


def _render_image(self: Any, tokens: Sequence[Token], idx: int, options: Any,
                  env: dict[str, Any]) -> str:
    token = tokens[idx]
    src = str(token.attrGet("src") or "")
    if env.get(_ENV_REMOTE) or image_is_embedded(src):
        return str(self.image(tokens, idx, options, env))
    text = withheld_image_text(self.renderInlineAsText(token.children or [], options, env), src)
    return (f'<a class="remote-image" href="{html.escape(src)}" rel="noopener noreferrer '
            f'nofollow" title="Remote image, not loaded">{html.escape(text)}</a>')


PARSER.add_render_rule("image", _render_image)


def render_markdown(text: str, *, remote_images: bool = False) -> str:
    """A note as HTML: no raw HTML, safe links, remote images as links unless allowed."""
    return PARSER.render(text or "", {_ENV_REMOTE: remote_images})

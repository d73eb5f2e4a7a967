"""A note's Markdown drawn as components: the usual blocks, no raw HTML, safe links, images
only from data: URIs unless remote images are allowed."""

from __future__ import annotations

import json

from dashapp.components.markdown_view import markdown_view

NOTE = """# Findings

- depth **matters**
- see `max_depth`

| param | best |
|:--|--:|
| C | 4.0 |

```
lr = 0.1
```

![chart](data:image/png;base64,AAAA "the chart") ![](https://tracker.example/p.gif)
<img src="https://tracker.example/raw.gif"> [ok](https://example.org "docs")
"""


def _tree(component) -> dict:
    return json.loads(json.dumps(component.to_plotly_json(), default=lambda c: c.to_plotly_json()))


def test_a_note_is_drawn_as_components():
    tree = _tree(markdown_view(NOTE, class_name="note-body"))
    heading, items, table, code, paragraph = tree["props"]["children"]
    assert (heading["type"], heading["props"]["children"]) == ("H1", ["Findings"])
    first, second = items["props"]["children"]
    assert items["type"] == "Ul" and first["props"]["children"][0] == "depth "  # tight: no <p>
    assert second["props"]["children"][1]["type"] == "Code"
    header = table["props"]["children"][0]["props"]["children"][0]["props"]["children"]
    assert [cell["props"]["style"] for cell in header] == [{"textAlign": "left"},
                                                          {"textAlign": "right"}]
    assert code["type"] == "Pre" and code["props"]["children"]["props"]["children"] == "lr = 0.1\n"
    image, _space, withheld, *rest = paragraph["props"]["children"]
    assert image["type"] == "Img" and image["props"] == {
        "children": None, "src": "data:image/png;base64,AAAA", "alt": "chart",
        "title": "the chart", "style": {"maxWidth": "100%"}}
    assert withheld["type"] == "A" and withheld["props"]["children"] == (
        "image: https://tracker.example/p.gif")
    assert '<img src="https://tracker.example/raw.gif"> ' in rest  # raw HTML stays text
    link = rest[-1]
    assert link["props"]["href"] == "https://example.org" and link["props"]["title"] == "docs"


def test_remote_images_are_drawn_only_when_allowed():
    tree = _tree(markdown_view("![p](https://tracker.example/p.gif)", remote_images=True))
    (paragraph,) = tree["props"]["children"]
    (image,) = paragraph["props"]["children"]
    assert (image["type"], image["props"]["src"]) == ("Img", "https://tracker.example/p.gif")

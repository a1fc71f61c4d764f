"""The one path text takes into a map: text is never markup, never a template.

Every text that reaches a folium/branca element (layer titles, file names, field names and values,
site types, user names, legend rows, labels, tooltips, popups, bookmarks) comes from data, an upload,
a file name or a typed field, so it goes through exactly one of:

* :func:`html_text` where it becomes HTML (the layer control, the legend, tooltips, popups, labels):
  ``& < > " '`` and the template braces ``{ }`` as character references, so it shows literally;
* :func:`safe_json` where it becomes a JavaScript value inside an inline ``<script>``: ``< > &``,
  the line separators and a ``{`` that starts a template marker (``{{ {% {#``) as ``\\u`` escapes.

And no rendered element is ever compiled as a template again: branca's ``MacroElement.render`` turns
each element's rendered header/html/script into a new ``Element(text)``, which compiles that text as a
Jinja2 template (so ``{{ … }}`` in a layer title ran on the server). :func:`install` replaces it, once
per process, with a render that adds the text as it is; every folium element (ours, folium's layer
control, its plugins) renders through it. ``tests/test_markup.py`` checks the replacement still does
what branca's render does.
"""

from __future__ import annotations

import html
import json
import re
from typing import Any

from branca.element import Element, Figure, MacroElement

from layers import folium_pins as pins

_BRACES = str.maketrans({"{": "&#123;", "}": "&#125;"})
_JSON_ESCAPES = (
    ("<", "\\u003c"),
    (">", "\\u003e"),
    ("&", "\\u0026"),
    ("\u2028", "\\u2028"),
    ("\u2029", "\\u2029"),
)


def html_text(value: object) -> str:
    """``value`` (any text; ``None`` is empty) as HTML text or attribute value that shows literally:
    no tag, no entity, no attribute break, no template marker."""
    text = "" if value is None else str(value)
    return html.escape(text, quote=True).translate(_BRACES)


def safe_json(value: object, **kw: Any) -> str:
    """JSON that is safe inside an inline <script>: ``<``, ``>`` and ``&`` as
    \\u escapes (data can never close the script or open markup), other
    characters as UTF-8."""
    text = json.dumps(value, ensure_ascii=False, **kw)
    # "{{", "{%" and "{#" occur only inside strings in JSON: escaped, no template
    # engine on the way (Jinja, st_folium's reference rewriting) can read them
    text = re.sub(r"\{(?=[{%#])", r"\\u007b", text)
    for ch, esc in _JSON_ESCAPES:
        text = text.replace(ch, esc)
    return text


class RawText(Element):
    """Rendered text added to a figure as it is (never compiled as a template)."""

    def __init__(self, text: str):
        super().__init__()
        self._text = text

    def render(self, **kwargs: Any) -> str:
        return self._text


def _render_once(self: MacroElement, **kwargs: Any) -> None:
    """branca's ``MacroElement.render``, except that the rendered parts are added as :class:`RawText`."""
    figure = self.get_root()
    assert isinstance(figure, Figure), "You cannot render this Element if it is not in a Figure."
    macros = pins.template_macros(self)
    for part in ("header", "html", "script"):
        macro = macros.get(part)
        if macro is not None:
            text = macro(self, kwargs)
            # as a template, the text would have lost one trailing newline (Jinja's default)
            text = text[:-1] if text.endswith("\n") else text
            getattr(figure, part).add_child(RawText(text), name=self.get_name())
    for element in pins.children(self).values():
        element.render(**kwargs)


#: branca's own render (kept for the test that compares the two).
BRANCA_RENDER = MacroElement.render if MacroElement.render is not _render_once else None


def install() -> None:
    """Make every branca/folium element render without a second template pass (idempotent)."""
    pins.replace_macro_render(_render_once)


install()

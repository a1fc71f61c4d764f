"""folium elements for the platform's own browser code.

Every map carries the project's script library (``layers/static/rp_map.js``, through
:func:`layers.assets.own_asset`); the elements here only call its functions with their values as JSON
(:func:`layers.markup.safe_json`), so no value from data or code is ever spliced into a script:

* :class:`Script`: one registered asset file (or a fixed piece of code) as a map script;
* :class:`MapCall`: ``fn(<the map>, arg, …)``, the arguments JSON, a folium element passed as itself;
* :func:`style_sheet`: the page's style sheet (``layers/static/rp_map.css``), once per document.
"""

from __future__ import annotations

import re

from branca.element import Element, MacroElement
from jinja2 import Template

from layers import folium_pins as pins
from layers.assets import own_asset
from layers.markup import safe_json

_IDENTIFIER = re.compile(r"^[A-Za-z_$][\w$.]*$")


class Script(MacroElement):
    """A MacroElement whose script is plain JS (works in st_folium and standalone HTML)."""

    _template = Template("{% macro script(this, kwargs) %}{{ this.js }}{% endmacro %}")

    def __init__(self, js: str, name: str):
        super().__init__()
        self._name = name
        self.js = js


def asset_script(file: str) -> Script:
    """A registered asset file of ``layers/static`` as a script element."""
    return Script(own_asset(file), "Renewal" + re.sub(r"\W", "", file.title()))


class Ref:
    """A folium element passed to a :class:`MapCall` as itself (its generated JavaScript name)."""

    def __init__(self, element: Element) -> None:
        self.element = element

    def js(self) -> str:
        name = self.element.get_name()
        if not _IDENTIFIER.match(name):
            raise ValueError(f"not a JavaScript name: {name!r}")
        return name


def _argument(value: object) -> str:
    if isinstance(value, Ref):
        return value.js()
    if isinstance(value, dict) and any(isinstance(v, Ref) for v in value.values()):
        return "{" + ",".join(f"{safe_json(str(k))}:{_argument(v)}" for k, v in value.items()) + "}"
    return safe_json(value)


class MapCall(MacroElement):
    """``fn(map, *args)`` in the map's script: ``fn`` one of rp_map.js's functions, the map the element's
    parent (or ``map_name``), every argument JSON (a :class:`Ref` stands for a folium element)."""

    _template = Template("{% macro script(this, kwargs) %}{{ this.code() }}{% endmacro %}")

    def __init__(self, fn: str, *args: object, map_name: str | None = None, with_map: bool = True) -> None:
        super().__init__()
        if not _IDENTIFIER.match(fn):
            raise ValueError(f"not a JavaScript function name: {fn!r}")
        self._name = "RenewalCall"
        self.fn, self.args, self.map_name, self.with_map = fn, args, map_name, with_map

    def _parent_name(self) -> str:
        owner = pins.parent(self)
        if owner is None:
            raise ValueError(f"{self.fn}: add the call to a map (or give map_name) before rendering it")
        return owner.get_name()

    def code(self) -> str:
        args = [_argument(a) for a in self.args]
        if self.with_map:
            args.insert(0, self.map_name or self._parent_name())
        return f"{self.fn}({', '.join(args)});"


def style_sheet() -> MapCall:
    """The map style sheet, added to the document once whatever number of maps it holds."""
    return MapCall("rpStyle", "rp-style", own_asset("rp_map.css"), with_map=False)

"""Feature layers on a folium map: one script call per layer (``rpLayer`` of ``layers/static/rp_map.js``)
with its payload (:mod:`layers.payload`); Leaflet draws the GeoJSON, the browser builds popups on click
and places labels without overlaps (bigger features first; more appear when zoomed in)."""

from __future__ import annotations

from typing import Any

import folium
import geopandas as gpd
from branca.element import Element, Figure, MacroElement
from jinja2 import Template

from layers import folium_pins as pins
from layers.elements import asset_script
from layers.markup import RawText, html_text, safe_json
from layers.payload import cached_layer_payload
from layers.registry import LayerSpec


class FeatureLayer(MacroElement):
    """One layer's features in one script: GeoJSON drawn by Leaflet, tooltips,
    popups assembled on click from the features' escaped values and the
    layer's caveat (once per layer), labels placed by the browser without
    overlaps (bigger features first; more appear when zoomed in)."""

    _template = Template(
        """{% macro script(this, kwargs) %}
rpLayer({{ this.map_name }}, {{ this._parent.get_name() }}, {{ this.payload }});
{% endmacro %}"""
    )

    def __init__(self, payload: dict, map_name: str):
        super().__init__()
        self._name = "FeatureLayer"
        self.map_name = map_name
        # style table with readable separators, the rest compact; features already JSON
        parts = {k: v for k, v in payload.items() if k not in ("styles", "features", "n")}
        self.payload = (
            safe_json(parts, separators=(",", ":"))[:-1]
            + ',"styles":'
            + safe_json(payload["styles"])
            + ',"fc":{"type":"FeatureCollection","features":'
            + payload["features"]
            + "}}"
        )

    # Like branca's MacroElement.render (unannotated), it adds to the figure and returns nothing; branca's
    # Element.render, which mypy compares it with, is annotated to return the text.
    def render(self, **kwargs: Any) -> None:  # type: ignore[override]
        script = pins.template_macros(self)["script"](self, kwargs)
        root = self.get_root()
        if not isinstance(root, Figure):
            raise ValueError("a layer is rendered as part of a map's figure")
        root.script.add_child(RawText(script), name=self.get_name())


def _root_map(el: Element | None) -> folium.Map | None:
    while el is not None and not isinstance(el, folium.Map):
        el = pins.parent(el)
    return el


def _ensure_layer_js(m: folium.Map) -> None:
    if not getattr(m, "_rp_layer_js", False):
        asset_script("identify.js").add_to(m)
        # the project's own marker on the map (read with getattr above); folium.Map declares no such field
        m._rp_layer_js = True  # type: ignore[attr-defined]


def add_layer(
    parent: Element,
    spec: LayerSpec,
    gdf: gpd.GeoDataFrame,
    *,
    labels: bool = False,
    id_field: str | None = None,
    show: bool | None = None,
) -> folium.FeatureGroup:
    """Draw ``gdf`` as the layer ``spec`` into ``parent`` (a map); return its FeatureGroup.

    ``id_field`` names a column copied to each feature's ``_id`` property so a
    click can be traced back to a row (st_folium returns the clicked feature,
    with ``_layer`` set to the layer key).
    """
    m = _root_map(parent)
    if m is None:
        raise ValueError("add_layer draws into a folium Map or an element of one")
    _ensure_layer_js(m)
    # the layer control shows the name as HTML
    group = folium.FeatureGroup(name=html_text(spec.title_zh), show=spec.visible if show is None else show)
    payload = cached_layer_payload(gdf, spec, id_field, labels=labels)
    if payload["n"]:
        FeatureLayer(payload, m.get_name()).add_to(group)
    group.add_to(parent)
    return group

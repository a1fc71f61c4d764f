"""Feature layers on a folium map: one script call per layer (``rpLayer`` of ``layers/static/rp_map.js``)
with its payload (:mod:`layers.payload`); Leaflet draws the GeoJSON, the browser builds popups on click
and places labels without overlaps (bigger features first; more appear when zoomed in)."""

from __future__ import annotations

import folium
import geopandas as gpd
from branca.element import MacroElement
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

    def render(self, **kwargs):
        script = pins.template_macros(self)["script"](self, kwargs)
        self.get_root().script.add_child(RawText(script), name=self.get_name())


def _root_map(el):
    while el is not None and not isinstance(el, folium.Map):
        el = pins.parent(el)
    return el


def _ensure_layer_js(m: folium.Map) -> None:
    if not getattr(m, "_rp_layer_js", False):
        asset_script("identify.js").add_to(m)
        m._rp_layer_js = True


def add_layer(
    parent,
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
    _ensure_layer_js(m)
    # the layer control shows the name as HTML
    group = folium.FeatureGroup(name=html_text(spec.title_zh), show=spec.visible if show is None else show)
    payload = cached_layer_payload(gdf, spec, id_field, labels=labels)
    if payload["n"]:
        FeatureLayer(payload, m.get_name()).add_to(group)
    group.add_to(parent)
    return group

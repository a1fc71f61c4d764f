"""What the browser shows of a feature, read from the payload the folium back-end sends (the popup is
assembled on click by ``rpPopupHtml`` in ``layers/static/rp_map.js`` from exactly these pieces)."""

from __future__ import annotations

import json
from collections.abc import Mapping

import geopandas as gpd
from shapely.geometry import Point

from layers.payload import layer_payload
from layers.registry import LayerSpec


def popup_as_sent(row: Mapping, spec: LayerSpec) -> str:
    """One feature's popup HTML as the browser builds it: title, badge, rows with values, caveat, source."""
    row = dict(row)
    geom = row.pop("geometry", None) or Point(117.2, 39.1)
    payload = layer_payload(gpd.GeoDataFrame([row], geometry=[geom], crs=4326), spec, None, labels=False)
    props = json.loads(payload["features"])[0]["properties"]
    pop = payload["pop"]
    values = [pop["strs"][i] for i in props.get("_pv", [])]
    rows = "".join(
        f"<tr><th>{k}</th><td>{v}</td></tr>" for k, v in zip(pop["labels"], values, strict=True) if v
    )
    badge = f'<span class="rp-badge">{props["_pa"]}</span>' if props.get("_pa") else ""
    return (
        f'<div class="rp"><div class="rp-title">{props["_pt"]}{badge}</div><table class="rp-table">{rows}</table>'
        f'<div class="rp-note">{pop["note"]}</div><div class="rp-src">{pop["src"]}</div></div>'
    )

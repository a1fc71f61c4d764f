"""One layer's data as what its script needs (:func:`layer_payload`), cached by the data's digest.

Features carry compact properties (id, escaped tooltip and title, popup values as indexes into the
layer's table of escaped strings, a style index); the layer carries its style table, popup labels and
caveat once, and its labels (escaped text, place, priority, width) sorted by priority. Geometries are
generalised well below a pixel for display.
"""

from __future__ import annotations

import pickle
import threading
from collections import OrderedDict
from collections.abc import Iterable

import geopandas as gpd
from shapely.geometry.base import BaseGeometry

from layers.feature_text import popup_layer_parts, popup_parts, tooltip_html
from layers.leaflet_style import feature_style
from layers.markup import html_text, safe_json
from layers.registry import LayerSpec
from layers.styles import cell_text

#: Geometries are simplified for display by this much (degrees; about 0.5 m).
DISPLAY_TOLERANCE_DEG = 5e-6


def _label_width(text: str) -> float:
    """Estimated label width in pixels (12 px bold; CJK about 13 px, others 7.5)."""
    return 6.0 + sum(13.0 if ord(c) > 0x2E7F else 7.5 for c in text)


def _label_priority(geom: BaseGeometry) -> float:
    """Bigger features first: log of the area (polygons), length x 20 m (lines), a small site for points."""
    import math

    kind = geom.geom_type
    size = geom.area if "Polygon" in kind else geom.length * 2e-4 if "Line" in kind else 1e-7
    return round(math.log10(size * 1e10 + 1.0), 3)


def layer_payload(gdf: gpd.GeoDataFrame, spec: LayerSpec, id_field: str | None, *, labels: bool) -> dict:
    """What one layer's script needs: features (``features``: a JSON array,
    script-safe) with compact properties (id, escaped tooltip, escaped title,
    popup values as indexes into the layer's table of escaped strings, style
    index), the layer's style table, its popup labels/caveat once, and its
    labels (escaped text, place, priority, width) sorted by priority."""
    import shapely

    feats: list[str] = []
    styles: list[dict] = []
    style_index: dict[tuple, int] = {}
    label_items: list[tuple[float, float, str, float, float]] = []  # lat, lon, text, priority, width
    used = [c for c in gdf.columns if c in spec.fields() | {"name", "precision"}]
    records = gdf[used].to_dict("records") if used else [{} for _ in range(len(gdf))]
    geoms = gdf.geometry.values
    ids = gdf[id_field].tolist() if id_field and id_field in gdf.columns else list(gdf.index)
    # display generalisation well below a pixel at street zoom, 6 decimals (about 0.1 m)
    shown = shapely.simplify(geoms, DISPLAY_TOLERANCE_DEG, preserve_topology=True)
    coords = shapely.to_geojson(shapely.set_precision(shown, 1e-6, mode="pointwise")) if len(geoms) else []
    strings: dict[str, int] = {}  # popup values, each stored once per layer
    for row, geom, fid, gj in zip(records, geoms, ids, coords, strict=True):
        if geom is None or geom.is_empty:
            continue
        st = feature_style(row, spec, geom.geom_type)
        key = tuple(sorted(st.items()))
        if key not in style_index:
            style_index[key] = len(styles)
            styles.append(st)
        title, badge, values = popup_parts(row, spec)
        props = {"_id": cell_text(fid), "_s": style_index[key], "_tip": tooltip_html(row, spec), "_pt": title}
        if badge:  # 位置示意 or 位置待定: this feature's own word
            props["_pa"] = badge
        if spec.popup:
            props["_pv"] = [strings.setdefault(v, len(strings)) for v in values]
        # shapely's GeoJSON holds only numbers and type names: spliced in as it is
        feats.append(
            f'{{"type":"Feature","properties":{safe_json(props, separators=(",", ":"))},"geometry":{gj}}}'
        )
        name = cell_text(row.get("name"))
        if labels and spec.label and name:
            pt = geom if geom.geom_type == "Point" else geom.representative_point()
            label_items.append(
                (round(pt.y, 6), round(pt.x, 6), html_text(name), _label_priority(geom), _label_width(name))
            )
    label_items.sort(key=lambda it: -it[3])
    pop_labels, caveat, source_line = popup_layer_parts(spec)
    return {
        "key": spec.key,
        "features": "[" + ",".join(feats) + "]",
        "n": len(feats),
        "styles": styles,
        "pop": {
            "labels": pop_labels,
            "strs": list(strings),
            "note": caveat,
            "src": source_line,
        },
        "labels": [list(item) for item in label_items],
    }


_PAYLOADS: OrderedDict = OrderedDict()


_PAYLOADS_LOCK = threading.Lock()


#: Layer payloads kept (most recently used first out last): a page rerun with unchanged data reuses them.
PAYLOAD_CACHE_SIZE = 24


def data_fingerprint(gdf: gpd.GeoDataFrame, columns: Iterable[str]) -> str:
    """A digest of the geometries (WKB) and the given columns' values: equal data, equal digest."""
    import hashlib

    import shapely

    h = hashlib.blake2b(digest_size=16)
    h.update(str(len(gdf)).encode())
    wkb = shapely.to_wkb(gdf.geometry.values)
    h.update(b"".join(b if b is not None else b"-" for b in wkb))
    cols = [c for c in columns if c in gdf.columns]
    h.update(pickle.dumps((cols, list(gdf.index), gdf[cols].to_numpy(dtype=object).tolist()), protocol=5))
    return h.hexdigest()


def cached_layer_payload(
    gdf: gpd.GeoDataFrame, spec: LayerSpec, id_field: str | None, *, labels: bool
) -> dict:
    """:func:`layer_payload`, reused while the layer's data, spec and options are the same
    (keyed by a digest of the data, not by object identity: Streamlit hands out copies)."""
    cols = sorted(spec.fields() | {"name", "precision"} | ({id_field} if id_field else set()))
    key = (repr(spec), id_field, labels, data_fingerprint(gdf, cols))
    with _PAYLOADS_LOCK:
        hit = _PAYLOADS.get(key)
        if hit is not None:
            _PAYLOADS.move_to_end(key)
            return hit
    payload = layer_payload(gdf, spec, id_field, labels=labels)
    with _PAYLOADS_LOCK:
        _PAYLOADS[key] = payload
        while len(_PAYLOADS) > PAYLOAD_CACHE_SIZE:
            _PAYLOADS.popitem(last=False)
    return payload

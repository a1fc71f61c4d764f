"""Reading what the planner did on a map: drawn shapes and clicked features (no Streamlit).

The folium back-end (:mod:`layers.render`) copies a feature's id to ``_id`` and
its layer key to ``_layer``; the map widget returns drawn GeoJSON features. These
functions turn both back into site ids and WGS84 geometries.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping

import shapely
import shapely.errors
import shapely.geometry
from shapely.geometry.base import BaseGeometry

from renewal.crs import geometry_from_web
from renewal.sites.merge import same_shape


def geometry_from_drawings(
    features: list | None, display_crs: str = "wgs84"
) -> tuple[BaseGeometry | None, str]:
    """One WGS84 geometry from the GeoJSON features drawn or edited on the map, and a note.

    Features of the highest dimension win (a polygon drawn over a point
    replaces it); several of them become a Multi-geometry. ``display_crs`` is
    the coordinate system the map showed (``gcj02`` over Amap tiles): drawn
    numbers are converted back to WGS84.
    """

    geoms = []
    for f in features or []:
        g = (f or {}).get("geometry")
        if not g:
            continue
        try:
            geoms.append(shapely.geometry.shape(g))
        except (ValueError, TypeError, AttributeError, KeyError, shapely.errors.ShapelyError):
            continue
    geoms = [g for g in geoms if not g.is_empty]
    if not geoms:
        return None, ""
    dim = max(shapely.get_dimensions(g) for g in geoms)
    keep = [g for g in geoms if shapely.get_dimensions(g) == dim]
    note = (
        f"地图上有{len(geoms)}个图形，使用其中{len(keep)}个{('面', '线', '点')[2 - dim]}状图形"
        if len(keep) != len(geoms)
        else ""
    )
    parts: list[BaseGeometry] = []
    for g in keep:
        parts.extend(getattr(g, "geoms", [g]))
    cls = {
        0: shapely.geometry.MultiPoint,
        1: shapely.geometry.MultiLineString,
        2: shapely.geometry.MultiPolygon,
    }
    geom = parts[0] if len(parts) == 1 else cls[dim](parts)
    if display_crs != "wgs84":
        geom = geometry_from_web(geom, display_crs)
    return geom, note


_DIM_WORDS = ("点", "线", "面")


def drawing_for_site(
    features: list | None, site_geom: BaseGeometry | None, display_crs: str = "wgs84"
) -> tuple[BaseGeometry | None, str]:
    """The drawn geometry to save for a site, or (None, Chinese warning) when it is not clear which.

    Only drawn features of the site's kind (point, line or polygon) count. The drawing is used when
    exactly one of them is on the map, or when there are as many as the site has parts (its parts,
    reshaped). Anything else (none, or a new shape drawn beside the existing one) is ambiguous: the
    caller must not change the geometry.
    """
    if site_geom is None or site_geom.is_empty:
        return geometry_from_drawings(features, display_crs)[0], ""
    dim = int(shapely.get_dimensions(site_geom))
    word = _DIM_WORDS[dim]
    same = []
    for f in features or []:
        g = (f or {}).get("geometry")
        try:
            shp = shapely.geometry.shape(g) if g else None
        except (ValueError, TypeError, AttributeError, KeyError, shapely.errors.ShapelyError):
            shp = None
        if shp is not None and not shp.is_empty and int(shapely.get_dimensions(shp)) == dim:
            same.append(f)
    parts = len(getattr(site_geom, "geoms", [site_geom]))
    if not same:
        return None, f"地图上没有{word}状图形（该项目为{word}状），图形未修改。"
    if len(same) != 1 and len(same) != parts:
        return None, (
            f"地图上有{len(same)}个{word}状图形，无法确定使用哪一个，图形未修改。"
            "请删除多余的图形，只保留一个后再保存。"
        )
    return geometry_from_drawings(same, display_crs)[0], ""


def edited_shape(
    features: list | None, site_geom: BaseGeometry | None, display_crs: str = "wgs84"
) -> tuple[BaseGeometry | None, str]:
    """The shape a planner edited or drew on the map for a site, to be saved with the edit form.

    (geometry, "") when the map's drawing is usable (:func:`drawing_for_site`) and differs from
    ``site_geom``; (None, Chinese warning) when the planner changed the drawings but they cannot be used
    (none left, or ambiguous); (None, "") when the drawing is the site's own shape."""
    drawn, warning = drawing_for_site(features, site_geom, display_crs)
    if drawn is None:
        return None, warning
    return (None, "") if same_shape(drawn, site_geom) else (drawn, "")


def drawing_key(feature: Mapping | None) -> str:
    """A fingerprint of a drawn feature's geometry ("" if it has none), to recognise the same drawing again."""

    geom = (feature or {}).get("geometry")
    if not geom:
        return ""
    return hashlib.sha256(json.dumps(geom, sort_keys=True, default=str).encode("utf-8")).hexdigest()[:32]


def unused_drawing(feature: Mapping | None, used: Iterable[str]) -> Mapping | None:
    """``feature`` if it is a new drawing (not a clicked site, not already used for 新增), else None."""
    key = drawing_key(feature)
    if not key or clicked_site_id(feature) or key in set(used):
        return None
    return feature


def clicked_site_id(feature: Mapping | None) -> str | None:
    """The site id of a feature clicked on the map (the renderer copies it to ``_id``), else None."""
    if not feature:
        return None
    props = feature.get("properties") or {}
    if props.get("_layer") not in ("renewal_sites", "renewal_site_selected"):
        return None
    sid = props.get("_id")
    return str(sid) if sid else None

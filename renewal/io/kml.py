"""KML/KMZ in and out, without trusting the XML.

Reading parses with :mod:`defusedxml` (no external entities, no entity
expansion bombs, no DTD tricks): a hostile KML is refused with a clear
message. Placemarks become features with ``name``, ``description`` and every
``ExtendedData`` value as attributes; Point, LineString, Polygon (with holes) and
MultiGeometry are read. KML coordinates are WGS84 longitude, latitude by
definition. Writing escapes every text from data.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from xml.etree.ElementTree import Element
from xml.sax.saxutils import escape

import geopandas as gpd
import pandas as pd
from defusedxml import ElementTree as DET
from defusedxml.common import DefusedXmlException
from shapely.geometry import (
    GeometryCollection,
    LineString,
    MultiLineString,
    MultiPoint,
    MultiPolygon,
    Point,
    Polygon,
    mapping,
)
from shapely.geometry.base import BaseGeometry

from renewal.crs import STORAGE_EPSG
from renewal.errors import FileContentError
from renewal.io.write import xlsx_text


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _children(el: Element, name: str) -> list[Element]:
    return [c for c in el if _local(c.tag) == name]


def _find(el: Element, name: str) -> Element | None:
    return next((c for c in el.iter() if _local(c.tag) == name), None)


def _coords(el: Element) -> list[tuple[float, float]]:
    node = next((c for c in el if _local(c.tag) == "coordinates"), None)
    text = (node.text or "") if node is not None else ""
    out: list[tuple[float, float]] = []
    for tup in text.split():
        parts = tup.split(",")
        out.append((float(parts[0]), float(parts[1])))
    return out


def _ring(el: Element) -> list[tuple[float, float]]:
    lr = _find(el, "LinearRing")
    return _coords(lr) if lr is not None else []


def _geometry(el: Element) -> BaseGeometry | None:
    kind = _local(el.tag)
    if kind == "Point":
        return Point(_coords(el)[0])
    if kind == "LineString":
        return LineString(_coords(el))
    if kind == "Polygon":
        outer = next((c for c in el if _local(c.tag) == "outerBoundaryIs"), None)
        holes = [_ring(c) for c in el if _local(c.tag) == "innerBoundaryIs"]
        return Polygon(_ring(outer) if outer is not None else [], holes)
    if kind == "MultiGeometry":
        parts = [g for g in (_geometry(c) for c in el) if g is not None]
        if not parts:
            return None
        types = {p.geom_type for p in parts}
        if types == {"Point"}:
            return MultiPoint(parts)
        if types == {"LineString"}:
            return MultiLineString(parts)
        if types == {"Polygon"}:
            return MultiPolygon(parts)
        return GeometryCollection(parts)
    return None


def _placemark(pm: Element) -> dict[str, object]:
    row: dict[str, object] = {}
    for key in ("name", "description"):
        node = next((c for c in pm if _local(c.tag) == key), None)
        if node is not None:
            row[key] = (node.text or "").strip()
    for data in pm.iter():
        tag = _local(data.tag)
        field = data.get("name")
        if tag == "Data" and field:
            value = next((c for c in data if _local(c.tag) == "value"), None)
            row[field] = (value.text or "") if value is not None else ""
        elif tag == "SimpleData" and field:
            row[field] = data.text or ""
    geom = None
    for child in pm:
        if _local(child.tag) in ("Point", "LineString", "Polygon", "MultiGeometry"):
            geom = _geometry(child)
            break
    row["geometry"] = geom
    return row


def read_kml_bytes(data: bytes, name: str) -> gpd.GeoDataFrame:
    """The placemarks of a KML document (bytes) as a WGS84 GeoDataFrame; FileContentError if unsafe or malformed."""
    try:
        root = DET.fromstring(data, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as exc:
        raise FileContentError(
            f"{name}: the KML declares a DTD or entities (possible external-entity attack); refused",
            f"KML文件“{name}”含有DTD或实体声明（可能是外部实体攻击），已拒绝",
        ) from exc
    except Exception as exc:  # xml.etree.ElementTree.ParseError and friends
        raise FileContentError(
            f"{name}: not valid KML/XML (malformed or truncated): {exc}",
            f"“{name}”不是有效的KML（格式错误或不完整）",
        ) from exc
    if _local(root.tag) != "kml":
        raise FileContentError(
            f"{name}: not a KML document (root <{_local(root.tag)}>)", f"“{name}”不是KML文档"
        )
    try:
        rows = [_placemark(pm) for pm in root.iter() if _local(pm.tag) == "Placemark"]
    except (ValueError, IndexError, TypeError) as exc:
        raise FileContentError(
            f"{name}: a placemark has malformed coordinates: {exc}", f"KML文件“{name}”中有坐标格式错误的地标"
        ) from exc
    if not rows:
        return gpd.GeoDataFrame(geometry=[], crs=STORAGE_EPSG)
    df = pd.DataFrame(rows)
    return gpd.GeoDataFrame(df.drop(columns="geometry"), geometry=list(df["geometry"]), crs=STORAGE_EPSG)


# --- writing ------------------------------------------------------------------


def _kml_coords(coords: Iterable[Sequence[float]]) -> str:
    return " ".join(f"{float(x)!r},{float(y)!r}" for x, y, *_ in coords)


def _kml_geometry(geom: BaseGeometry) -> str:
    gj = mapping(geom)
    t = gj["type"]
    if t == "Point":
        return f"<Point><coordinates>{_kml_coords([gj['coordinates']])}</coordinates></Point>"
    if t == "LineString":
        return f"<LineString><coordinates>{_kml_coords(gj['coordinates'])}</coordinates></LineString>"
    if t == "Polygon":
        rings = [
            f"<{tag}><LinearRing><coordinates>{_kml_coords(r)}</coordinates></LinearRing></{tag}>"
            for tag, r in zip(
                ["outerBoundaryIs"] + ["innerBoundaryIs"] * (len(gj["coordinates"]) - 1),
                gj["coordinates"],
                strict=True,
            )
        ]
        return f"<Polygon>{''.join(rings)}</Polygon>"
    parts = getattr(geom, "geoms", [])
    return f"<MultiGeometry>{''.join(_kml_geometry(g) for g in parts)}</MultiGeometry>"


def kml_bytes(gdf: gpd.GeoDataFrame, *, name_field: str | None = None, title: str = "") -> bytes:
    """Features (numbers already in the output system: WGS84 or GCJ-02) as KML; all text escaped."""
    fields = [c for c in gdf.columns if c != gdf.geometry.name]
    name_field = name_field or next((c for c in ("name", "名称") if c in fields), None)
    out = ['<?xml version="1.0" encoding="UTF-8"?>', '<kml xmlns="http://www.opengis.net/kml/2.2"><Document>']
    out.append(f"<name>{escape(_text(title))}</name>")
    for _, row in gdf.iterrows():
        out.append("<Placemark>")
        if name_field:
            out.append(f"<name>{escape(_text(row[name_field]))}</name>")
        out.append("<ExtendedData>")
        for f in fields:
            out.append(
                f'<Data name="{escape(str(f), {chr(34): "&quot;"})}"><value>{escape(_text(row[f]))}</value></Data>'
            )
        out.append("</ExtendedData>")
        geom = row[gdf.geometry.name]
        if geom is not None and not geom.is_empty:
            out.append(_kml_geometry(geom))
        out.append("</Placemark>")
    out.append("</Document></kml>")
    return "\n".join(out).encode("utf-8")


def _text(value: object) -> str:
    """A value as KML text: empty for missing; characters XML cannot hold (control characters) as U+FFFD."""
    if value is None or (isinstance(value, float) and value != value):
        return ""
    return xlsx_text(str(value))

"""Attribute tables (属性表): any layer's attributes as a table a planner reads, filters and exports.

The table has the layer's fields (geometry left out), each headed by its Chinese name
(:func:`renewal.zh.field_label`: site fields; a planner's own fields keep their names), coded values in
Chinese (:func:`renewal.zh.value_label`), and the layer's row index kept, so rows picked in the table are
the layer's features. A filter is a field and a text: rows whose value equals it, or contains it.
Exports go through :mod:`renewal.io.write` (formula guard in CSV, text cells in XLSX).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import geopandas as gpd
import pandas as pd

from renewal.io.write import csv_bytes, with_geometry_columns, xlsx_bytes
from renewal.zh import field_label, value_label

EQUALS, CONTAINS = "equals", "contains"
MATCH_LABELS = {CONTAINS: "包含", EQUALS: "等于"}
#: Columns a map layer carries for drawing only (not the planner's data).
HIDDEN_COLUMNS = ("_source", "_class")
#: The headers of the geometry columns in exported tables.
GEOMETRY_HEADERS = {"lon": "经度", "lat": "纬度", "wkt": "几何（WKT）"}


def fields(gdf: gpd.GeoDataFrame) -> list[str]:
    """The attribute fields of a layer (no geometry, no drawing helpers)."""
    return [c for c in gdf.columns if c != gdf.geometry.name and c not in HIDDEN_COLUMNS]


def headers(columns: Iterable[str], labels: Mapping[str, str] | None = None) -> dict[str, str]:
    """Field -> Chinese header (``labels`` first, then the site fields' names; a planner's own fields as
    they are); two fields with the same header get the field name in brackets."""
    out: dict[str, str] = {}
    taken: set[str] = set()
    for c in columns:
        label = (labels or {}).get(c) or field_label(str(c))
        if label in taken:
            label = f"{label}（{c}）"
        taken.add(label)
        out[c] = label
    return out


def _cell(field: str, value: object) -> object:
    if isinstance(value, str) or value is None:
        return value_label(field, value)
    return value


def attribute_table(gdf: gpd.GeoDataFrame, labels: Mapping[str, str] | None = None) -> pd.DataFrame:
    """The layer's attributes with Chinese headers and values; the index is the layer's index."""
    cols = fields(gdf)
    table = pd.DataFrame(gdf[cols]).copy()
    for c in cols:
        if table[c].dtype == object:
            table[c] = [_cell(str(c), v) for v in table[c]]
    return table.rename(columns=headers(cols, labels))


def _text(value: object) -> str:
    if value is None or (isinstance(value, float) and value != value):
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def filter_rows(table: pd.DataFrame, column: str | None, text: str, match: str = CONTAINS) -> pd.DataFrame:
    """The rows of ``table`` whose ``column`` (or, with None, any column) equals or contains ``text``
    (compared as text, case-insensitively, spaces around it ignored). An empty text keeps every row."""
    needle = text.strip().casefold()
    if not needle:
        return table
    columns = [column] if column is not None else list(table.columns)

    def hit(value: object) -> bool:
        cell = _text(value).strip().casefold()
        return cell == needle if match == EQUALS else needle in cell

    mask = pd.Series(False, index=table.index)
    for c in columns:
        mask |= table[c].map(hit)
    return table[mask]


def export_table(gdf: gpd.GeoDataFrame, labels: Mapping[str, str] | None = None) -> pd.DataFrame:
    """The rows of ``gdf`` as an export table: Chinese headers, then 经度/纬度 and the WKT geometry (WGS84)."""
    cols = fields(gdf)
    plain = with_geometry_columns(gdf[[*cols, gdf.geometry.name]])
    table = attribute_table(gdf, labels)
    for c in ("lon", "lat", "wkt"):
        table[GEOMETRY_HEADERS[c]] = plain[c].to_numpy()
    return table


def table_bytes(
    gdf: gpd.GeoDataFrame, fmt: str, labels: Mapping[str, str] | None = None, sheet: str = "属性表"
) -> bytes:
    """The export table of ``gdf`` as CSV or XLSX bytes (through the shared writers)."""
    table = export_table(gdf, labels)
    if fmt == "csv":
        return csv_bytes(table)
    if fmt == "xlsx":
        return xlsx_bytes({sheet: table})
    raise ValueError(f"table format must be csv or xlsx, not {fmt!r}")

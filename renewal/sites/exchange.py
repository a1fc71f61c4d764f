"""Export of renewal sites: GeoJSON, GeoPackage, CSV and XLSX (the writers' one table convention).

:func:`export_bytes` returns the file content (for the UI's download
buttons); :func:`export_file` writes a file atomically for the CLI.
:func:`read_export` reads any of the four back, so a round trip can be checked.

Every export carries the site fields, the computed ``area_m2``/``length_m``
(EPSG:4548) and WGS84 geometry (tables: ``lon``/``lat`` and ``wkt`` columns,
see :mod:`renewal.io.write`). The spreadsheet uses Chinese column headers and a
second sheet explaining the fields and the data's precision.
"""

from __future__ import annotations

import io
import tempfile
from pathlib import Path

import geopandas as gpd
import pandas as pd

import geodata
from renewal.crs import STORAGE_EPSG
from renewal.errors import InputError
from renewal.io.atomic import write_bytes_atomic
from renewal.io.write import (
    GEOMETRY_COLUMNS,
    check_out_folder,
    csv_bytes,
    gpkg_bytes,
    read_table_layer,
    unguard_formula,
    with_geometry_columns,
    xlsx_bytes,
)
from renewal.sites.query import with_measures
from renewal.sites.schema import FIELD_LABELS, NUMBER_FIELDS, SITE_FIELDS, normalise_columns

#: format -> (file suffix, MIME type, Chinese name)
FORMATS = {
    "geojson": (".geojson", "application/geo+json", "GeoJSON"),
    "gpkg": (".gpkg", "application/geopackage+sqlite3", "GeoPackage"),
    "csv": (".csv", "text/csv", "CSV（几何为WKT）"),
    "xlsx": (".xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "Excel表格"),
}
MEASURE_FIELDS = ("area_m2", "length_m")
EXPORT_FIELDS = (*SITE_FIELDS, *MEASURE_FIELDS)
XLSX_SHEET = "更新项目"
XLSX_NOTES_SHEET = "字段说明"
GPKG_LAYER = "renewal_sites"


def format_for(path: Path | str) -> str:
    """The export format implied by a file name's suffix."""
    suffix = Path(path).suffix.lower()
    for fmt, (sfx, _, _) in FORMATS.items():
        if suffix == sfx or (fmt == "geojson" and suffix == ".json"):
            return fmt
    raise InputError(
        f"Unknown export format {suffix!r}; use one of {', '.join(s for s, _, _ in FORMATS.values())}",
        f"不支持的导出格式“{suffix}”，可选：{'、'.join(s for s, _, _ in FORMATS.values())}",
    )


def prepare(gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """The export table: site fields, computed measures, WGS84 geometry (other columns dropped)."""
    if gdf.crs is None or gdf.crs.to_epsg() != STORAGE_EPSG:
        raise InputError("Sites must be in WGS84 to export.", "导出的数据须为WGS84坐标。")
    out = with_measures(normalise_columns(gdf))
    return out[[*EXPORT_FIELDS, out.geometry.name]].reset_index(drop=True)


def export_bytes(gdf: gpd.GeoDataFrame, fmt: str) -> bytes:
    """The sites as a file in ``fmt`` (geojson, gpkg, csv, xlsx), as bytes."""
    if fmt not in FORMATS:
        raise InputError(f"Unknown export format: {fmt}", f"不支持的导出格式：{fmt}")
    data = prepare(gdf)
    if fmt == "geojson":
        return data.to_json(drop_id=True, ensure_ascii=False, indent=1).encode("utf-8")
    if fmt == "csv":
        return csv_bytes(with_geometry_columns(data))
    if fmt == "xlsx":
        return _xlsx(data)
    return gpkg_bytes({GPKG_LAYER: data})


_GEOMETRY_LABELS = {"lon": "经度（WGS84）", "lat": "纬度（WGS84）", "wkt": "WGS84经纬度几何（WKT文本）"}


def _xlsx(data: gpd.GeoDataFrame) -> bytes:
    table = with_geometry_columns(data)
    geometry = table[list(GEOMETRY_COLUMNS)]
    table = table.drop(columns=list(GEOMETRY_COLUMNS))
    table["状态说明"] = table["status"].map(geodata.STATUS_LABELS).fillna("")
    table["精度说明"] = table["precision"].map(geodata.PRECISION_LABELS).fillna("")
    table = pd.concat([table, geometry], axis=1)
    labels = {**FIELD_LABELS, **_GEOMETRY_LABELS}
    headers = {f: f"{labels[f]}（{f}）" for f in table.columns if f in labels}
    notes = pd.DataFrame(
        {
            "字段": list(headers.values()) + ["说明"],
            "含义": [labels[f] for f in headers]
            + [
                geodata.meta("renewal_sites").caveat_zh
                + " 计算面积、计算长度在CGCS2000 / 3度带高斯-克吕格 CM 117E（EPSG:4548）中计算。"
            ],
        }
    )
    return xlsx_bytes({XLSX_SHEET: table.rename(columns=headers), XLSX_NOTES_SHEET: notes})


def export_file(gdf: gpd.GeoDataFrame, path: Path | str, fmt: str | None = None) -> Path:
    """Write the sites to ``path`` atomically (temp file in the same folder, then rename)."""
    path = check_out_folder(path)
    fmt = fmt or format_for(path)
    return write_bytes_atomic(path, export_bytes(gdf, fmt))


def read_export(source: Path | str | bytes, fmt: str) -> gpd.GeoDataFrame:
    """Read an export back (a path or the bytes) as a WGS84 GeoDataFrame with the site fields."""
    if isinstance(source, bytes | bytearray):
        raw = bytes(source)
    else:
        raw = Path(source).read_bytes()
    if fmt in ("geojson", "gpkg"):
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / f"in{FORMATS[fmt][0]}"
            path.write_bytes(raw)
            gdf = gpd.read_file(path)
    else:
        if fmt == "csv":
            table = pd.read_csv(io.BytesIO(raw), dtype=str, keep_default_na=False, encoding="utf-8-sig")
            table = table.map(unguard_formula)
        else:
            table = pd.read_excel(io.BytesIO(raw), sheet_name=XLSX_SHEET, dtype=str, keep_default_na=False)
            table = table.rename(columns=lambda c: c.rsplit("（", 1)[-1].rstrip("）") if "（" in c else c)
        gdf = read_table_layer(table)
    for f in (*NUMBER_FIELDS, *MEASURE_FIELDS):
        if f in gdf.columns:
            gdf[f] = pd.to_numeric(gdf[f].replace("", None), errors="coerce").astype(float)
    gdf = normalise_columns(gdf)
    keep = [c for c in (*EXPORT_FIELDS,) if c in gdf.columns]
    return gdf[[*keep, gdf.geometry.name]]

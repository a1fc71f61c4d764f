"""Export of renewal sites: GeoJSON, GeoPackage, zipped Shapefile, KML, CSV and XLSX, in any export CRS
(the layer writers of :mod:`renewal.io.export`; the writers' one table convention for CSV/XLSX).

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
from pathlib import Path

import geopandas as gpd
import pandas as pd
from shapely.geometry.base import BaseGeometry

import geodata
from renewal.crs import STORAGE_EPSG, parse_crs
from renewal.errors import InputError
from renewal.io.atomic import write_bytes_atomic
from renewal.io.export import LAYER_FORMATS, layer_bytes
from renewal.io.read import read_vector
from renewal.io.write import (
    GEOMETRY_COLUMNS,
    check_out_folder,
    csv_bytes,
    read_table_layer,
    unguard_formula,
    with_geometry_columns,
    xlsx_bytes,
)
from renewal.sites.query import with_measures
from renewal.sites.schema import FIELD_LABELS, NUMBER_FIELDS, SITE_FIELDS, normalise_columns

#: format -> (file suffix, MIME type, Chinese name)
FORMATS = {**LAYER_FORMATS, "csv": (".csv", "text/csv", "CSV（几何为WKT）")}
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


def export_bytes(gdf: gpd.GeoDataFrame, fmt: str, crs: str = "wgs84") -> bytes:
    """The sites as a file in ``fmt`` (geojson, gpkg, zip, kml, csv, xlsx) with coordinates in ``crs``, as bytes."""
    if fmt not in FORMATS:
        raise InputError(f"Unknown export format: {fmt}", f"不支持的导出格式：{fmt}")
    data = prepare(gdf)
    if fmt == "csv":
        return csv_bytes(with_geometry_columns(data, crs=crs))
    if fmt == "xlsx":
        return _xlsx(data, crs)
    return layer_bytes(data, fmt, crs=crs, name=GPKG_LAYER)


def _geometry_labels(crs: str) -> dict[str, str]:
    label = parse_crs(crs).label_zh
    return {
        "lon": f"经度（{label}）",
        "lat": f"纬度（{label}）",
        "x": f"X坐标/东（{label}，米）",
        "y": f"Y坐标/北（{label}，米）",
        "wkt": f"几何（WKT文本，{label}）",
    }


def _xlsx(data: gpd.GeoDataFrame, crs: str = "wgs84") -> bytes:
    table = with_geometry_columns(data, crs=crs)
    geo_cols = [c for c in (*GEOMETRY_COLUMNS, "x", "y") if c in table.columns]
    geometry = table[geo_cols]
    table = table.drop(columns=geo_cols)
    table["状态说明"] = table["status"].map(geodata.STATUS_LABELS).fillna("")
    table["精度说明"] = table["precision"].map(geodata.PRECISION_LABELS).fillna("")
    table = pd.concat([table, geometry], axis=1)
    labels = {**FIELD_LABELS, **_geometry_labels(crs)}
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


def export_file(gdf: gpd.GeoDataFrame, path: Path | str, fmt: str | None = None, crs: str = "wgs84") -> Path:
    """Write the sites to ``path`` atomically (temp file in the same folder, then rename)."""
    path = check_out_folder(path)
    fmt = fmt or format_for(path)
    return write_bytes_atomic(path, export_bytes(gdf, fmt, crs))


def _single(geom: BaseGeometry | None) -> BaseGeometry | None:
    if geom is not None and geom.geom_type.startswith("Multi") and len(geom.geoms) == 1:
        return geom.geoms[0]
    return geom


def read_export(source: Path | str | bytes, fmt: str, crs: str = "wgs84") -> gpd.GeoDataFrame:
    """Read an export back (a path or the bytes; numbers in ``crs``) as a WGS84 GeoDataFrame with the site fields."""
    if isinstance(source, bytes | bytearray):
        raw = bytes(source)
    else:
        raw = Path(source).read_bytes()
    target = parse_crs(crs)
    if fmt not in ("csv", "xlsx"):
        gdf = read_vector(raw, filename=f"in{FORMATS[fmt][0]}", crs=crs if target.web else None).gdf
    else:
        if fmt == "csv":
            table = pd.read_csv(io.BytesIO(raw), dtype=str, keep_default_na=False, encoding="utf-8-sig")
            table = table.map(unguard_formula)
        else:
            table = pd.read_excel(io.BytesIO(raw), sheet_name=XLSX_SHEET, dtype=str, keep_default_na=False)
            table = table.rename(columns=lambda c: c.rsplit("（", 1)[-1].rstrip("）") if "（" in c else c)
        gdf = read_table_layer(table, crs=crs)
    for f in (*NUMBER_FIELDS, *MEASURE_FIELDS):
        if f in gdf.columns:
            gdf[f] = pd.to_numeric(gdf[f].replace("", None), errors="coerce").astype(float)
    gdf = normalise_columns(gdf)
    if fmt in ("gpkg", "zip"):  # a layer holds one type: single parts were written as one-part multis
        gdf = gdf.set_geometry([_single(g) for g in gdf.geometry], crs=gdf.crs)
    if fmt in ("gpkg", "zip") and "site_id" in gdf.columns:
        # these formats hold one layer per geometry type: read back grouped by type, so put them in id order
        gdf = gdf.sort_values("site_id", kind="stable").reset_index(drop=True)
    keep = [c for c in (*EXPORT_FIELDS,) if c in gdf.columns]
    return gdf[[*keep, gdf.geometry.name]]

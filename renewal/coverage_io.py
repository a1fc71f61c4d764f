"""Reading the coverage engine's inputs and writing its outputs.

* :func:`read_layer` - a vector layer (GeoJSON, GeoPackage, Shapefile, ...), or
  a table with lon/lat columns (CSV, Excel ``.xlsx``), to WGS84; ``coords``
  converts Amap GCJ-02 / Baidu BD-09 numbers at the edge.
* :func:`write_table` / :func:`write_gpkg` / :func:`write_xlsx` - outputs
  written to a temporary file in the same folder, then moved into place, so a
  failed command never leaves a half-written file.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from renewal.crs import COORDINATE_SYSTEMS, STORAGE_EPSG, geometry_from_web
from renewal.errors import InputError
from renewal.fileio import atomic_output

LON_NAMES = ("lon", "lng", "longitude", "x", "经度")
LAT_NAMES = ("lat", "latitude", "y", "纬度")


def _find(cols, names):
    low = {str(c).lower(): c for c in cols}
    for n in names:
        if n in low:
            return low[n]
    return None


def read_layer(source, *, what: str = "layer", coords: str = "wgs84", layer: str | None = None):
    """Read ``source`` (a path or a GeoDataFrame) as a WGS84 GeoDataFrame."""
    import geopandas as gpd

    if coords not in COORDINATE_SYSTEMS:
        raise InputError(
            f"Unknown coordinate system {coords!r}; use one of {', '.join(COORDINATE_SYSTEMS)}",
            f"未知的坐标系 {coords!r}；可选：{'、'.join(COORDINATE_SYSTEMS)}",
        )
    if isinstance(source, gpd.GeoDataFrame):
        gdf = source.copy()
        label = what
    else:
        path = Path(source)
        label = f"{what} file {path}"
        if not path.exists():
            raise InputError(f"{what.capitalize()} file not found: {path}", f"找不到{_zh(what)}文件：{path}")
        if path.stat().st_size == 0:
            raise InputError(f"{what.capitalize()} file is empty: {path}", f"{_zh(what)}文件为空：{path}")
        suffix = path.suffix.lower()
        if suffix in (".csv", ".txt", ".xlsx", ".xls"):
            df = pd.read_excel(path) if suffix in (".xlsx", ".xls") else pd.read_csv(path)
            lon, lat = _find(df.columns, LON_NAMES), _find(df.columns, LAT_NAMES)
            if lon is None or lat is None:
                raise InputError(
                    f"{label}: needs longitude/latitude columns (lon, lat); found {list(df.columns)}",
                    f"{_zh(what)}文件 {path} 需要经纬度列（lon、lat），现有列：{list(df.columns)}",
                )
            x = pd.to_numeric(df[lon], errors="coerce")
            y = pd.to_numeric(df[lat], errors="coerce")
            bad = x.isna() | y.isna()
            if bad.any():
                raise InputError(
                    f"{label}: {int(bad.sum())} rows without numeric coordinates (first rows {list(np.flatnonzero(bad)[:5] + 2)})",
                    f"{_zh(what)}文件 {path} 有 {int(bad.sum())} 行坐标不是数字",
                )
            gdf = gpd.GeoDataFrame(df, geometry=gpd.points_from_xy(x, y), crs=STORAGE_EPSG)
        else:
            try:
                gdf = gpd.read_file(path, layer=layer) if layer else gpd.read_file(path)
            except Exception as exc:
                raise InputError(f"Cannot read {label}: {exc}", f"无法读取{_zh(what)}文件 {path}：{exc}") from exc
    if len(gdf) == 0:
        raise InputError(f"The {label} has no features.", f"{_zh(what)}没有要素。")
    if gdf.crs is None:
        raise InputError(
            f"The {label} has no coordinate reference system (CRS); save it with one (e.g. EPSG:4326).",
            f"{_zh(what)}没有坐标参考系（CRS），请带坐标系保存（例如 EPSG:4326）。",
        )
    gdf = gdf[gdf.geometry.notna() & ~gdf.geometry.is_empty].copy()
    if len(gdf) == 0:
        raise InputError(f"The {label} has only empty geometries.", f"{_zh(what)}只有空几何。")
    gdf = gdf.to_crs(STORAGE_EPSG)
    if coords != "wgs84":
        gdf["geometry"] = [geometry_from_web(g, coords) for g in gdf.geometry]
        gdf = gdf.set_crs(STORAGE_EPSG, allow_override=True)
    return gdf


def _zh(what: str) -> str:
    return {
        "facilities": "设施",
        "origins": "起点",
        "zones": "分区",
        "population": "人口",
        "candidates": "候选点",
        "boundary": "边界",
        "roads": "路网",
    }.get(what, "图层")


def atomic_write(path, writer) -> None:
    """Call ``writer(tmp_path)`` then move the result to ``path`` (see renewal.fileio)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_output(path) as tmp:
        writer(tmp)


def write_gpkg(path, layers: dict) -> None:
    """Several GeoDataFrames/DataFrames as layers of one GeoPackage, atomically."""
    import logging

    import geopandas as gpd

    logging.getLogger("pyogrio").setLevel(logging.WARNING)  # no "Created N records" chatter

    def writer(tmp):
        for name, df in layers.items():
            if df is None:
                continue
            if not isinstance(df, gpd.GeoDataFrame):
                df = gpd.GeoDataFrame(df, geometry=[None] * len(df), crs=STORAGE_EPSG)
            df.to_file(tmp, driver="GPKG", layer=name)

    atomic_write(path, writer)


def write_table(path, gdf) -> None:
    """CSV (lon/lat columns, no geometry) or GeoPackage by extension."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".gpkg":
        write_gpkg(path, {path.stem: gdf})
    elif suffix == ".csv":
        df = pd.DataFrame(gdf.drop(columns=gdf.geometry.name))
        pts = gdf.geometry.representative_point() if not (gdf.geom_type == "Point").all() else gdf.geometry
        df["lon"] = pts.x.round(7)
        df["lat"] = pts.y.round(7)
        atomic_write(path, lambda tmp: df.to_csv(tmp, index=False, encoding="utf-8-sig"))
    elif suffix == ".xlsx":
        df = pd.DataFrame(gdf.drop(columns=gdf.geometry.name))
        atomic_write(path, lambda tmp: df.to_excel(tmp, index=False))
    else:
        raise InputError(
            f"Output must end in .csv, .gpkg or .xlsx, got {path.name}",
            f"输出文件须为 .csv、.gpkg 或 .xlsx，当前为 {path.name}",
        )


def write_xlsx(path, sheets: dict) -> None:
    """DataFrames as sheets of one workbook, atomically."""

    def writer(tmp):
        with pd.ExcelWriter(tmp, engine="openpyxl") as xw:
            for name, df in sheets.items():
                if df is None:
                    continue
                pd.DataFrame(df).to_excel(xw, sheet_name=name[:31], index=False)

    atomic_write(path, writer)

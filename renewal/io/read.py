"""The one reader: any vector file a planner has, to a WGS84 GeoDataFrame.

:func:`read_vector` reads GeoJSON, GeoPackage, Shapefile (``.shp`` or zipped),
and tables with longitude/latitude columns (CSV, Excel ``.xlsx``), from a path,
from uploaded bytes, or passes a GeoDataFrame through. It converts the file's
CRS to WGS84 and Amap GCJ-02 / Baidu BD-09 numbers (``coords``) at the edge.

One policy for problems: a problem with the request (no such file, unknown type or
coordinate system) raises :class:`~renewal.errors.InputError`; a problem with the *file* (missing, empty, malformed,
no CRS, no coordinate columns, a missing GeoPackage layer) raises
:class:`FileContentError` (an InputError) with English and Chinese text; problems of
single *rows* (null geometries, bad attributes) are left to the importer of
each layer, which lists them all. Null or empty geometries are kept and counted
(:attr:`VectorFile.empty_mask`); :meth:`VectorFile.non_empty` drops them.
"""

from __future__ import annotations

import json
import logging
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from renewal.crs import COORDINATE_SYSTEMS, STORAGE_EPSG, geometry_from_web
from renewal.errors import InputError

VECTOR_SUFFIXES = (".geojson", ".json", ".gpkg", ".shp", ".zip")
TABLE_SUFFIXES = (".csv", ".xlsx")
SUFFIXES = VECTOR_SUFFIXES + TABLE_SUFFIXES

LON_NAMES = ("lon", "lng", "longitude", "x", "经度")
LAT_NAMES = ("lat", "latitude", "y", "纬度")

#: Chinese words for what is being read (messages).
WHAT_ZH = {
    "facilities": "设施",
    "origins": "起点",
    "zones": "分区",
    "population": "人口",
    "candidates": "候选点",
    "boundary": "边界",
    "roads": "路网",
    "sites": "项目",
}


def what_zh(what: str) -> str:
    return WHAT_ZH.get(what, "图层")


@dataclass
class VectorFile:
    """A file read by :func:`read_vector`: WGS84 features and what was done to them."""

    gdf: gpd.GeoDataFrame
    file: str
    layer: str = ""
    crs: str = ""  # the coordinate system the file declared (or the default assumed)
    notes: list[tuple[str, str]] = field(default_factory=list)  # (English, Chinese)
    #: GeoJSON only: each feature's properties exactly as the file has them (types kept, text unshortened:
    #: the GDAL driver cuts text at a NUL and turns lists and objects into text), in the order of ``gdf``.
    raw_properties: list[dict] | None = None

    @property
    def empty_mask(self) -> pd.Series:
        g = self.gdf.geometry
        return g.isna() | g.is_empty

    def non_empty(self) -> gpd.GeoDataFrame:
        """The features that have a geometry."""
        return self.gdf[~self.empty_mask].copy()


def _find(cols, names):
    low = {str(c).strip().lower(): c for c in cols}
    for n in names:
        if n in low:
            return low[n]
    return None


class FileContentError(InputError):
    """The file exists and is of a known type, but its content cannot be used (empty, malformed, no CRS...)."""


def _fail(en: str, zh: str) -> InputError:
    return FileContentError(en, zh)


def _check_coords(coords: str) -> None:
    if coords not in COORDINATE_SYSTEMS:
        raise InputError(
            f"Unknown coordinate system {coords!r}; use one of {', '.join(COORDINATE_SYSTEMS)}",
            f"未知坐标系“{coords}”，可选：{'、'.join(COORDINATE_SYSTEMS)}",
        )


def _read_table(path: Path, what: str) -> gpd.GeoDataFrame:
    suffix = path.suffix.lower()
    try:
        df = pd.read_excel(path) if suffix == ".xlsx" else pd.read_csv(path, encoding="utf-8-sig")
    except Exception as exc:  # pandas/openpyxl raise many types for a broken file
        raise _fail(
            f"Cannot read the {what} table {path.name} (malformed, or not UTF-8 text): {exc}",
            f"无法读取{what_zh(what)}表格文件“{path.name}”（格式错误或不是UTF-8编码）",
        ) from exc
    lon, lat = _find(df.columns, LON_NAMES), _find(df.columns, LAT_NAMES)
    if lon is None or lat is None:
        raise _fail(
            f"{path.name}: needs longitude/latitude columns (lon, lat); found {list(df.columns)}",
            f"{what_zh(what)}文件“{path.name}”需要经纬度列（经度、纬度 或 lon、lat），现有列：{list(df.columns)}",
        )
    x = pd.to_numeric(df[lon], errors="coerce")
    y = pd.to_numeric(df[lat], errors="coerce")
    bad = x.isna() | y.isna()
    if bad.any():
        rows = list(np.flatnonzero(bad)[:5] + 2)
        raise _fail(
            f"{path.name}: {int(bad.sum())} rows without numeric coordinates (first rows {rows})",
            f"{what_zh(what)}文件“{path.name}”有{int(bad.sum())}行坐标不是数字（首先是第{rows}行）",
        )
    return gpd.GeoDataFrame(df, geometry=gpd.points_from_xy(x, y), crs=STORAGE_EPSG)


def _check_json(path: Path) -> list[dict]:
    """Check the JSON text; return each feature's properties as written (see ``raw_properties``)."""
    try:
        doc = json.loads(path.read_text(encoding="utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise _fail(
            f"{path.name}: not valid JSON (malformed or truncated file): {exc}",
            f"“{path.name}”不是有效的JSON（文件格式错误或不完整）",
        ) from exc
    except RecursionError as exc:  # thousands of nested brackets
        raise _fail(
            f"{path.name}: the JSON is nested too deeply to be GeoJSON",
            f"“{path.name}”的JSON嵌套层数过多，不是有效的GeoJSON",
        ) from exc
    if not isinstance(doc, dict) or doc.get("type") not in ("FeatureCollection", "Feature"):
        raise _fail(
            f"{path.name}: not a GeoJSON FeatureCollection",
            f"“{path.name}”不是GeoJSON要素集合（FeatureCollection）",
        )
    features = doc.get("features") if doc["type"] == "FeatureCollection" else [doc]
    if not isinstance(features, list):
        raise _fail(f"{path.name}: 'features' is not a list", f"“{path.name}”的features不是列表")
    return [
        f.get("properties") if isinstance(f, dict) and isinstance(f.get("properties"), dict) else {}
        for f in features
    ]


def _choose_layer(path: Path, layer: str | None, prefer: tuple[str, ...], out: VectorFile) -> str | None:
    try:
        import pyogrio

        layers = [str(n) for n, _ in pyogrio.list_layers(path)]
    except Exception as exc:
        raise _fail(
            f"{path.name}: cannot read the GeoPackage (malformed or truncated): {exc}",
            f"无法读取GeoPackage文件“{path.name}”（格式错误或不完整）",
        ) from exc
    if not layers:
        raise _fail(f"{path.name}: the GeoPackage has no layers", f"GeoPackage文件“{path.name}”中没有图层")
    if layer is None and prefer and len(layers) > 1 and not any(n in layers for n in prefer):
        raise _fail(
            f"{path.name}: no layer named {' or '.join(prefer)}; the layers are {layers}. "
            "Rename the layer to import, or save it alone in a GeoPackage.",
            f"GeoPackage文件“{path.name}”中没有名为{'或'.join(prefer)}的图层（现有图层：{'、'.join(layers)}）。"
            "请将要导入的图层改名，或单独保存为一个GeoPackage。",
        )
    if layer is None:
        layer = next((n for n in prefer if n in layers), layers[0])
        if len(layers) > 1:
            out.notes.append(
                (f"reading layer {layer!r} of {layers}", f"读取图层“{layer}”（共{len(layers)}个图层）")
            )
    elif layer not in layers:
        raise _fail(
            f"{path.name}: no layer {layer!r}; the layers are {layers}",
            f"GeoPackage文件“{path.name}”中没有图层“{layer}”，现有图层：{'、'.join(layers)}",
        )
    out.layer = layer
    return layer


def _read_file(path: Path, what: str, layer: str | None, prefer: tuple[str, ...], out: VectorFile):
    suffix = path.suffix.lower()
    if suffix in TABLE_SUFFIXES:
        return _read_table(path, what)
    if suffix in (".geojson", ".json"):
        out.raw_properties = _check_json(path)
    kw = {}
    if suffix == ".gpkg":
        kw["layer"] = _choose_layer(path, layer, prefer, out)
    elif layer:
        kw["layer"] = layer
    logging.getLogger("pyogrio").setLevel(logging.WARNING)
    try:
        return gpd.read_file(path, **kw)
    except Exception as exc:  # pyogrio raises several types for broken files
        raise _fail(
            f"{path.name}: cannot read the file (malformed or truncated): {exc}",
            f"无法读取文件“{path.name}”（格式错误或不完整）",
        ) from exc


def read_vector(
    source,
    *,
    what: str = "layer",
    coords: str = "wgs84",
    layer: str | None = None,
    prefer_layers: tuple[str, ...] = (),
    filename: str | None = None,
) -> VectorFile:
    """Read ``source`` (a path, uploaded ``bytes`` with ``filename``, or a GeoDataFrame) as WGS84.

    ``what`` names the input in messages (facilities, zones, sites, ...).
    ``layer`` picks a GeoPackage layer; without it the first of ``prefer_layers``
    present is read, else the first layer (with a note when there are several).
    """
    _check_coords(coords)
    if isinstance(source, bytes | bytearray):
        name = Path(filename or "upload").name or "upload"
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / ("upload" + Path(name).suffix.lower())  # the name is data: never a path
            path.write_bytes(bytes(source))
            try:
                out = read_vector(path, what=what, coords=coords, layer=layer, prefer_layers=prefer_layers)
            except InputError as err:  # messages name the uploaded file, not the temporary one
                raise type(err)(
                    err.message_en.replace(str(path), name).replace(path.name, name),
                    err.message_zh.replace(str(path), name).replace(path.name, name),
                    details=err.details,
                ) from err
        out.file = name
        return out
    if isinstance(source, gpd.GeoDataFrame):
        out = VectorFile(gdf=source.copy(), file=what)
    else:
        path = Path(source)
        out = VectorFile(gdf=gpd.GeoDataFrame(), file=str(path))
        if not path.exists():
            raise InputError(
                f"{what.capitalize()} file not found: {path}", f"找不到{what_zh(what)}文件：{path}"
            )
        if path.is_dir():
            raise InputError(
                f"{path} is a folder, not a {what} file", f"“{path.name}”是文件夹，不是{what_zh(what)}文件"
            )
        if path.suffix.lower() not in SUFFIXES:
            raise InputError(
                f"Unsupported file type {path.suffix!r}; use {', '.join(SUFFIXES)}",
                f"不支持的文件类型“{path.suffix}”，可选：{'、'.join(SUFFIXES)}",
            )
        if path.stat().st_size == 0:
            raise _fail(f"{path.name}: the file is empty (0 bytes)", f"文件“{path.name}”为空（0字节）")
        out.gdf = _read_file(path, what, layer, prefer_layers, out)
    gdf = out.gdf
    if gdf.empty:
        raise _fail(f"{Path(out.file).name}: the file has no features", f"{what_zh(what)}文件中没有任何要素")
    if gdf.crs is None:
        if Path(out.file).suffix.lower() not in (".geojson", ".json"):
            raise _fail(
                f"{Path(out.file).name}: the file has no coordinate reference system (CRS); "
                "save it with one (e.g. EPSG:4326).",
                f"{what_zh(what)}文件没有坐标参考系（CRS），请带坐标系保存（例如 EPSG:4326）。",
            )
        gdf = gdf.set_crs(STORAGE_EPSG)
        out.crs = "none given; GeoJSON default WGS84 (EPSG:4326)"
    else:
        out.crs = gdf.crs.to_string()
        if gdf.crs.to_epsg() != STORAGE_EPSG:
            gdf = gdf.to_crs(STORAGE_EPSG)
            out.notes.append((f"converted from {out.crs} to WGS84", f"已由{out.crs}转换为WGS84"))
    if coords != "wgs84":
        gdf = gdf.copy()
        gdf[gdf.geometry.name] = [
            geometry_from_web(g, coords) if g is not None and not g.is_empty else g for g in gdf.geometry
        ]
        gdf = gdf.set_crs(STORAGE_EPSG, allow_override=True)
        out.notes.append(
            (f"converted {coords.upper()} numbers to WGS84", f"已将{coords.upper()}坐标转换为WGS84")
        )
    out.gdf = gdf
    return out


def read_features(source, *, what: str = "layer", coords: str = "wgs84", layer: str | None = None):
    """The features of ``source`` that have a geometry (WGS84); InputError if none has one.

    For analysis inputs (facilities, zones, boundaries), where a row without a
    geometry carries nothing to analyse.
    """
    read = read_vector(source, what=what, coords=coords, layer=layer)
    gdf = read.non_empty()
    if gdf.empty:
        raise _fail(f"The {what} file has only empty geometries.", f"{what_zh(what)}只有空几何。")
    return gdf

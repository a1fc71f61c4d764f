"""The one reader: any vector file a planner has, to a WGS84 GeoDataFrame.

:func:`read_vector` reads GeoJSON, GeoPackage (one layer, chosen: never silently
the first of several), Shapefile (``.shp`` or zipped, with or without ``.prj``;
``.cpg`` and GBK text honoured), KML/KMZ (parsed safely, :mod:`renewal.io.kml`),
and tables with coordinate columns (CSV in UTF-8 or GBK, Excel ``.xlsx``; column
names such as 经度/纬度, lon/lat, lng, x/y), from a path, from uploaded bytes, or
passes a GeoDataFrame through. Zips are opened by :mod:`renewal.io.safezip`.

``crs`` says what the numbers in the file are (``wgs84``, ``gcj02``, ``bd09``,
``cgcs2000``, ``EPSG:4548``...; :func:`renewal.crs.parse_crs`); it overrides the
file's own CRS. Without it the file's CRS is used; GeoJSON, KML and tables
default to WGS84; a Shapefile without ``.prj`` is refused with the likely
systems (:mod:`renewal.io.plausibility`). Numbers that cannot be degrees in a
geographic CRS (projected metres read as degrees) are refused the same way.

One policy for problems: a problem with the request (no such file, unknown type or
coordinate system) raises :class:`~renewal.errors.InputError`; a problem with the *file* (missing, empty, malformed,
no CRS, no coordinate columns, an unchosen GeoPackage layer) raises
:class:`FileContentError` (an InputError) with English and Chinese text; problems of
single *rows* (null geometries, bad attributes) are left to the importer of
each layer, which lists them all. Null or empty geometries are kept and counted
(:attr:`VectorFile.n_empty`); :meth:`VectorFile.non_empty` drops them.
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
from collections.abc import Hashable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeAlias

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS

from renewal.crs import STORAGE_EPSG, NamedCRS, gdf_from_crs, parse_crs
from renewal.errors import FileContentError, InputError
from renewal.io import safezip
from renewal.io.write import unguard_formula

VECTOR_SUFFIXES = (".geojson", ".json", ".gpkg", ".shp", ".zip", ".kml", ".kmz")
TABLE_SUFFIXES = (".csv", ".xlsx")
RASTER_SUFFIXES = (".tif", ".tiff")  # population: populated pixel centres as points (renewal.io.raster)
SUFFIXES = VECTOR_SUFFIXES + TABLE_SUFFIXES + RASTER_SUFFIXES

#: What :func:`read_vector` reads: a path, an upload's bytes (with its file name), or a GeoDataFrame.
VectorSource: TypeAlias = str | os.PathLike[str] | bytes | bytearray | gpd.GeoDataFrame

LON_NAMES = ("lon", "lng", "long", "longitude", "x", "经度", "东经", "x坐标", "gcj_lon", "bd_lon", "wgs_lon")
LAT_NAMES = ("lat", "latitude", "y", "纬度", "北纬", "y坐标", "gcj_lat", "bd_lat", "wgs_lat")
#: Formats whose coordinates are WGS84 unless they say otherwise (GeoJSON, KML by definition; tables by custom).
WGS84_DEFAULT_SUFFIXES = (".geojson", ".json", ".kml", ".kmz", ".csv", ".xlsx")
#: Text encodings tried for CSV files, in order (GB18030 is a superset of GBK/GB2312).
CSV_ENCODINGS = ("utf-8-sig", "gb18030")
#: Deepest JSON nesting accepted (a GeoJSON MultiPolygon needs 5).
MAX_JSON_DEPTH = 64
#: Most rows of a table or features of a layer read (a district's inventories hold thousands; a
#: 1,048,576-row workbook would take minutes and gigabytes): refused before or while reading.
MAX_ROWS = 200_000
#: Most coordinates (vertices) of all geometries of a file (analysis and drawing work grow with them).
MAX_VERTICES = 5_000_000

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
    "reference": "参考图层",
}


#: Said when a file's numbers are taken as WGS84 without the file saying so: web-map numbers are not.
WEB_COORDINATES_NOTE = (
    "the file does not declare its coordinate system: the numbers were read as WGS84. If they come from "
    "Amap/Tencent (GCJ-02) or Baidu (BD-09), re-read with --coords gcj02 or bd09: otherwise every position "
    "is about 0.5 km off.",
    "文件未声明坐标系，坐标按WGS84读取。如坐标来自高德/腾讯地图（GCJ-02）或百度地图（BD-09），"
    "请选择对应的坐标系重新读取，否则位置会偏差约0.5公里。",
)


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
    #: the numbers as they were in the file (no CRS attached) and the system they were read as
    raw: gpd.GeoSeries | None = None
    declared: NamedCRS | None = None
    assumed: bool = False  # True when no CRS was given or found and WGS84 was assumed
    #: GeoJSON only: each feature's properties exactly as the file has them (types kept, text unshortened:
    #: the GDAL driver cuts text at a NUL and turns lists and objects into text), in the order of ``gdf``.
    raw_properties: list[dict[str, Any]] | None = None
    #: False for a table (lon/lat columns) or a GeoJSON without a ``crs`` member: the numbers' datum is a guess.
    crs_declared: bool = True

    @property
    def empty_mask(self) -> pd.Series:
        g = self.gdf.geometry
        return g.isna() | g.is_empty

    @property
    def n_empty(self) -> int:
        return int(self.empty_mask.sum())

    def non_empty(self) -> gpd.GeoDataFrame:
        """The features that have a geometry."""
        return self.gdf[~self.empty_mask].copy()


def _column_key(column: Hashable) -> str:
    """A column name as matched: lower case without spaces; a header like ``经度（WGS84）（lon）`` (our own
    exports) by the key in its last brackets."""
    text = str(column).strip().lower().replace(" ", "")
    for left, right in (("（", "）"), ("(", ")")):
        if text.endswith(right) and left in text:
            return text.rsplit(left, 1)[-1][: -len(right)]
    return text


def _find(cols: Iterable[Hashable], names: Iterable[str]) -> Hashable | None:
    low: dict[str, Hashable] = {}
    for c in cols:
        low.setdefault(str(c).strip().lower().replace(" ", ""), c)
        low.setdefault(_column_key(c), c)
    for n in names:
        if n in low:
            return low[n]
    return None


def coordinate_columns(columns: Iterable[Hashable]) -> tuple[Hashable | None, Hashable | None]:
    """The longitude and latitude (x, y) columns of a table, by their common Chinese and English names."""
    return _find(columns, LON_NAMES), _find(columns, LAT_NAMES)


def _fail(en: str, zh: str) -> InputError:
    return FileContentError(en, zh)


def read_csv_any(path: Path, **kw: Any) -> tuple[pd.DataFrame, str]:
    """A CSV as a DataFrame and the encoding it was in (UTF-8, else GBK/GB18030)."""
    last: Exception | None = None
    for enc in CSV_ENCODINGS:
        try:
            return pd.read_csv(path, encoding=enc, **kw), enc
        except UnicodeDecodeError as exc:
            last = exc
    raise _fail(
        f"{path.name}: the text is neither UTF-8 nor GBK: {last}",
        f"文件“{path.name}”的文字编码既不是UTF-8也不是GBK",
    )


def read_table_file(path: Path, sheet: str | None = None) -> tuple[pd.DataFrame, str]:
    """A CSV/XLSX as a DataFrame (and the CSV's encoding), or a FileContentError.

    A workbook's sheet: ``sheet`` if given, else the only one, else the only one with coordinate
    columns; several candidates are refused with their names. A title row or two above the
    header (common in planners' spreadsheets) is skipped when the header with coordinate
    columns is within the first :data:`HEADER_SCAN_ROWS` rows.
    """
    nrows = MAX_ROWS + HEADER_SCAN_ROWS + 1  # one more than accepted: reading stops there
    try:
        if path.suffix.lower() == ".xlsx":
            _check_sheet_dimensions(path)
            with pd.ExcelFile(path) as book:
                raws = {
                    str(n): _within_rows(book.parse(n, header=None, nrows=nrows), path.name)
                    for n in book.sheet_names
                }
            frames = {n: _with_header(raw) for n, raw in raws.items()}
            return frames[_choose_sheet(path.name, frames, sheet)], ""
        df, enc = read_csv_any(path, header=None, dtype=object, nrows=nrows)
        return _with_header(_within_rows(df, path.name)), enc
    except FileContentError:
        raise
    except Exception as exc:  # pandas/openpyxl raise many types for a broken file
        raise _fail(
            f"Cannot read the table {path.name} (malformed or truncated): {str(exc)[:200]}",
            f"无法读取表格文件“{path.name}”（格式错误或不完整）",
        ) from exc


HEADER_SCAN_ROWS = 5


def _too_many_rows(name: str, rows: int | str) -> FileContentError:
    return FileContentError(
        f"{name}: {rows} rows is over the limit of {MAX_ROWS:,} rows; split the file or keep the rows you need",
        f"“{name}”有{rows}行，超过上限{MAX_ROWS:,}行，请拆分文件或只保留需要的行",
    )


def _within_rows(raw: pd.DataFrame, name: str) -> pd.DataFrame:
    """``raw`` (read with ``nrows`` one past the limit) if it has no more rows than accepted."""
    if len(raw) > MAX_ROWS + HEADER_SCAN_ROWS:
        raise _too_many_rows(name, f"more than {MAX_ROWS:,}")
    return raw


def _check_sheet_dimensions(path: Path) -> None:
    """Refuse a workbook whose sheet declares more rows than accepted, before any cell is read (openpyxl's
    read-only mode reads each sheet's ``<dimension>`` only). A sheet that under-declares is still stopped
    by ``nrows`` while reading."""
    import openpyxl

    book = openpyxl.load_workbook(path, read_only=True)
    try:
        for ws in book.worksheets:
            if (ws.max_row or 0) > MAX_ROWS + HEADER_SCAN_ROWS:
                raise _too_many_rows(path.name, f"{ws.max_row:,}")
    finally:
        book.close()


def _with_header(raw: pd.DataFrame) -> pd.DataFrame:
    """``raw`` (read without header) with its header row: the first of the top rows naming coordinate columns,
    else the first row. Numbers are parsed again from text, as a normal read would."""
    if raw.empty:
        return raw
    row = next(
        (
            i
            for i in range(min(HEADER_SCAN_ROWS, len(raw)))
            if None not in coordinate_columns(raw.iloc[i].tolist())
        ),
        0,
    )
    header = [
        str(c) if c == c and c is not None else f"列{j + 1}" for j, c in enumerate(raw.iloc[row].tolist())
    ]
    body = raw.iloc[row + 1 :].reset_index(drop=True)
    body.columns = header
    return body.apply(_numeric_if_possible)


def _numeric_if_possible(col: pd.Series) -> pd.Series:
    converted = pd.to_numeric(col, errors="coerce")
    return converted if converted.notna().sum() == col.notna().sum() else col


def _choose_sheet(name: str, frames: dict[str, pd.DataFrame], sheet: str | None) -> str:
    if sheet is not None or len(frames) == 1:
        return _choose(name, list(frames), sheet, (), "工作表")
    with_coords = [n for n, df in frames.items() if None not in coordinate_columns(df.columns)]
    return _choose(name, with_coords or list(frames), None, (), "工作表")


def table_coordinates(
    df: pd.DataFrame, name: str, what: str = "layer", *, allow_blank: bool = False
) -> tuple[Hashable, Hashable, pd.Series, pd.Series]:
    """The coordinate columns of a table and their numbers: ``(xcol, ycol, x, y)``; a FileContentError when
    there are none, or a row's coordinates are not numbers (``allow_blank``: rows with both cells empty pass)."""
    xcol, ycol = coordinate_columns(df.columns)
    if xcol is None or ycol is None:
        raise _fail(
            f"{name}: needs coordinate columns (经度/纬度, lon/lat, lng, x/y); found {list(df.columns)}",
            f"{what_zh(what)}文件“{name}”需要坐标列（经度、纬度 或 lon、lat、x、y），现有列：{list(df.columns)}",
        )
    x = pd.to_numeric(df[xcol], errors="coerce")
    y = pd.to_numeric(df[ycol], errors="coerce")
    bad = x.isna() | y.isna()
    if allow_blank:
        bad &= df[xcol].notna() | df[ycol].notna()
    if bad.any():
        rows = [int(i) + 2 for i in np.flatnonzero(bad)[:5]]
        raise _fail(
            f"{name}: {int(bad.sum())} rows without numeric coordinates (first rows {rows})",
            f"{what_zh(what)}文件“{name}”有{int(bad.sum())}行坐标不是数字（首先是第{rows}行）",
        )
    return xcol, ycol, x, y


def _read_table(path: Path, what: str, layer: str | None, out: VectorFile) -> gpd.GeoDataFrame:
    df, enc = read_table_file(path, layer)
    if enc and enc != "utf-8-sig":
        out.notes.append((f"text read as {enc.upper()} (GBK)", "文字按GBK编码读取"))
    wkt = _find(df.columns, ("wkt",))
    if wkt is not None:  # a whole geometry per row (our own CSV/XLSX convention): lines and polygons too
        geom = shapely.from_wkt(df[wkt].where(df[wkt].notna(), None).astype(object), on_invalid="ignore")
        if not shapely.is_missing(geom).all():
            out.notes.append((f"geometry from column {wkt!r} (WKT)", f"几何取自“{wkt}”列（WKT）"))
            return gpd.GeoDataFrame(df.drop(columns=[wkt]), geometry=geom, crs=None)
    lon, lat, x, y = table_coordinates(df, path.name, what)
    out.notes.append((f"coordinates from columns {lon!r}, {lat!r}", f"坐标取自“{lon}”“{lat}”列"))
    return gpd.GeoDataFrame(df, geometry=gpd.points_from_xy(x, y), crs=None)


def _depth(obj: object, limit: int) -> int:
    stack = [(obj, 1)]
    deepest = 0
    while stack:
        item, d = stack.pop()
        deepest = max(deepest, d)
        if deepest > limit:
            return deepest
        if isinstance(item, dict):
            stack.extend((v, d + 1) for v in item.values())
        elif isinstance(item, list):
            stack.extend((v, d + 1) for v in item)
    return deepest


def _check_json(path: Path) -> tuple[list[dict[str, Any]], bool]:
    """Check the JSON text; return each feature's properties as written (see ``raw_properties``) and
    whether the file declares its coordinate system (a ``crs`` member)."""
    try:
        doc = json.loads(path.read_text(encoding="utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        raise _fail(
            f"{path.name}: not valid JSON (malformed, truncated, not UTF-8 or nested too deeply): {exc}"[
                :300
            ],
            f"“{path.name}”不是有效的JSON（文件格式错误、不完整、不是UTF-8编码或嵌套过深）",
        ) from exc
    if not isinstance(doc, dict) or doc.get("type") not in ("FeatureCollection", "Feature"):
        raise _fail(
            f"{path.name}: not a GeoJSON FeatureCollection",
            f"“{path.name}”不是GeoJSON要素集合（FeatureCollection）",
        )
    if _depth(doc, MAX_JSON_DEPTH) > MAX_JSON_DEPTH:
        raise _fail(
            f"{path.name}: JSON nested deeper than {MAX_JSON_DEPTH} levels; refused",
            f"“{path.name}”的JSON嵌套超过{MAX_JSON_DEPTH}层，已拒绝",
        )
    features = doc.get("features") if doc["type"] == "FeatureCollection" else [doc]
    if not isinstance(features, list):
        raise _fail(f"{path.name}: 'features' is not a list", f"“{path.name}”的features不是列表")
    if len(features) > MAX_ROWS:
        raise _too_many_features(path.name, len(features))
    props: list[dict[str, Any]] = []
    for f in features:
        given = f.get("properties") if isinstance(f, dict) else None
        props.append(given if isinstance(given, dict) else {})
    return props, "crs" in doc


def _choose(name: str, layers: list[str], layer: str | None, prefer: tuple[str, ...], kind_zh: str) -> str:
    """The layer to read: ``layer`` if given, else the only one, else the first preferred name present;
    several and none chosen -> refused with the list."""
    if not layers:
        raise _fail(f"{name}: the file has no layers", f"文件“{name}”中没有{kind_zh}")
    if layer is not None:
        if layer not in layers:
            raise _fail(
                f"{name}: no layer {layer!r}; the layers are {layers}",
                f"文件“{name}”中没有{kind_zh}“{layer}”，现有{kind_zh}：{'、'.join(layers)}",
            )
        return layer
    if len(layers) == 1:
        return layers[0]
    preferred = next((n for n in prefer if n in layers), None)
    if preferred:
        return preferred
    if prefer:
        raise _fail(
            f"{name}: no layer named {' or '.join(prefer)}; the layers are {layers}. "
            "Rename the layer to import, or save it alone in a file.",
            f"文件“{name}”中没有名为{'或'.join(prefer)}的{kind_zh}（现有{kind_zh}：{'、'.join(layers)}）。"
            f"请将要导入的{kind_zh}改名，或单独保存为一个文件。",
        )
    raise _fail(
        f"{name}: the file has {len(layers)} layers {layers}; choose one (--layer-name / 图层)",
        f"文件“{name}”有{len(layers)}个{kind_zh}：{'、'.join(layers)}，请选择其中一个",
    )


def _gpkg_layers(path: Path) -> list[str]:
    try:
        import pyogrio

        return [str(n) for n, _ in pyogrio.list_layers(path)]
    except Exception as exc:
        raise _fail(
            f"{path.name}: cannot read the GeoPackage (malformed or truncated): {exc}",
            f"无法读取GeoPackage文件“{path.name}”（格式错误或不完整）",
        ) from exc


CPG_CODECS = {
    "936": "gbk",
    "cp936": "gbk",
    "ansi936": "gbk",
    "gbk": "gbk",
    "gb2312": "gbk",
    "gb18030": "gb18030",
}


def shapefile_encoding(shp: Path) -> str | None:
    """The text encoding of a Shapefile's .dbf: its .cpg if present, else UTF-8 if the bytes decode, else GBK."""
    cpg = next((p for p in shp.parent.glob("*") if p.stem == shp.stem and p.suffix.lower() == ".cpg"), None)
    if cpg is not None:
        code = (
            cpg.read_text(encoding="ascii", errors="replace")
            .strip()
            .lower()
            .replace(" ", "")
            .replace("-", "")
        )
        if code in ("utf8", "65001"):
            return "utf-8"
        return CPG_CODECS.get(code)
    dbf = next((p for p in shp.parent.glob("*") if p.stem == shp.stem and p.suffix.lower() == ".dbf"), None)
    if dbf is None:
        return None
    data = dbf.read_bytes()
    try:
        data.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError:
        return "gbk"


def _read_ogr(path: Path, **kw: Any) -> gpd.GeoDataFrame:
    logging.getLogger("pyogrio").setLevel(logging.WARNING)
    try:
        count = _feature_count(path, kw.get("layer"))
        if count > MAX_ROWS:
            raise _too_many_features(path.name, count)
        return gpd.read_file(path, **kw)
    except FileContentError:
        raise
    except Exception as exc:  # pyogrio raises several types for broken files
        raise _fail(
            f"{path.name}: cannot read the file (malformed or truncated): {str(exc)[:200]}",
            f"无法读取文件“{path.name}”（格式错误或不完整）",
        ) from exc


def _feature_count(path: Path, layer: str | int | None) -> int:
    """The layer's feature count from its header (GeoPackage, Shapefile), -1 where only a full scan knows."""
    import pyogrio

    if path.suffix.lower() not in (".gpkg", ".shp"):
        return -1
    return int(pyogrio.read_info(path, layer=layer, force_feature_count=False).get("features", -1))


def _too_many_features(name: str, count: int) -> FileContentError:
    return FileContentError(
        f"{name}: {count:,} features is over the limit of {MAX_ROWS:,}; split the file or keep the features you need",
        f"“{name}”有{count:,}个要素，超过上限{MAX_ROWS:,}个，请拆分文件或只保留需要的要素",
    )


def _check_size(gdf: gpd.GeoDataFrame, name: str) -> None:
    """Refuse what was read if it has more features or vertices than accepted (KML and others counted here)."""
    if len(gdf) > MAX_ROWS:
        raise _too_many_features(name, len(gdf))
    vertices = int(shapely.get_num_coordinates(gdf.geometry.values).sum()) if len(gdf) else 0
    if vertices > MAX_VERTICES:
        raise FileContentError(
            f"{name}: {vertices:,} vertices is over the limit of {MAX_VERTICES:,}; simplify the geometries first",
            f"“{name}”的几何共有{vertices:,}个节点，超过上限{MAX_VERTICES:,}个，请先简化几何",
        )


def _read_shapefile(shp: Path, label: str, out: VectorFile) -> gpd.GeoDataFrame:
    siblings = {p.suffix.lower() for p in shp.parent.glob("*") if p.stem == shp.stem}
    if ".dbf" not in siblings or ".shx" not in siblings:
        missing = [s for s in (".dbf", ".shx") if s not in siblings]
        raise _fail(
            f"{label}: the Shapefile {shp.name} lacks {', '.join(missing)} (a Shapefile needs .shp, .shx and .dbf)",
            f"“{label}”中的Shapefile缺少{'、'.join(missing)}文件（需要 .shp、.shx、.dbf）",
        )
    enc = shapefile_encoding(shp)
    if enc and enc != "utf-8":
        out.notes.append((f"attribute text read as {enc.upper()}", f"属性文字按{enc.upper()}编码读取"))
    gdf = _read_ogr(shp, encoding=enc) if enc else _read_ogr(shp)
    if ".prj" not in siblings:
        gdf = gdf.set_crs(None, allow_override=True)
    return gdf


def _read_zip(
    path: Path, tmp: Path, layer: str | None, prefer: tuple[str, ...], out: VectorFile
) -> gpd.GeoDataFrame:
    files = safezip.safe_extract(path, tmp)
    if path.suffix.lower() == ".kmz":
        kmls = [p for p in files if p.suffix.lower() == ".kml"]
        if not kmls:
            raise _fail(f"{path.name}: the KMZ holds no .kml document", f"KMZ文件“{path.name}”中没有KML文档")
        from renewal.io.kml import read_kml_bytes

        doc = next((p for p in kmls if p.name.lower() == "doc.kml"), kmls[0])
        return read_kml_bytes(doc.read_bytes(), path.name)
    shps = {p.stem: p for p in files if p.suffix.lower() == ".shp"}
    if not shps:
        raise _fail(
            f"{path.name}: the zip holds no Shapefile (.shp); found {[p.name for p in files][:10]}",
            f"压缩文件“{path.name}”中没有Shapefile（.shp）文件",
        )
    groups = logical_layers(sorted(shps), layer)
    chosen = _choose(path.name, list(groups), layer, prefer, "Shapefile")
    out.layer = chosen
    parts = [
        _full_text(_full_field_names(_read_shapefile(shps[p], path.name, out), files), shps[p])
        for p in groups[chosen]
    ]
    return (
        parts[0]
        if len(parts) == 1
        else gpd.GeoDataFrame(pd.concat(parts, ignore_index=True), crs=parts[0].crs)
    )


def _full_text(gdf: gpd.GeoDataFrame, shp: Path) -> gpd.GeoDataFrame:
    """Texts cut at the DBF limit, restored from the writers' ``<layer>_fulltext.csv`` when it matches."""
    side = shp.with_name(f"{shp.stem}_fulltext.csv")
    if not side.exists():
        return gdf
    try:
        full = pd.read_csv(side, encoding="utf-8-sig", dtype=str, keep_default_na=False)
    except Exception:  # not ours or damaged: keep the DBF's text
        return gdf
    if len(full) != len(gdf):
        return gdf
    gdf = gdf.copy()
    for col in full.columns:
        if col in gdf.columns:
            short = gdf[col].fillna("").astype(str).to_numpy()
            whole = full[col].map(unguard_formula).to_numpy()
            if all(w.startswith(s) for s, w in zip(short, whole, strict=True)):
                gdf[col] = [w if w else v for w, v in zip(whole, gdf[col], strict=True)]
    return gdf


def _full_field_names(gdf: gpd.GeoDataFrame, files: list[Path]) -> gpd.GeoDataFrame:
    """Field names cut to the Shapefile limit back to full names, if the zip has the writers' fields.csv."""
    table = next((p for p in files if p.name.lower() == "fields.csv"), None)
    if table is None:
        return gdf
    try:
        m = pd.read_csv(table, encoding="utf-8-sig", dtype=str)
        mapping = dict(zip(m["shapefile_field"], m["full_name"], strict=True))
    except Exception:  # a planner's own fields.csv: not ours, ignore it
        return gdf
    return gdf.rename(
        columns={k: v for k, v in mapping.items() if k in gdf.columns and k != gdf.geometry.name}
    )


def _read_file(
    path: Path, what: str, layer: str | None, prefer: tuple[str, ...], out: VectorFile, crs: str | None = None
) -> gpd.GeoDataFrame:
    suffix = path.suffix.lower()
    if suffix in RASTER_SUFFIXES:
        from renewal.io.raster import read_population_raster

        return read_population_raster(path, crs_given=crs is not None)
    if suffix in TABLE_SUFFIXES:
        return _read_table(path, what, layer, out)
    if suffix in (".geojson", ".json"):
        out.raw_properties, out.crs_declared = _check_json(path)
        return _read_ogr(path)
    if suffix == ".kml":
        from renewal.io.kml import read_kml_bytes

        return read_kml_bytes(path.read_bytes(), path.name)
    if suffix in (".zip", ".kmz"):
        with tempfile.TemporaryDirectory() as tmp:
            return _read_zip(path, Path(tmp), layer, prefer, out)
    if suffix == ".shp":
        return _read_shapefile(path, path.name, out)
    groups = logical_layers(_gpkg_layers(path), layer)
    chosen = _choose(path.name, list(groups), layer, prefer, "图层")
    out.layer = chosen
    parts = [_read_ogr(path, layer=part) for part in groups[chosen]]
    if len(parts) == 1:
        return parts[0]
    return gpd.GeoDataFrame(pd.concat(parts, ignore_index=True), crs=parts[0].crs)


SPLIT_SUFFIXES = ("_points", "_lines", "_polygons")


def logical_layers(layers: list[str], asked: str | None = None) -> dict[str, list[str]]:
    """GeoPackage layers as the planner sees them: ``x_points``/``x_lines``/``x_polygons`` (one layer split by
    geometry type, as :mod:`renewal.io.export` writes it) are one layer ``x``; the rest as they are.
    A part asked for by its own name (``asked``) stays choosable."""
    out: dict[str, list[str]] = {asked: [asked]} if asked in layers else {}
    for name in layers:
        base = next(
            (name[: -len(s)] for s in SPLIT_SUFFIXES if name.endswith(s) and len(name) > len(s)), None
        )
        if base is not None and base not in layers and name != asked:
            out.setdefault(base, []).append(name)
        elif name == asked:
            continue
        else:
            out.setdefault(name, []).append(name)
    return out


def layer_names(source: str | os.PathLike[str] | bytes | bytearray, filename: str | None = None) -> list[str]:
    """The layers a file offers to choose from (GeoPackage layers, Shapefiles in a zip, Excel sheets);
    [] for single-layer formats or a file that cannot be listed (reading it says why)."""
    if isinstance(source, bytes | bytearray):
        name = Path(filename or "upload").name or "upload"
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / name
            path.write_bytes(bytes(source))
            return layer_names(path)
    path = Path(source)
    suffix = path.suffix.lower()
    try:
        if suffix == ".gpkg":
            return list(logical_layers(_gpkg_layers(path)))
        if suffix == ".xlsx":
            with pd.ExcelFile(path) as book:
                return [str(n) for n in book.sheet_names]
        if suffix == ".zip":
            with tempfile.TemporaryDirectory() as tmp:
                files = safezip.safe_extract(path, Path(tmp))
                return list(logical_layers(sorted(p.stem for p in files if p.suffix.lower() == ".shp")))
    except Exception:  # listing is a help: a broken file is reported when it is read
        return []
    return []


def _open_path(source: str | os.PathLike[str], what: str) -> Path:
    path = Path(source)
    if path.is_dir():
        raise InputError(
            f"{path} is a folder, not a {what} file", f"“{path.name}”是文件夹，不是{what_zh(what)}文件"
        )
    if not path.exists() or not path.is_file():
        raise InputError(f"{what.capitalize()} file not found: {path}", f"找不到{what_zh(what)}文件：{path}")
    if path.suffix.lower() not in SUFFIXES:
        raise InputError(
            f"Unsupported file type {path.suffix!r}; use {', '.join(SUFFIXES)}",
            f"不支持的文件类型“{path.suffix}”，可选：{'、'.join(SUFFIXES)}",
        )
    size = path.stat().st_size
    if size == 0:
        raise _fail(f"{path.name}: the file is empty (0 bytes)", f"文件“{path.name}”为空（0字节）")
    if size > safezip.MAX_FILE_BYTES:
        raise _fail(
            f"{path.name}: {size / 1e6:.0f} MB is over the limit of {safezip.MAX_FILE_BYTES / 1e6:.0f} MB",
            f"文件“{path.name}”大小{size / 1e6:.0f} MB，超过上限{safezip.MAX_FILE_BYTES / 1e6:.0f} MB",
        )
    return path


def _declare(out: VectorFile, gdf: gpd.GeoDataFrame, crs: str | None, what: str) -> NamedCRS:
    """The system the numbers are in: ``crs`` if given, else the file's, else WGS84 where formats default to it."""
    name = Path(out.file).name
    if crs is not None:
        declared = parse_crs(crs)
        if gdf.crs is not None and not declared.web and gdf.crs.to_epsg() not in (None, declared.epsg):
            out.notes.append(
                (
                    f"the file says {gdf.crs.to_string()}; read as {declared.name} as asked",
                    f"文件声明的坐标系为{gdf.crs.to_string()}，按指定的{declared.name}读取",
                )
            )
        return declared
    if gdf.crs is not None:
        epsg = gdf.crs.to_epsg()
        if epsg is None:
            _check_convertible(gdf.crs, name, what)
            out.notes.append((f"file CRS {gdf.crs.name}", f"文件坐标系：{gdf.crs.name}"))
            return NamedCRS(gdf.crs.to_string(), 0)
        return parse_crs(epsg)
    if Path(name).suffix.lower() not in WGS84_DEFAULT_SUFFIXES:
        from renewal.io.plausibility import describe_candidates

        raise _fail(
            f"{name}: the file has no coordinate reference system (no .prj); give one with --crs. "
            + describe_candidates(gdf.geometry, "en"),
            f"{what_zh(what)}文件“{name}”没有坐标系（缺少.prj），请指定坐标系。"
            + describe_candidates(gdf.geometry, "zh"),
        )
    out.assumed = True
    return parse_crs("wgs84")


def _finite_2d(gdf: gpd.GeoDataFrame, out: VectorFile) -> gpd.GeoDataFrame:
    """Geometries with a coordinate that is not a number (NaN, infinity) become missing (the importers
    report them as rows without geometry); heights (Z) are dropped. Each with a note."""
    geoms = gdf.geometry.values
    coords, index = shapely.get_coordinates(geoms, include_z=True, return_index=True)
    bad_xy = ~np.isfinite(coords[:, :2]).all(axis=1)
    has_z = bool(shapely.has_z(geoms).any())
    if not bad_xy.any() and not has_z:
        return gdf
    gdf = gdf.copy()
    if bad_xy.any():
        rows = np.unique(index[bad_xy])
        fixed = np.array(geoms, dtype=object)
        fixed[rows] = None
        gdf[gdf.geometry.name] = gpd.GeoSeries(fixed, index=gdf.index, crs=gdf.crs)
        out.notes.append(
            (
                f"{len(rows)} feature(s) have coordinates that are not numbers (NaN or infinity): read as no geometry",
                f"{len(rows)}个要素的坐标不是有效数字（NaN或无穷大），按无几何处理",
            )
        )
    if has_z:
        gdf[gdf.geometry.name] = shapely.force_2d(gdf.geometry.values)
        out.notes.append(("heights (Z) were dropped: stored in 2D", "已忽略高程（Z），按平面坐标保存"))
    return gdf


def _check_convertible(file_crs: CRS, name: str, what: str) -> None:
    """Refuse a file CRS with no link to longitude/latitude (a LOCAL_CS / engineering system)."""
    from pyproj import Transformer
    from pyproj.exceptions import ProjError

    try:
        Transformer.from_crs(file_crs, STORAGE_EPSG, always_xy=True)
    except ProjError as exc:
        raise _fail(
            f"{name}: the file's coordinate system ({file_crs.name}) is a local system with no link to "
            "longitude and latitude; give the system the numbers are really in with --crs "
            "(e.g. cgcs2000_gk or EPSG:4548)",
            f"{what_zh(what)}文件“{name}”的坐标系（{file_crs.name}）是与经纬度没有关联的本地坐标系，无法换算；"
            "请指定数据实际所用的坐标系（如 CGCS2000 3度带 / EPSG:4548）",
        ) from exc


def _check_degrees(out: VectorFile, raw: gpd.GeoSeries, declared: NamedCRS, what: str) -> None:
    if not declared.is_geographic:
        return
    valid = raw[raw.notna() & ~raw.is_empty]
    if valid.empty:
        return
    x0, y0, x1, y1 = valid.total_bounds
    if x0 >= -180 and x1 <= 180 and y0 >= -90 and y1 <= 90:
        return
    from renewal.io.plausibility import describe_candidates

    name = Path(out.file).name
    raise _fail(
        f"{name}: coordinates up to ({x1:.0f}, {y1:.0f}) cannot be degrees in {declared.name} "
        "(projected metres read as degrees, or latitude and longitude swapped?). "
        + describe_candidates(raw, "en"),
        f"{what_zh(what)}文件“{name}”的坐标（最大 {x1:.0f}, {y1:.0f}）不可能是{declared.name}经纬度（把米制投影坐标当成了度，或经纬度互换？）。"
        + describe_candidates(raw, "zh"),
    )


def _from_bytes(source: bytes | bytearray, filename: str | None, **kw: Any) -> VectorFile:
    name = Path(filename or "upload").name or "upload"
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / ("upload" + Path(name).suffix.lower())  # the name is data: never a path
        path.write_bytes(bytes(source))
        try:
            out = read_vector(path, **kw)
        except InputError as err:  # messages name the uploaded file, not the temporary one
            raise type(err)(
                err.message_en.replace(str(path), name).replace(path.name, name),
                err.message_zh.replace(str(path), name).replace(path.name, name),
                details=err.details,
            ) from err
    out.file = name
    return out


def read_vector(
    source: VectorSource,
    *,
    what: str = "layer",
    coords: str = "wgs84",
    crs: str | None = None,
    layer: str | None = None,
    prefer_layers: tuple[str, ...] = (),
    filename: str | None = None,
) -> VectorFile:
    """Read ``source`` (a path, uploaded ``bytes`` with ``filename``, or a GeoDataFrame) as WGS84.

    ``what`` names the input in messages (facilities, zones, sites, ...). ``crs`` is the
    system of the numbers (overrides the file's); ``coords`` (wgs84/gcj02/bd09) is the older
    spelling of the same for web coordinates. ``layer`` picks a GeoPackage layer, a Shapefile in
    a zip or an Excel sheet; without it the only one, else the first of ``prefer_layers``
    present, is read; several and none chosen is refused with the list.

    Parameters
    ----------
    source : str, PathLike, bytes or GeoDataFrame
        A GeoJSON, GeoPackage, Shapefile (zipped), KML/KMZ, CSV/XLSX (lon/lat or WKT columns) or
        GeoTIFF file; an upload's bytes (then ``filename`` gives the format); or a GeoDataFrame.
    what : str
        What the input is, for messages ("facilities", "zones", "sites" ...).
    coords, crs : str
        The system the numbers are in (any name :func:`renewal.crs.parse_crs` knows).
    layer : str, optional
        The layer, Shapefile or sheet to read.
    prefer_layers : tuple of str
        Layer names to take, in order, when several are offered and none is chosen.
    filename : str, optional
        The uploaded file's name (with ``bytes``).

    Returns
    -------
    VectorFile
        ``gdf`` in WGS84 (EPSG:4326), the declared ``crs``, and ``notes`` (English, Chinese) about
        what was assumed or converted.

    Raises
    ------
    InputError
        A missing or unsupported file, an unknown CRS name, several layers and none chosen.
    FileContentError
        A malformed, empty, oversized or implausible file (an :class:`InputError` too).

    Examples
    --------
    >>> doc = (b'{"type": "FeatureCollection", "features": [{"type": "Feature", '
    ...        b'"properties": {"name": "A"}, "geometry": {"type": "Point", "coordinates": [117.2, 39.12]}}]}')
    >>> read = read_vector(doc, filename="a.geojson")
    >>> len(read.gdf), read.gdf.crs.to_epsg(), read.gdf.geometry[0].x, read.crs
    (1, 4326, 117.2, 'WGS84 (EPSG:4326)')
    >>> read_vector(b"", filename="a.geojson")
    Traceback (most recent call last):
    ...
    renewal.errors.FileContentError: a.geojson: the file is empty (0 bytes)
    """
    if crs is None and coords != "wgs84":
        crs = coords
    if crs is not None:
        parse_crs(crs)  # a bad name is the request's fault: fail before reading
    if isinstance(source, bytes | bytearray):
        return _from_bytes(source, filename, what=what, crs=crs, layer=layer, prefer_layers=prefer_layers)
    if isinstance(source, gpd.GeoDataFrame):
        out = VectorFile(gdf=source.copy(), file=what)
    else:
        path = _open_path(source, what)
        out = VectorFile(gdf=gpd.GeoDataFrame(), file=str(path))
        out.gdf = _read_file(path, what, layer, prefer_layers, out, crs)
    gdf = out.gdf
    if gdf.empty:
        raise _fail(f"{Path(out.file).name}: the file has no features", f"{what_zh(what)}文件中没有任何要素")
    if Path(out.file).suffix.lower() not in RASTER_SUFFIXES:  # a raster has its own limits (io.raster)
        _check_size(gdf, Path(out.file).name)
    gdf = _finite_2d(gdf, out)
    declared = _declare(out, gdf, crs, what)
    if declared.epsg == 0:  # a CRS without EPSG code (orthographic …): pyproj converts it from the file's
        out.crs = f"{gdf.crs.name} (no EPSG code), converted to WGS84"
        out.notes.append(
            (f"converted from {gdf.crs.name} to WGS84", f"已由文件坐标系（{gdf.crs.name}）转换为WGS84")
        )
        gdf = gdf.to_crs(STORAGE_EPSG)
        declared = parse_crs(STORAGE_EPSG)  # the checks below see WGS84 numbers
    raw = gpd.GeoSeries(gdf.geometry.values, index=gdf.index)
    _check_degrees(out, raw, declared, what)
    out.raw, out.declared = raw, declared
    if not out.crs:
        out.crs = declared.describe if not out.assumed else "none given; WGS84 (EPSG:4326) assumed"
    if declared.web or declared.epsg != STORAGE_EPSG or gdf.crs is None or gdf.crs.to_epsg() != STORAGE_EPSG:
        gdf = gdf_from_crs(gdf, declared)
    if declared.web or declared.epsg not in (STORAGE_EPSG,):
        out.notes.append((f"converted from {declared.name} to WGS84", f"已由{declared.name}转换为WGS84"))
    if crs is None and (out.assumed or not out.crs_declared):
        out.notes.append(WEB_COORDINATES_NOTE)
    out.gdf = gdf
    return out


def read_features(
    source: VectorSource,
    *,
    what: str = "layer",
    coords: str = "wgs84",
    layer: str | None = None,
    crs: str | None = None,
) -> gpd.GeoDataFrame:
    """The features of ``source`` that have a geometry (WGS84); InputError if none has one.

    For analysis inputs (facilities, zones, boundaries), where a row without a
    geometry carries nothing to analyse.
    """
    read = read_vector(source, what=what, coords=coords, layer=layer, crs=crs)
    gdf = read.non_empty()
    if gdf.empty:
        raise _fail(f"The {what} file has only empty geometries.", f"{what_zh(what)}只有空几何。")
    return gdf

"""Layer files in the formats planners use, in the coordinate system they ask for.

:func:`layer_bytes` / :func:`write_layer` write any WGS84 layer as

* GeoPackage: one layer per geometry type (``<name>_points``, ``_lines``,
  ``_polygons``; a single-type layer keeps ``<name>``), so ArcGIS and QGIS open it
  cleanly; the reader merges such a split layer back (:mod:`renewal.io.read`);
* zipped Shapefile: one Shapefile per geometry type, each with ``.prj`` and a
  ``.cpg`` saying UTF-8; field names cut to the 10-byte limit (unique), with
  ``fields.csv`` mapping them to the full names; texts longer than a DBF field
  (254 bytes) are cut there and kept whole in ``<layer>_fulltext.csv`` (the reader
  restores both);
* GeoJSON (``crs`` member when not WGS84), KML (WGS84 or GCJ-02 numbers only),
  CSV and XLSX (the writers' table convention, :mod:`renewal.io.write`, with
  Chinese headers and Chinese labels for coded values when given).

``crs`` is any name :func:`renewal.crs.parse_crs` knows (``wgs84``, ``cgcs2000``,
``EPSG:4548``, ``gcj02``...). Files are written atomically.
"""

from __future__ import annotations

import io
import json
import logging
import tempfile
import warnings
import zipfile
from collections.abc import Hashable, Iterable, Mapping
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
from shapely.geometry.base import BaseGeometry

from renewal.crs import NamedCRS, gdf_to_crs, parse_crs
from renewal.errors import InputError
from renewal.io.atomic import write_bytes_atomic
from renewal.io.write import check_out_folder, csv_bytes, with_geometry_columns, xlsx_bytes

#: format -> (file suffix, MIME type, Chinese name)
LAYER_FORMATS = {
    "geojson": (".geojson", "application/geo+json", "GeoJSON"),
    "gpkg": (".gpkg", "application/geopackage+sqlite3", "GeoPackage"),
    "zip": (".zip", "application/zip", "Shapefile（zip压缩）"),
    "kml": (".kml", "application/vnd.google-earth.kml+xml", "KML"),
    "csv": (".csv", "text/csv", "CSV表格"),
    "xlsx": (".xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "Excel表格"),
}
#: Systems offered for export (the page's choice list), with their Chinese names.
EXPORT_CRS = ("wgs84", "cgcs2000", "cgcs2000_gk", "gcj02")
GEOMETRY_FAMILIES = {
    "Point": "points",
    "MultiPoint": "points",
    "LineString": "lines",
    "MultiLineString": "lines",
    "Polygon": "polygons",
    "MultiPolygon": "polygons",
}
SHP_FIELD_BYTES = 10
FIELD_MAP_FILE = "fields.csv"
#: A DBF text field holds 254 bytes; longer texts go whole into ``<layer>_fulltext.csv`` beside the Shapefile.
DBF_TEXT_BYTES = 254
FULLTEXT_SUFFIX = "_fulltext.csv"


def layer_format(path: Path | str) -> str:
    """The format implied by a file name's suffix."""
    suffix = Path(path).suffix.lower()
    if suffix == ".json":
        return "geojson"
    for fmt, (sfx, _, _) in LAYER_FORMATS.items():
        if suffix == sfx:
            return fmt
    raise InputError(
        f"Unknown export format {suffix!r}; use one of {', '.join(s for s, _, _ in LAYER_FORMATS.values())}",
        f"不支持的导出格式“{suffix}”，可选：{'、'.join(s for s, _, _ in LAYER_FORMATS.values())}",
    )


def split_by_geometry(gdf: gpd.GeoDataFrame, name: str, promote: bool = True) -> dict[str, gpd.GeoDataFrame]:
    """``gdf`` as one frame per geometry family (``name`` alone when there is one family).
    Features without geometry go with the first family; other geometry types are refused.
    ``promote``: single and multi parts mixed in a family become all multi (a Shapefile needs that;
    a GeoPackage layer of the family's multi type holds both)."""
    fam = gdf.geom_type.map(GEOMETRY_FAMILIES)
    odd = gdf.geom_type.notna() & fam.isna()
    if odd.any():
        kinds = sorted(set(gdf.geom_type[odd]))
        raise InputError(
            f"Cannot export geometry types {kinds} (only points, lines, polygons)",
            f"无法导出几何类型{kinds}（仅支持点、线、面）",
        )
    families = [f for f in ("points", "lines", "polygons") if (fam == f).any()] or ["points"]
    fam = fam.fillna(families[0])
    parts = {name: gdf} if len(families) == 1 else {f"{name}_{f}": gdf[fam == f] for f in families}
    return {k: _one_type(v) if promote else v for k, v in parts.items()}


def _one_type(gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Single and multi parts of one family mixed: all promoted to multi (one geometry type per layer)."""
    types = set(gdf.geom_type.dropna())
    if len(types) < 2:
        return gdf
    from shapely.geometry import MultiLineString, MultiPoint, MultiPolygon

    multi = {"Point": MultiPoint, "LineString": MultiLineString, "Polygon": MultiPolygon}

    def promote(g: BaseGeometry | None) -> BaseGeometry | None:
        return multi[g.geom_type]([g]) if g is not None and g.geom_type in multi else g

    return gdf.set_geometry([promote(g) for g in gdf.geometry], crs=gdf.crs)


def shapefile_field_names(columns: Iterable[Hashable]) -> dict[str, str]:
    """Full column name -> a unique name within the Shapefile's 10-byte limit (UTF-8 bytes, whole characters)."""
    out: dict[str, str] = {}
    used: set[str] = set()
    for col in columns:
        base = _cut(str(col), SHP_FIELD_BYTES)
        short, n = base, 1
        while short.lower() in used:
            tail = f"_{n}"
            short = _cut(str(col), SHP_FIELD_BYTES - len(tail)) + tail
            n += 1
        used.add(short.lower())
        out[str(col)] = short
    return out


def _cut(text: str, limit: int) -> str:
    data = text.encode("utf-8")[:limit]
    return data.decode("utf-8", errors="ignore") or "f"


def _to_file(gdf: gpd.GeoDataFrame, path: Path, **kw: str) -> None:
    logging.getLogger("pyogrio").setLevel(logging.WARNING)
    with warnings.catch_warnings():
        # long DBF texts are cut by GDAL and kept whole in <layer>_fulltext.csv (see _long_text)
        warnings.filterwarnings("ignore", message=".*has been truncated to 254", category=RuntimeWarning)
        gdf.to_file(path, **kw)


def _gpkg(gdf: gpd.GeoDataFrame, name: str) -> bytes:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "out.gpkg"
        for layer, part in split_by_geometry(gdf, name, promote=False).items():
            _to_file(part, path, driver="GPKG", layer=layer)
        return path.read_bytes()


def _shapefile_zip(gdf: gpd.GeoDataFrame, name: str) -> bytes:
    fields = [c for c in gdf.columns if c != gdf.geometry.name]
    mapping = shapefile_field_names(fields)
    renamed = gdf.rename(columns=mapping)
    buf = io.BytesIO()
    with tempfile.TemporaryDirectory() as tmp, zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for layer, part in split_by_geometry(renamed, name).items():
            _to_file(part, Path(tmp) / f"{layer}.shp", driver="ESRI Shapefile", encoding="UTF-8")
            long = _long_text(part.rename(columns={v: k for k, v in mapping.items()}))
            if long is not None:
                zf.writestr(f"{layer}{FULLTEXT_SUFFIX}", csv_bytes(long))
        for p in sorted(Path(tmp).iterdir()):
            zf.write(p, p.name)
        table = pd.DataFrame({"shapefile_field": list(mapping.values()), "full_name": list(mapping.keys())})
        zf.writestr(FIELD_MAP_FILE, csv_bytes(table))
    return buf.getvalue()


def _long_text(part: gpd.GeoDataFrame) -> pd.DataFrame | None:
    """The text columns with a value longer than a DBF field holds (254 bytes), full, or None."""
    cols = [
        c
        for c in part.columns
        if c != part.geometry.name
        and part[c].dtype == object
        and part[c].map(lambda v: isinstance(v, str) and len(v.encode("utf-8")) > DBF_TEXT_BYTES).any()
    ]
    return pd.DataFrame(part[cols]).reset_index(drop=True) if cols else None


def _geojson(gdf: gpd.GeoDataFrame, epsg: int) -> bytes:
    doc = json.loads(gdf.to_json(drop_id=True, ensure_ascii=False))
    if epsg != 4326:
        doc["crs"] = {"type": "name", "properties": {"name": f"urn:ogc:def:crs:EPSG::{epsg}"}}
    return json.dumps(doc, ensure_ascii=False, indent=1).encode("utf-8")


def _labelled(
    table: pd.DataFrame, headers: Mapping[str, str], values: Mapping[str, Mapping[Any, str]]
) -> pd.DataFrame:
    table = table.copy()
    for f, labels in values.items():
        if f in table.columns:
            pos = list(table.columns).index(f) + 1
            table.insert(pos, f"{f}_label", table[f].map(lambda v, lab=labels: lab.get(v, "")))
    names = {f: f"{headers[f]}（{f}）" for f in table.columns if f in headers}
    names.update({f"{f}_label": f"{headers.get(f, f)}说明" for f in values if f"{f}_label" in table.columns})
    return table.rename(columns=names)


def _export_target(gdf: gpd.GeoDataFrame, fmt: str, crs: str) -> tuple[NamedCRS, gpd.GeoDataFrame]:
    """The target CRS and the layer in it, or what :func:`layer_bytes` refuses (:class:`InputError`)."""
    if fmt not in LAYER_FORMATS:
        raise InputError(f"Unknown export format: {fmt}", f"不支持的导出格式：{fmt}")
    target = parse_crs(crs)
    if fmt == "kml" and not target.is_geographic:
        raise InputError(
            f"KML holds longitude/latitude only; cannot write {target.name}",
            f"KML只能保存经纬度坐标，不能使用{target.label_zh}",
        )
    return target, gdf_to_crs(gdf.reset_index(drop=True), target)


def check_layer_export(gdf: gpd.GeoDataFrame, fmt: str, *, crs: str = "wgs84") -> None:
    """Refuse now (:class:`InputError`) what :func:`layer_bytes` would refuse: an unknown format, KML in a
    projected CRS, a feature the CRS cannot show. Cheap (no file is written): a page checks on every run
    and builds the file only when the planner clicks."""
    _export_target(gdf, fmt, crs)


def layer_bytes(
    gdf: gpd.GeoDataFrame,
    fmt: str,
    *,
    crs: str = "wgs84",
    name: str = "layer",
    headers: Mapping[str, str] | None = None,
    values: Mapping[str, Mapping[Any, str]] | None = None,
) -> bytes:
    """A WGS84 layer as a file in ``fmt`` with coordinates in ``crs``, as bytes.

    ``headers`` (field -> Chinese name) and ``values`` (field -> {code: Chinese label}) label CSV/XLSX.

    Parameters
    ----------
    gdf : GeoDataFrame
        The layer, in WGS84.
    fmt : str
        One of ``gpkg``, ``zip`` (Shapefile), ``geojson``, ``kml``, ``csv``, ``xlsx``.
    crs : str
        The coordinate system of the file's numbers (any name :func:`renewal.crs.parse_crs` knows).
    name : str
        The layer's name in the file.
    headers, values : Mapping, optional
        Chinese column headers and value labels (CSV/XLSX only).

    Returns
    -------
    bytes
        The file's content. CSV text cells that a spreadsheet would run as a formula are guarded with ``'``.

    Raises
    ------
    InputError
        An unknown format, KML in a projected CRS, or a feature the CRS cannot show.

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely.geometry import Point
    >>> gdf = gpd.GeoDataFrame({"name": ["=A"]}, geometry=[Point(117.2, 39.12)], crs=4326)
    >>> layer_bytes(gdf, "csv").decode("utf-8-sig").splitlines()
    ['name,lon,lat,wkt', "'=A,117.2,39.12,POINT (117.2 39.12)"]
    >>> layer_bytes(gdf, "kml", crs="EPSG:4548")
    Traceback (most recent call last):
    ...
    renewal.errors.InputError: KML holds longitude/latitude only; cannot write EPSG:4548
    """
    target, data = _export_target(gdf, fmt, crs)
    if fmt == "gpkg":
        return _gpkg(data, name)
    if fmt == "zip":
        return _shapefile_zip(data, name)
    if fmt == "geojson":
        return _geojson(data, target.epsg)
    if fmt == "kml":
        from renewal.io.kml import kml_bytes

        return kml_bytes(data, title=name)
    table = _labelled(with_geometry_columns(gdf, crs=target), headers or {}, values or {})
    if fmt == "csv":
        return csv_bytes(table)
    return xlsx_bytes({name[:31] or "layer": table})


def write_layer(
    gdf: gpd.GeoDataFrame,
    path: Path | str,
    *,
    crs: str = "wgs84",
    name: str | None = None,
    headers: Mapping[str, str] | None = None,
    values: Mapping[str, Mapping[Any, str]] | None = None,
) -> Path:
    """Write a WGS84 layer to ``path`` (format from the suffix) in ``crs``, atomically.

    Parameters
    ----------
    gdf : GeoDataFrame
        The layer, in WGS84.
    path : str or Path
        The file to write; its suffix gives the format (``.gpkg .zip .geojson .kml .csv .xlsx``).
    crs : str
        The coordinate system of the file's numbers.
    name : str, optional
        The layer's name in the file (default: the file's stem).
    headers, values : Mapping, optional
        Chinese column headers and value labels (CSV/XLSX only).

    Returns
    -------
    Path
        ``path``. Nothing is written when an error is raised (the file appears whole or not at all).

    Raises
    ------
    InputError
        The folder does not exist, the suffix is unknown, or :func:`layer_bytes` refuses.

    Examples
    --------
    >>> import json, tempfile
    >>> from pathlib import Path
    >>> import geopandas as gpd
    >>> from shapely.geometry import Point
    >>> gdf = gpd.GeoDataFrame({"name": ["A"]}, geometry=[Point(117.2, 39.12)], crs=4326)
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     out = write_layer(gdf, Path(tmp) / "a.geojson")
    ...     json.loads(out.read_text(encoding="utf-8"))["features"][0]["geometry"]
    {'type': 'Point', 'coordinates': [117.2, 39.12]}
    """
    path = check_out_folder(path)
    fmt = layer_format(path)
    data = layer_bytes(gdf, fmt, crs=crs, name=name or path.stem, headers=headers, values=values)
    return write_bytes_atomic(path, data)

"""The writers: every table and layer file the platform produces goes through here.

One CSV/XLSX convention for geometry: the attribute columns, then ``lon`` and
``lat`` (WGS84; a point's own coordinates, else a representative point inside
the feature) and ``wkt`` (the whole WGS84 geometry). :func:`read_table_layer`
reads such a file back. One guard for text from data: a CSV cell a
spreadsheet would run as a formula gets a leading ``'`` (:func:`guard_formula`);
XLSX cells are always written as text, never formulas, and characters XLSX
cannot hold (control characters) are replaced by U+FFFD instead of failing.

Files are written atomically (:mod:`renewal.io.atomic`): a failure leaves no
half-written file and the old one untouched.
"""

from __future__ import annotations

import io
import logging
import re
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import TypeVar, overload

import geopandas as gpd
import pandas as pd
import shapely

from renewal.crs import STORAGE_EPSG, CrsName, gdf_from_crs, gdf_to_crs, parse_crs
from renewal.errors import InputError
from renewal.io.atomic import atomic_output, write_bytes_atomic

#: A spreadsheet treats a cell starting with one of these as a formula (CSV/formula injection).
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
WKT_COLUMN = "wkt"
LON_COLUMN = "lon"
LAT_COLUMN = "lat"
GEOMETRY_COLUMNS = (LON_COLUMN, LAT_COLUMN, WKT_COLUMN)
#: Characters an XLSX cell cannot hold (XML 1.0 forbids them); openpyxl raises on them.
T = TypeVar("T")
_XLSX_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def _needs_guard(text: str) -> bool:
    return text.lstrip("'")[:1] in FORMULA_TRIGGERS and (text[:1] in FORMULA_TRIGGERS or text[:1] == "'")


def guard_formula(value: object) -> object:
    """A CSV cell that a spreadsheet shows as text: ``'`` before a leading ``= + - @`` (also before ``'=``...)."""
    return "'" + value if isinstance(value, str) and _needs_guard(value) else value


def unguard_formula(value: object) -> object:
    """Undo :func:`guard_formula` (reading a CSV export back)."""
    return value[1:] if isinstance(value, str) and value[:1] == "'" and _needs_guard(value[1:]) else value


@overload
def xlsx_text(value: str) -> str: ...
@overload
def xlsx_text(value: T) -> T: ...
def xlsx_text(value: object) -> object:
    """A value an XLSX cell (or any XML text, e.g. KML) can hold: control characters become U+FFFD."""
    return _XLSX_ILLEGAL.sub("\ufffd", value) if isinstance(value, str) else value


def with_geometry_columns(gdf: gpd.GeoDataFrame, crs: CrsName = "wgs84") -> pd.DataFrame:
    """``gdf`` (WGS84) as a plain table: attributes, then ``lon``/``lat`` and ``wkt``.

    With another ``crs`` (a name for :func:`renewal.crs.parse_crs`) the numbers are in that system;
    a projected one names the columns ``x``/``y`` (metres).
    """
    if gdf.crs is None or gdf.crs.to_epsg() != STORAGE_EPSG:
        gdf = gdf.to_crs(STORAGE_EPSG)
    target = parse_crs(crs)
    # the representative point is chosen in WGS84, then converted with the rest
    pts = gdf.geometry.where(gdf.geometry.geom_type == "Point", gdf.geometry.representative_point())
    present = gdf.geometry.notna() & ~gdf.geometry.is_empty
    if target.name != "wgs84":
        gdf = gdf_to_crs(gdf, target)
        pts = gdf_to_crs(gpd.GeoDataFrame(geometry=pts, crs=STORAGE_EPSG), target).geometry
    geom = gdf.geometry
    table = pd.DataFrame(gdf.drop(columns=geom.name))
    xcol, ycol = (LON_COLUMN, LAT_COLUMN) if target.is_geographic else ("x", "y")
    digits = 7 if target.is_geographic else 3
    table[xcol] = pts.x.where(present).round(digits)
    table[ycol] = pts.y.where(present).round(digits)
    table[WKT_COLUMN] = [
        shapely.to_wkt(g, rounding_precision=-1) if ok else "" for g, ok in zip(geom, present, strict=True)
    ]
    return table


def csv_bytes(table: pd.DataFrame) -> bytes:
    """A table as UTF-8 CSV with BOM (Excel opens Chinese text correctly), text cells guarded.

    Parameters
    ----------
    table : DataFrame
        The rows to write (the index is not written).

    Returns
    -------
    bytes
        The CSV; a text cell starting with ``= + - @`` gets a leading ``'`` so a spreadsheet shows it
        as text instead of running it (:func:`unguard_formula` reads it back).

    Examples
    --------
    >>> import pandas as pd
    >>> csv_bytes(pd.DataFrame({"名称": ["=1+1"]})).decode("utf-8-sig")
    "名称\\n'=1+1\\n"
    """
    table = table.copy()
    for c in table.columns:
        if table[c].dtype == object:
            table[c] = table[c].map(guard_formula)
    text: str = table.to_csv(index=False)
    return text.encode("utf-8-sig")


def xlsx_bytes(sheets: Mapping[str, pd.DataFrame | None]) -> bytes:
    """DataFrames as sheets of one workbook; every text cell is text (never a formula) and XLSX-safe."""
    buf = io.BytesIO()
    with pd.ExcelWriter(buf, engine="openpyxl") as xw:
        for name, df in sheets.items():
            if df is None:
                continue
            df = pd.DataFrame(df).copy()
            df.columns = [xlsx_text(str(c)) for c in df.columns]
            for c in df.columns:
                if df[c].dtype == object:
                    df[c] = df[c].map(xlsx_text)
            df.to_excel(xw, sheet_name=name[:31], index=False)
        for ws in xw.book.worksheets:
            for row in ws.iter_rows():
                for cell in row:
                    if cell.data_type == "f":
                        cell.data_type = "s"
    return buf.getvalue()


def _write_gpkg_layers(path: Path, layers: Mapping[str, pd.DataFrame | None]) -> None:
    logging.getLogger("pyogrio").setLevel(logging.WARNING)  # no "Created N records" chatter
    for name, df in layers.items():
        if df is None:
            continue
        if not isinstance(df, gpd.GeoDataFrame):
            df = gpd.GeoDataFrame(df, geometry=[None] * len(df), crs=STORAGE_EPSG)
        df.to_file(path, driver="GPKG", layer=name)


def gpkg_bytes(layers: Mapping[str, pd.DataFrame | None]) -> bytes:
    """Several (Geo)DataFrames as layers of one GeoPackage (WGS84), as bytes (page downloads)."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "export.gpkg"
        _write_gpkg_layers(path, layers)
        return path.read_bytes()


def check_out_folder(path: Path | str) -> Path:
    """``path`` if its folder exists, else an InputError (nothing is created)."""
    path = Path(path)
    if not path.parent.exists() or not path.parent.is_dir():
        raise InputError(f"Output folder does not exist: {path.parent}", f"输出文件夹不存在：{path.parent}")
    return path


def write_gpkg(path: Path | str, layers: Mapping[str, pd.DataFrame | None], crs: CrsName = "wgs84") -> None:
    """Several (Geo)DataFrames as layers of one GeoPackage (geometries in ``crs``), atomically."""
    if parse_crs(crs).name != "wgs84":
        layers = {k: gdf_to_crs(v, crs) if isinstance(v, gpd.GeoDataFrame) else v for k, v in layers.items()}
    with atomic_output(check_out_folder(path)) as tmp:
        _write_gpkg_layers(tmp, layers)


def write_xlsx(path: Path | str, sheets: Mapping[str, pd.DataFrame | None]) -> None:
    """DataFrames as sheets of one workbook, atomically."""
    write_bytes_atomic(check_out_folder(path), xlsx_bytes(sheets))


def write_table(path: Path | str, gdf: gpd.GeoDataFrame, crs: CrsName = "wgs84") -> None:
    """A layer as CSV or XLSX (attributes + lon/lat + wkt) or GeoPackage, by the file's extension, in ``crs``."""
    path = check_out_folder(path)
    suffix = path.suffix.lower()
    if suffix == ".gpkg":
        write_gpkg(path, {path.stem: gdf}, crs=crs)
    elif suffix == ".csv":
        write_bytes_atomic(path, csv_bytes(with_geometry_columns(gdf, crs=crs)))
    elif suffix == ".xlsx":
        write_bytes_atomic(path, xlsx_bytes({path.stem: with_geometry_columns(gdf, crs=crs)}))
    else:
        raise InputError(
            f"Output must end in .csv, .gpkg or .xlsx, got {path.name}",
            f"输出文件须为 .csv、.gpkg 或 .xlsx，当前为 {path.name}",
        )


def read_table_layer(table: pd.DataFrame, crs: CrsName = "wgs84") -> gpd.GeoDataFrame:
    """A table written by this module (``wkt`` column, or ``lon``/``lat`` or ``x``/``y``; numbers in ``crs``)
    back as a WGS84 GeoDataFrame."""
    table = table.copy()
    coords = [c for c in (LON_COLUMN, LAT_COLUMN, "x", "y") if c in table.columns]
    if WKT_COLUMN in table.columns:
        geom = shapely.from_wkt(table.pop(WKT_COLUMN).replace("", None).values)
        table = table.drop(columns=coords)
    else:
        xcol, ycol = (LON_COLUMN, LAT_COLUMN) if LON_COLUMN in table.columns else ("x", "y")
        geom = gpd.points_from_xy(pd.to_numeric(table.pop(xcol)), pd.to_numeric(table.pop(ycol)))
    gdf = gpd.GeoDataFrame(table, geometry=geom, crs=STORAGE_EPSG)
    return gdf if parse_crs(crs).name == "wgs84" else gdf_from_crs(gdf, crs)

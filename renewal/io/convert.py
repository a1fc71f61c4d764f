"""Converting a file from one coordinate system to another (``python -m renewal convert``).

A table (CSV/XLSX) with coordinate columns to a table keeps every column, its
name and order, and the rows; only the two coordinate columns get new numbers.
Anything else goes through the one reader and the layer writers
(:mod:`renewal.io.export`), so the output format follows the output's suffix.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from renewal.crs import NamedCRS, convert_xy, parse_crs, xy_from_wgs84
from renewal.errors import InputError
from renewal.io.atomic import write_bytes_atomic
from renewal.io.export import layer_format, write_layer
from renewal.io.read import (
    TABLE_SUFFIXES,
    coordinate_columns,
    read_table_file,
    read_vector,
    table_coordinates,
)
from renewal.io.write import check_out_folder, csv_bytes, xlsx_bytes


@dataclass
class Converted:
    path: Path
    count: int
    src: str
    dst: str
    columns: tuple[str, str] | None = None  # the coordinate columns of a table


def _convert_table(
    src: Path, dst: Path, src_crs: NamedCRS, dst_crs: NamedCRS, sheet: str | None
) -> Converted:
    df, _ = read_table_file(src, sheet)
    xcol, ycol, x, y = table_coordinates(df, src.name, allow_blank=True)
    ok = x.notna() & y.notna()
    nx, ny = convert_xy(x[ok].to_numpy(), y[ok].to_numpy(), src_crs, dst_crs)
    digits = 8 if parse_crs(dst_crs).is_geographic else 3
    out = df.copy()
    out[xcol] = out[xcol].astype(object)
    out[ycol] = out[ycol].astype(object)
    out.loc[ok, xcol] = pd.Series(nx, index=x[ok].index).round(digits)
    out.loc[ok, ycol] = pd.Series(ny, index=y[ok].index).round(digits)
    data = csv_bytes(out) if dst.suffix.lower() == ".csv" else xlsx_bytes({sheet or "Sheet1": out})
    write_bytes_atomic(dst, data)
    return Converted(dst, len(df), parse_crs(src_crs).name, parse_crs(dst_crs).name, (str(xcol), str(ycol)))


def convert_file(
    src: Path | str,
    dst: Path | str,
    *,
    src_crs: str | None,
    dst_crs: str,
    layer: str | None = None,
) -> Converted:
    """Convert ``src`` to ``dst`` (numbers from ``src_crs``, or the file's own CRS, to ``dst_crs``).

    Parameters
    ----------
    src, dst : str or Path
        The input file and the file to write (a table to a table keeps its columns; anything else is
        read as a layer and written in ``dst``'s format).
    src_crs : str or None
        The system of ``src``'s numbers (None: the file's own; a CSV/XLSX needs it).
    dst_crs : str
        The system of ``dst``'s numbers.
    layer : str, optional
        The layer or sheet of ``src`` to convert.

    Returns
    -------
    Converted
        The written path, the feature count, the two systems' names and (a table) its coordinate columns.

    Raises
    ------
    InputError
        ``dst`` would overwrite ``src``, a table without ``src_crs``, an unknown system or format, or a
        point ``dst_crs`` cannot show (nothing is written).

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     src = Path(tmp) / "pts.csv"
    ...     _ = src.write_text("name,lon,lat\\nA,117.2,39.12\\n", encoding="utf-8")
    ...     done = convert_file(src, Path(tmp) / "out.csv", src_crs="wgs84", dst_crs="gcj02")
    ...     (done.count, done.src, done.dst, done.columns)
    ...     (Path(tmp) / "out.csv").read_text(encoding="utf-8-sig").splitlines()
    (1, 'wgs84', 'gcj02', ('lon', 'lat'))
    ['name,lon,lat', 'A,117.20630373,39.12102925']
    """
    src, dst = Path(src), check_out_folder(dst)
    target = parse_crs(dst_crs)
    layer_format(dst)  # refuse an unknown output type before reading
    if src.resolve() == dst.resolve():
        raise InputError("The output must not overwrite the input file", "输出文件不能覆盖输入文件")
    if src.suffix.lower() in TABLE_SUFFIXES and dst.suffix.lower() in TABLE_SUFFIXES and src.exists():
        if src_crs is None:
            raise InputError(
                "Give --from for a table (a CSV/XLSX does not say its coordinate system)",
                "表格没有坐标系信息，请指定原坐标系（--from）",
            )
        return _convert_table(src, dst, parse_crs(src_crs), target, layer)
    read = read_vector(src, crs=src_crs, layer=layer)
    gdf = read.gdf
    if src.suffix.lower() in TABLE_SUFFIXES:  # the coordinate columns follow the geometry into the new system
        xcol, ycol = coordinate_columns(gdf.columns)
        nx, ny = xy_from_wgs84(gdf.geometry.x.to_numpy(), gdf.geometry.y.to_numpy(), target)
        gdf = gdf.assign(**{str(xcol): nx, str(ycol): ny})
    write_layer(gdf, dst, crs=target.name)
    return Converted(dst, len(read.gdf), read.declared.name if read.declared else "", target.name)

"""Population GeoTIFF to points: each populated pixel's centre with its ``population`` value.

Refused, with a bilingual message: a file rasterio cannot open, a raster without a
CRS (unless one is given), a band that would take more than :data:`MAX_READ_BYTES` to
read (pixels x bytes per pixel, from the header, before anything is read: a small
compressed file can hold billions of pixels), more than :data:`MAX_POPULATED` populated
pixels (counted while reading in strips, so memory stays bounded), and negative values.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import geopandas as gpd
import numpy as np

from renewal.errors import FileContentError

if TYPE_CHECKING:
    from rasterio.io import DatasetReader

#: Most bytes of the window read (pixels x bands read x bytes per pixel of its data type); checked from
#: the header, before anything is read: 200 MiB, e.g. 52 million float32 pixels of one band.
MAX_READ_BYTES = 200 * 2**20
#: Most populated pixels (each becomes a point, about 200 bytes in memory): 2 million.
MAX_POPULATED = 2_000_000
#: Pixels converted at a time (the float64 working copy stays near 32 MiB whatever the raster's size).
STRIP_PIXELS = 4_000_000
RASTER_SUFFIXES = (".tif", ".tiff")
POPULATION_FIELD = "population"


def read_population_raster(path: Path, *, crs_given: bool = False) -> gpd.GeoDataFrame:
    """Pixel centres with population > 0 as points in the raster's CRS (``crs=None`` if it has none and
    ``crs_given``: the caller sets it)."""
    import rasterio

    name = Path(path).name
    try:
        src = rasterio.open(path)
    except Exception as exc:  # rasterio.errors.RasterioIOError and others for a broken file
        raise FileContentError(
            f"{name}: cannot read the raster (malformed or truncated): {str(exc)[:200]}",
            f"无法读取栅格文件“{name}”（格式错误或不完整）",
        ) from exc
    with src:
        _check_size(src, name)
        if src.crs is None and not crs_given:
            raise FileContentError(
                f"{name}: the raster has no coordinate reference system; give one with --crs",
                f"栅格“{name}”没有坐标参考系，请指定坐标系",
            )
        rows, cols, values = _populated(src, name)
        xs, ys = rasterio.transform.xy(src.transform, rows, cols, offset="center")
        crs = src.crs.to_wkt() if src.crs is not None else None
    return gpd.GeoDataFrame(
        {POPULATION_FIELD: values},
        geometry=gpd.points_from_xy(np.asarray(xs, dtype=float), np.asarray(ys, dtype=float)),
        crs=crs,
    )


def _check_size(src: DatasetReader, name: str) -> None:
    """Refuse a raster whose band would take more than MAX_READ_BYTES once read (whatever its file size)."""
    pixels = src.width * src.height
    nbytes = pixels * np.dtype(src.dtypes[0]).itemsize  # one band is read
    if nbytes > MAX_READ_BYTES:
        raise FileContentError(
            f"{name}: {src.width} x {src.height} pixels ({pixels / 1e6:.0f} million, {src.dtypes[0]}) would take "
            f"{nbytes / 2**20:.0f} MiB to read, over the limit of {MAX_READ_BYTES / 2**20:.0f} MiB; "
            "clip it to the district or resample it first",
            f"栅格“{name}”有{pixels / 1e6:.0f}百万个像元，读取需{nbytes / 2**20:.0f} MiB内存，超过上限"
            f"{MAX_READ_BYTES / 2**20:.0f} MiB，请先裁剪到本区范围或重采样",
        )


def _populated(src: DatasetReader, name: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Rows, columns and values of the pixels with population > 0, read in strips of rows; refused past
    MAX_POPULATED pixels or on a negative value."""
    from rasterio.windows import Window

    step = max(1, STRIP_PIXELS // max(src.width, 1))
    rows, cols, values = [], [], []
    count = 0
    for top in range(0, src.height, step):
        try:
            data = src.read(1, window=Window(0, top, src.width, min(step, src.height - top)), masked=True)
        except Exception as exc:
            raise FileContentError(
                f"{name}: cannot read the pixels (damaged file): {str(exc)[:200]}",
                f"栅格“{name}”像元数据已损坏",
            ) from exc
        arr = np.ma.filled(data.astype(float), 0.0)
        arr[~np.isfinite(arr)] = 0.0
        if (arr < 0).any():
            raise FileContentError(
                f"{name}: the raster has negative population values", f"栅格“{name}”有负的人口值"
            )
        r, c = np.nonzero(arr > 0)
        count += len(r)
        if count > MAX_POPULATED:
            raise FileContentError(
                f"{name}: more than {MAX_POPULATED:,} populated pixels ({src.width} x {src.height} pixels); "
                "clip it to the district or resample it to coarser pixels first",
                f"栅格“{name}”有人口的像元超过{MAX_POPULATED // 10_000}万个，请先裁剪到本区范围或重采样为较大的像元",
            )
        rows.append(r.astype(np.int64) + top)
        cols.append(c.astype(np.int64))
        values.append(arr[r, c])
    if not rows:  # a raster of height 0
        return np.empty(0, np.int64), np.empty(0, np.int64), np.empty(0, float)
    return np.concatenate(rows), np.concatenate(cols), np.concatenate(values)

"""Population GeoTIFF to points: each populated pixel's centre with its ``population`` value.

Refused, with a bilingual message: a file rasterio cannot open, a raster without a
CRS (unless one is given), more than :data:`MAX_PIXELS` pixels (checked from the
header, before anything is read), and negative values.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np

from renewal.errors import FileContentError

#: Most pixels read (50 million float32 pixels = 200 MB in memory).
MAX_PIXELS = 50_000_000
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
        pixels = src.width * src.height
        if pixels > MAX_PIXELS:
            raise FileContentError(
                f"{name}: {src.width} x {src.height} pixels ({pixels / 1e6:.0f} million) is over the limit of "
                f"{MAX_PIXELS / 1e6:.0f} million; resample it first",
                f"栅格“{name}”有{pixels / 1e6:.0f}百万个像元，超过上限{MAX_PIXELS / 1e6:.0f}百万，请先重采样",
            )
        if src.crs is None and not crs_given:
            raise FileContentError(
                f"{name}: the raster has no coordinate reference system; give one with --crs",
                f"栅格“{name}”没有坐标参考系，请指定坐标系",
            )
        try:
            data = src.read(1, masked=True).astype(float)
        except Exception as exc:
            raise FileContentError(
                f"{name}: cannot read the pixels (damaged file): {str(exc)[:200]}",
                f"栅格“{name}”像元数据已损坏",
            ) from exc
        arr = np.ma.filled(data, 0.0)
        arr[~np.isfinite(arr)] = 0.0
        if (arr < 0).any():
            raise FileContentError(
                f"{name}: the raster has negative population values", f"栅格“{name}”有负的人口值"
            )
        rows, cols = np.nonzero(arr > 0)
        xs, ys = rasterio.transform.xy(src.transform, rows, cols, offset="center")
        crs = src.crs.to_wkt() if src.crs is not None else None
    return gpd.GeoDataFrame(
        {POPULATION_FIELD: arr[rows, cols]},
        geometry=gpd.points_from_xy(np.asarray(xs, dtype=float), np.asarray(ys, dtype=float)),
        crs=crs,
    )

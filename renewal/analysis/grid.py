"""The analysis grid: square cells clipped to the boundary, and population per cell (raster or polygons)."""

from __future__ import annotations

import warnings
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
import shapely.geometry

from renewal.analysis.arrays import BoolArray, FloatArray, ObjectArray
from renewal.analysis.inputs import CoverageWarning, to_metric_gdf
from renewal.crs import METRIC_EPSG, epsg_crs, transformer
from renewal.errors import InputError, Notice

POP_CANDIDATES = ("population", "pop", "人口", "常住人口")
#: Most raster pixels read for the population (the part over the boundary): 25 million (200 MB as float64).
MAX_RASTER_PIXELS = 25_000_000


def _nothing_inside(total: float, inside: float) -> None:
    """Refuse a population of which nothing lies inside the boundary (wrong file or wrong CRS)."""
    if total > 0 and inside <= 0:
        raise InputError(
            f"None of the population ({total:.0f} people) lies inside the boundary: wrong file or wrong "
            "coordinate system?",
            f"人口数据（{total:.0f}人）全部位于分析范围之外：文件或坐标系可能有误。",
        )


def _boundary_window(src: Any, grid_m: gpd.GeoDataFrame) -> Any:
    """The raster window over the grid's bounds, checked for size before anything is read."""
    from rasterio._err import CPLE_BaseError  # GDAL's "cannot find coordinate operations"
    from rasterio.errors import CRSError, WindowError
    from rasterio.warp import transform_bounds
    from rasterio.windows import Window, from_bounds

    bounds = tuple(grid_m.total_bounds)
    if src.crs.to_epsg() != grid_m.crs.to_epsg():
        try:
            bounds = transform_bounds(grid_m.crs, src.crs, *bounds, densify_pts=21)
        except (CRSError, CPLE_BaseError) as exc:  # a LOCAL_CS / engineering system: no way to the earth
            raise InputError(
                f"The population raster's coordinate system ({src.crs.to_string()[:80]}) is a local system with "
                "no link to longitude and latitude: save it in the system its numbers are really in.",
                "人口栅格的坐标系是与经纬度没有关联的本地坐标系，无法换算：请按数据实际所用的坐标系另存后再导入。",
            ) from exc
    try:
        w = from_bounds(*bounds, transform=src.transform)
        c0, r0 = np.floor(w.col_off), np.floor(w.row_off)
        c1, r1 = np.ceil(w.col_off + w.width), np.ceil(w.row_off + w.height)
        win = Window(c0, r0, c1 - c0, r1 - r0).intersection(Window(0, 0, src.width, src.height))
    except WindowError as exc:
        raise InputError(
            "The population raster does not overlap the boundary: wrong file or wrong coordinate system?",
            "人口栅格与分析范围不重叠：文件或坐标系可能有误。",
        ) from exc
    pixels = int(win.width) * int(win.height)
    if pixels > MAX_RASTER_PIXELS:
        raise InputError(
            f"The population raster has {pixels:,} pixels over the boundary (at most {MAX_RASTER_PIXELS:,}): "
            "resample it to coarser pixels (e.g. 10-100 m) first.",
            f"人口栅格在分析范围内有{pixels:,}个像元（最多{MAX_RASTER_PIXELS:,}个），请先重采样为较粗的像元（例如10至100米）。",
        )
    return win


def make_grid(boundary_m: shapely.Geometry, cell: float = 50.0, epsg: int = METRIC_EPSG) -> gpd.GeoDataFrame:
    """Cells of ``cell`` metres clipped to a metric boundary (a geometry in the metric CRS ``epsg``)."""

    if not cell > 0:
        raise InputError("Grid cell size must be positive.", "网格尺寸必须为正数。")
    minx, miny, maxx, maxy = boundary_m.bounds
    nx = max(1, int(np.ceil((maxx - minx) / cell)))
    ny = max(1, int(np.ceil((maxy - miny) / cell)))
    if nx * ny > 4_000_000:
        raise InputError(
            f"Grid of {nx * ny} cells is too large; use a larger cell.", "网格过多，请增大网格尺寸。"
        )
    ii, jj = np.meshgrid(np.arange(nx), np.arange(ny))
    x0 = minx + ii.ravel() * cell
    y0 = miny + jj.ravel() * cell
    boxes = shapely.box(x0, y0, x0 + cell, y0 + cell)
    shapely.prepare(boundary_m)
    inside = shapely.intersects(boundary_m, boxes)
    boxes = boxes[inside]
    contained = shapely.contains_properly(boundary_m, boxes)
    clipped = boxes.copy()
    clipped[~contained] = shapely.intersection(boxes[~contained], boundary_m)
    area = shapely.area(clipped)
    keep = area > 1e-6
    g = gpd.GeoDataFrame(
        {"col": ii.ravel()[inside][keep], "row": jj.ravel()[inside][keep], "area_m2": area[keep]},
        geometry=clipped[keep],
        crs=epsg_crs(epsg),
    )
    g.insert(0, "cell_id", np.arange(len(g)))
    g.attrs["raster"] = (float(minx), float(miny), float(cell), int(nx), int(ny))
    return g


def cells_to_polygons(
    grid_m: gpd.GeoDataFrame,
    mask: BoolArray,
    boundary_m: shapely.Geometry,
    raster: tuple[float, float, float, int, int] | None = None,
) -> ObjectArray:
    """Polygons covering the cells selected by ``mask``, as a raster.

    The selected cells are burnt into a (rows x cols) array and traced with
    ``rasterio.features.shapes`` (4-connected, like a union of squares: cells
    touching only at a corner are separate parts), then clipped to the
    boundary where a part is not wholly inside it. Equal in area to the union
    of the clipped cells, in a fraction of the time. Returns single polygons.
    ``raster`` is ``(minx, miny, cell, ncols, nrows)`` of the grid (default:
    what :func:`make_grid` stored in ``grid_m.attrs``).
    """
    from rasterio.features import shapes
    from rasterio.transform import Affine

    mask = np.asarray(mask, dtype=bool)
    if not mask.any():
        return np.empty(0, dtype=object)
    minx, miny, cell, nx, ny = raster if raster is not None else grid_m.attrs["raster"]
    arr = np.zeros((ny, nx), dtype=np.uint8)
    rows = grid_m["row"].to_numpy()[mask]
    cols = grid_m["col"].to_numpy()[mask]
    arr[ny - 1 - rows, cols] = 1  # raster row 0 is the top
    tr = Affine(cell, 0.0, minx, 0.0, -cell, miny + ny * cell)
    shapes_ = [shapely.geometry.shape(g) for g, v in shapes(arr, mask=arr == 1, connectivity=4, transform=tr)]
    polys: ObjectArray = np.asarray(shapes_, dtype=object)
    shapely.prepare(boundary_m)
    inside = shapely.contains_properly(boundary_m, polys)
    if not inside.all():
        clipped = shapely.intersection(polys[~inside], boundary_m)
        polys = np.concatenate([polys[inside], shapely.get_parts(clipped)])
    polys = polys[shapely.get_type_id(polys) == 3]
    kept: ObjectArray = polys[shapely.area(polys) > 1e-6]
    return kept


# ------------------------------------------------------------ population
def population_to_cells(
    grid_m: gpd.GeoDataFrame,
    population: Any,
    *,
    pop_field: str | None = None,
    cell: float | None = None,
) -> tuple[FloatArray, list[str]]:
    """Population per grid cell from a raster path or polygons with a field.

    Returns (array, messages). A raster in another CRS than the grid's is
    reprojected by pixel centres (a warning says so); a raster without a CRS
    is refused.
    """

    msgs: list[str] = []
    if isinstance(population, gpd.GeoDataFrame):
        pop = to_metric_gdf(population, "population", grid_m.crs.to_epsg())
        if pop_field is None:
            pop_field = next((c for c in POP_CANDIDATES if c in pop.columns), None)
        if pop_field is None or pop_field not in pop.columns:
            numeric = [
                c for c in pop.columns if c != pop.geometry.name and pd.api.types.is_numeric_dtype(pop[c])
            ]
            raise InputError(
                f"Population polygons need a population field (--pop-field); numeric columns: {numeric}",
                f"人口面数据需要人口字段；数值列：{numeric}",
            )
        values = pd.to_numeric(pop[pop_field], errors="coerce")
        if values.isna().any() or (values < 0).any():
            raise InputError(
                f"Population field {pop_field!r} has missing or negative values.",
                f"人口字段 {pop_field!r} 有缺失或负值。",
            )
        pop = pop.assign(_pop=values.values, _parea=pop.geometry.area.values)
        pop = pop[pop["_parea"] > 0]
        cells = grid_m[["cell_id", "geometry"]]
        inter = gpd.overlay(
            cells, pop[["_pop", "_parea", "geometry"]], how="intersection", keep_geom_type=True
        )
        inter["_share"] = inter["_pop"] * inter.geometry.area / inter["_parea"]
        out = np.zeros(len(grid_m))
        sums = inter.groupby("cell_id")["_share"].sum()
        out[sums.index.to_numpy()] = sums.to_numpy()
        _nothing_inside(float(values.sum()), float(out.sum()))
        outside = float(values.sum() - out.sum())
        if values.sum() > 0 and outside / values.sum() > 0.001:
            msgs.append(
                f"{outside:.0f} people ({100 * outside / values.sum():.1f}%) lie outside the boundary and were ignored"
            )
        return out, msgs
    # raster: a path, or the bytes of an uploaded GeoTIFF
    import rasterio
    import rasterio.io

    in_memory = isinstance(population, bytes | bytearray)  # an upload: read in memory, never a temp file
    label = "(uploaded)" if in_memory else population
    try:
        src = rasterio.io.MemoryFile(bytes(population)).open() if in_memory else rasterio.open(population)
    except Exception as exc:
        raise InputError(
            f"Cannot read population raster {label}: {exc}", f"无法读取人口栅格 {label}：{exc}"
        ) from exc
    with src:
        if src.crs is None:
            raise InputError(f"Population raster {label} has no CRS.", f"人口栅格 {label} 没有坐标参考系。")
        win = _boundary_window(src, grid_m)  # only the part over the boundary, and never gigabytes
        data = src.read(1, window=win, masked=True).astype(float)
        arr = np.ma.filled(data, 0.0)
        arr[~np.isfinite(arr)] = 0.0
        if (arr < 0).any():
            raise InputError("Population raster has negative values.", "人口栅格有负值。")
        rows, cols = np.nonzero(arr > 0)
        vals = arr[rows, cols]
        xs, ys = rasterio.transform.xy(src.window_transform(win), rows, cols, offset="center")
        xs, ys = np.asarray(xs, dtype=float), np.asarray(ys, dtype=float)
        epsg, metric = src.crs.to_epsg(), grid_m.crs.to_epsg()
        if epsg != metric:
            msg = Notice(
                f"Population raster CRS is {src.crs.to_string()}, not EPSG:{metric}: pixel centres were "
                f"reprojected and each pixel counted in the cell holding its centre.",
                f"人口栅格的坐标系不是 EPSG:{metric}：已把像元中心转换到该坐标系，"
                "每个像元的人口计入其中心所在的分析格网。",
            )
            msgs.append(msg)
            warnings.warn(msg, CoverageWarning, stacklevel=3)
            t = transformer(src.crs.to_string(), metric)
            xs, ys = t.transform(xs, ys)
        px = abs(src.transform.a) if epsg == metric else None
    out = np.zeros(len(grid_m))
    if len(vals):
        tree = shapely.STRtree(grid_m.geometry.values)
        pi, ci = tree.query(shapely.points(xs, ys), predicate="intersects")
        first = np.unique(pi, return_index=True)[1]
        np.add.at(out, ci[first], vals[pi[first]])
        total = vals.sum()
        _nothing_inside(float(total), float(out.sum()))
        outside = total - out.sum()
        if total > 0 and outside / total > 0.001:
            msgs.append(
                f"{outside:.0f} people ({100 * outside / total:.1f}%) of the raster lie outside the boundary"
            )
    if px and cell and px > cell:
        msgs.append(
            f"Raster pixels ({px:.0f} m) are coarser than grid cells ({cell:.0f} m): population is lumpy"
        )
    return out, msgs

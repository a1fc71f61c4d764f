"""Coverage engine: 15-minute life-circle analysis by service radius or walking network.

Inputs are GeoDataFrames with a CRS (any; computed in EPSG:4548), outputs are
GeoDataFrames in WGS84 plus pandas statistics. Pure: no streamlit, no folium.

Public API
----------
``radius_coverage(facilities, standards=None, boundary=None, **opts) -> CoverageResult``
    服务半径 mode: coverage is the union of radius buffers, clipped to the
    boundary (default: the district, ``geodata.load("district")``).
``network_coverage(net, facilities, standards=None, boundary=None, **opts) -> CoverageResult``
    Walking-network mode (:class:`renewal.network.WalkNetwork`): one
    multi-source Dijkstra per category with the category's cut-off.
``what_if(result, add=None, remove=None, geometry=False) -> CoverageResult``
    Add facilities (only the new facility's own search, combined with the
    stored distances) or remove some (their categories are re-run); the new
    result carries ``delta`` (before/after statistics).
``greedy_siting(result, candidates, category, k) -> GeoDataFrame``
    Choose ``k`` candidate sites that add the most covered population (or
    land when no population is given), greedily.
``accessibility(facilities, origins, net=None, **opts) -> GeoDataFrame``
    Per origin: distance to the nearest facility (per category) and its id.

Common options: ``category_col`` (default ``"category"``; values matched to
the standards by key, Chinese name or alias), ``id_col`` (facility id; default
the first of id/fid/facility_id/name/名称, else the row number), ``cell``
(grid cell size, 50 m), ``population`` (a GeoTIFF path read with rasterio, or
polygons with ``pop_field``), ``zones`` (polygons; ``zone_field``),
``cutoffs`` (override distances per category), ``max_snap`` (m, network
mode; farther facilities and grid cells are refused and counted).

Definitions
-----------
* Grid: square cells of ``cell`` metres anchored at the boundary's lower-left
  corner, clipped to the boundary; a cell's distance is that of its clipped
  centroid (the "home" of the cell). In network mode the distance includes the
  straight legs from the cell centroid and from the facility to the network.
* Land share: radius mode - exact area of the clipped buffer union over the
  boundary area; network mode - area of covered cells over all cells.
* Population share: population summed over covered cells (raster pixels are
  assigned to the cell that holds their centre; polygons are spread over cells
  by area).
* Zone statistics: cell-based in both modes (a cell belongs to the zone
  holding its centroid; cells outside every zone are left out).
* Wrong-CRS guard: facilities all farther than 5 km from the boundary, or a
  network whose extent misses the boundary, are refused.
* Gaps: radius mode - the boundary minus the coverage; network mode - the
  union of uncovered cells. One row per part.
* Catchments: radius mode - each facility's buffer clipped to the boundary
  (they overlap). Network mode - the reached edge pieces (partial edges cut at
  the remaining distance) attributed to the nearest facility and buffered by
  ``width`` (25 m): a partition, not convex hulls.
"""

from __future__ import annotations

import copy
import logging
import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import shapely

from renewal.crs import METRIC_CRS, METRIC_EPSG, STORAGE_EPSG
from renewal.errors import InputError
from renewal.network import TOL, NetworkWarning, Snap, WalkNetwork, catchment_polygons
from renewal.standards import Standards, load_standards

log = logging.getLogger(__name__)

ID_CANDIDATES = ("id", "fid", "facility_id", "name", "名称")
POP_CANDIDATES = ("population", "pop", "人口", "常住人口")
ZONE_CANDIDATES = ("name", "名称", "zone", "id")


class CoverageWarning(UserWarning):
    """Data was dropped, refused or reprojected during a coverage run."""


# ------------------------------------------------------------------ state
@dataclass
class _Cat:
    key: str
    name_zh: str
    cutoff: float
    fac: object  # GeoDataFrame (metric) of this category's facilities
    fsnap: Snap | None = None
    nd: object = None  # NodeDistances
    dist: np.ndarray | None = None  # per cell
    near: np.ndarray | None = None  # per cell: row in fac, -1


@dataclass
class _Ctx:
    mode: str
    net: WalkNetwork | None
    standards: Standards
    boundary: object  # shapely, metric
    grid: object  # GeoDataFrame metric
    cell_xy: np.ndarray
    cell_area: np.ndarray
    cell_pop: np.ndarray | None
    cell_zone: np.ndarray | None
    zone_names: list
    cell_snap: Snap | None
    opts: dict


@dataclass
class CoverageResult:
    """What the coverage page shows. GeoDataFrames are WGS84.

    ``catchments`` (category, name_zh, facility_id, cutoff_m, area_m2),
    ``gaps`` (category, name_zh, area_m2; one row per part), ``grid`` (one row
    per cell: cell_id, area_m2, [population], [zone], and per category
    ``<key>_dist_m``, ``<key>_covered``, ``<key>_facility``; built on first
    access), ``stats`` (one row per category), ``zone_stats`` (zone x
    category, when zones were given), ``warnings`` (what was dropped or
    refused), ``delta`` (after :func:`what_if`: before/after statistics).
    """

    mode: str
    catchments: object
    gaps: object
    stats: pd.DataFrame
    zone_stats: pd.DataFrame | None = None
    warnings: list[str] = field(default_factory=list)
    delta: pd.DataFrame | None = None
    _ctx: _Ctx | None = field(default=None, repr=False)
    _cats: dict | None = field(default=None, repr=False)
    _grid: object = field(default=None, repr=False)

    @property
    def grid(self):
        if self._grid is None and self._ctx is not None:
            self._grid = _grid_output(self._ctx, self._cats)
        return self._grid


# --------------------------------------------------------------- inputs
def _to_metric_gdf(gdf, what):
    import geopandas as gpd

    if not isinstance(gdf, gpd.GeoDataFrame | gpd.GeoSeries):
        raise InputError(f"{what}: expected a GeoDataFrame", f"{what}：需要地理数据表")
    if gdf.crs is None:
        raise InputError(
            f"The {what} layer has no coordinate reference system (CRS).",
            f"{what}图层没有坐标参考系（CRS）。",
        )
    if isinstance(gdf, gpd.GeoSeries):
        gdf = gpd.GeoDataFrame(geometry=gdf)
    gdf = gdf[gdf.geometry.notna() & ~gdf.geometry.is_empty]
    return gdf.to_crs(METRIC_EPSG)


def _boundary_metric(boundary):
    import geopandas as gpd

    if boundary is None:
        import geodata

        boundary = geodata.load("district")
    if isinstance(boundary, shapely.Geometry):
        boundary = gpd.GeoSeries([boundary], crs=STORAGE_EPSG)
    b = _to_metric_gdf(boundary, "boundary")
    if len(b) == 0:
        raise InputError("The boundary is empty.", "边界为空。")
    geom = shapely.make_valid(shapely.union_all(b.geometry.values))
    if geom.area <= 0:
        raise InputError("The boundary has no area (not a polygon).", "边界没有面积（不是面要素）。")
    return geom


def _points_xy(gdf_m) -> np.ndarray:
    g = gdf_m.geometry.values
    pts = np.where(shapely.get_type_id(g) == 0, g, shapely.point_on_surface(g))
    return shapely.get_coordinates(pts).reshape(-1, 2)


def _facility_ids(gdf, id_col):
    if id_col is None:
        for c in ID_CANDIDATES:
            if c in gdf.columns and gdf[c].notna().all() and gdf[c].is_unique:
                id_col = c
                break
    if id_col is None:
        return pd.Series([f"F{i + 1}" for i in range(len(gdf))], index=gdf.index), None
    if id_col not in gdf.columns:
        raise InputError(f"Facility id column {id_col!r} not found", f"找不到设施编号列 {id_col!r}")
    return gdf[id_col].astype(str), id_col


def prepare_facilities(facilities, standards: Standards, *, category_col="category", id_col=None,
                       categories=None, cutoffs=None, mode="network"):
    """Metric facilities with ``facility_id`` and ``category`` (a standards key).

    Rows whose category is not in the standards are dropped with a warning
    unless a cut-off for that raw value is in ``cutoffs``.
    """
    gdf = _to_metric_gdf(facilities, "facilities").copy()
    if len(gdf) == 0:
        raise InputError("The facilities layer has no features.", "设施图层没有要素。")
    ids, _ = _facility_ids(gdf, id_col)
    gdf["facility_id"] = ids.values
    cutoffs = dict(cutoffs or {})
    msgs = []
    if category_col not in gdf.columns:
        if len(cutoffs) == 1:
            gdf["category"] = next(iter(cutoffs))
        else:
            raise InputError(
                f"The facilities have no {category_col!r} column; give --category-field or one cut-off.",
                f"设施没有类别列 {category_col!r}；请指定类别字段或给出一个距离阈值。",
            )
    else:
        raw = gdf[category_col]
        keys = [standards.resolve(v) or (str(v) if str(v) in cutoffs else None) for v in raw]
        gdf["category"] = keys
        unknown = sorted({str(v) for v, k in zip(raw, keys, strict=True) if k is None})
        if unknown:
            n = sum(k is None for k in keys)
            msgs.append(f"{n} facilities with categories not in the standards were skipped: {unknown}")
            warnings.warn(msgs[-1], CoverageWarning, stacklevel=3)
        gdf = gdf[gdf["category"].notna()]
    if categories:
        gdf = gdf[gdf["category"].isin(categories)]
    if len(gdf) == 0:
        raise InputError("No facilities of a known category.", "没有属于已定义类别的设施。")
    return gdf.reset_index(drop=True), msgs


def _cutoff(standards, key, mode, cutoffs):
    if cutoffs and key in cutoffs:
        return float(cutoffs[key])
    return standards.distance(key, mode)


def make_grid(boundary_m, cell: float = 50.0):
    """Cells of ``cell`` metres clipped to a metric boundary (GeoDataFrame, EPSG:4548)."""
    import geopandas as gpd

    if not cell > 0:
        raise InputError("Grid cell size must be positive.", "网格尺寸必须为正数。")
    minx, miny, maxx, maxy = boundary_m.bounds
    nx = max(1, int(np.ceil((maxx - minx) / cell)))
    ny = max(1, int(np.ceil((maxy - miny) / cell)))
    if nx * ny > 4_000_000:
        raise InputError(f"Grid of {nx * ny} cells is too large; use a larger cell.", "网格过多，请增大网格尺寸。")
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
        crs=METRIC_CRS,
    )
    g.insert(0, "cell_id", np.arange(len(g)))
    return g


# ------------------------------------------------------------ population
def population_to_cells(grid_m, population, *, pop_field=None, cell=None):
    """Population per grid cell from a raster path or polygons with a field.

    Returns (array, messages). A raster in another CRS than EPSG:4548 is
    reprojected by pixel centres (a warning says so); a raster without a CRS
    is refused.
    """
    import geopandas as gpd

    msgs = []
    if isinstance(population, gpd.GeoDataFrame):
        pop = _to_metric_gdf(population, "population")
        if pop_field is None:
            pop_field = next((c for c in POP_CANDIDATES if c in pop.columns), None)
        if pop_field is None or pop_field not in pop.columns:
            numeric = [c for c in pop.columns if c != pop.geometry.name and pd.api.types.is_numeric_dtype(pop[c])]
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
        inter = gpd.overlay(cells, pop[["_pop", "_parea", "geometry"]], how="intersection", keep_geom_type=True)
        inter["_share"] = inter["_pop"] * inter.geometry.area / inter["_parea"]
        out = np.zeros(len(grid_m))
        sums = inter.groupby("cell_id")["_share"].sum()
        out[sums.index.to_numpy()] = sums.to_numpy()
        outside = float(values.sum() - out.sum())
        if values.sum() > 0 and outside / values.sum() > 0.001:
            msgs.append(f"{outside:.0f} people ({100 * outside / values.sum():.1f}%) lie outside the boundary and were ignored")
        return out, msgs
    # raster
    import rasterio

    from renewal.crs import transformer

    try:
        src = rasterio.open(population)
    except Exception as exc:
        raise InputError(f"Cannot read population raster {population}: {exc}",
                         f"无法读取人口栅格 {population}：{exc}") from exc
    with src:
        if src.crs is None:
            raise InputError(
                f"Population raster {population} has no CRS.", f"人口栅格 {population} 没有坐标参考系。"
            )
        data = src.read(1, masked=True).astype(float)
        arr = np.ma.filled(data, 0.0)
        arr[~np.isfinite(arr)] = 0.0
        if (arr < 0).any():
            raise InputError("Population raster has negative values.", "人口栅格有负值。")
        rows, cols = np.nonzero(arr > 0)
        vals = arr[rows, cols]
        xs, ys = rasterio.transform.xy(src.transform, rows, cols, offset="center")
        xs, ys = np.asarray(xs, dtype=float), np.asarray(ys, dtype=float)
        epsg = src.crs.to_epsg()
        if epsg != METRIC_EPSG:
            msg = (f"Population raster CRS is {src.crs.to_string()}, not EPSG:{METRIC_EPSG}: pixel centres were "
                   f"reprojected and each pixel counted in the cell holding its centre.")
            msgs.append(msg)
            warnings.warn(msg, CoverageWarning, stacklevel=3)
            t = transformer(src.crs.to_string(), METRIC_EPSG)
            xs, ys = t.transform(xs, ys)
        px = abs(src.transform.a) if epsg == METRIC_EPSG else None
    out = np.zeros(len(grid_m))
    if len(vals):
        tree = shapely.STRtree(grid_m.geometry.values)
        pi, ci = tree.query(shapely.points(xs, ys), predicate="intersects")
        first = np.unique(pi, return_index=True)[1]
        np.add.at(out, ci[first], vals[pi[first]])
        total = vals.sum()
        outside = total - out.sum()
        if total > 0 and outside / total > 0.001:
            msgs.append(f"{outside:.0f} people ({100 * outside / total:.1f}%) of the raster lie outside the boundary")
    if px and cell and px > cell:
        msgs.append(f"Raster pixels ({px:.0f} m) are coarser than grid cells ({cell:.0f} m): population is lumpy")
    return out, msgs


# ------------------------------------------------------------ engine
def _prepare_ctx(mode, net, standards, boundary, *, cell, population, pop_field, zones, zone_field,
                 max_snap, width, count_snap):
    b = _boundary_metric(boundary)
    grid = make_grid(b, cell)
    cents = shapely.centroid(grid.geometry.values)
    cell_xy = shapely.get_coordinates(cents).reshape(-1, 2)
    msgs = []
    cell_pop = None
    if population is not None:
        cell_pop, m = population_to_cells(grid, population, pop_field=pop_field, cell=cell)
        msgs += m
    cell_zone, zone_names = None, []
    if zones is not None:
        z = _to_metric_gdf(zones, "zones").reset_index(drop=True)
        if len(z) == 0:
            raise InputError("The zones layer has no features.", "分区图层没有要素。")
        if zone_field is None:
            zone_field = next((c for c in ZONE_CANDIDATES if c in z.columns), None)
        if zone_field is not None and zone_field not in z.columns:
            raise InputError(f"Zone field {zone_field!r} not found", f"找不到分区字段 {zone_field!r}")
        zone_names = list(z[zone_field].astype(str)) if zone_field else [f"Z{i + 1}" for i in range(len(z))]
        tree = shapely.STRtree(z.geometry.values)
        pi, zi = tree.query(cents, predicate="within")
        cell_zone = np.full(len(grid), -1, dtype=np.int64)
        first = np.unique(pi, return_index=True)[1]
        cell_zone[pi[first]] = zi[first]
    cell_snap = None
    if mode == "network":
        cell_snap = net.snap(cell_xy, max_snap=max_snap)
        if cell_snap.n_refused:
            msgs.append(f"{cell_snap.n_refused} of {len(grid)} grid cells are farther than {max_snap:.0f} m "
                        f"from the network and count as not covered")
    return _Ctx(mode, net, standards, b, grid, cell_xy, grid["area_m2"].to_numpy(), cell_pop, cell_zone,
                zone_names, cell_snap, dict(max_snap=max_snap, width=width, count_snap=count_snap, cell=cell)), msgs


#: Facilities farther than this outside the boundary suggest a wrong CRS.
FAR_OUTSIDE_M = 5000.0


def _check_overlap(ctx: _Ctx, fac) -> list[str]:
    """Refuse inputs that cannot belong together (a wrong CRS, swapped lon/lat)."""
    msgs = []
    d = shapely.distance(ctx.boundary, shapely.points(_points_xy(fac)))
    far = d > FAR_OUTSIDE_M
    if far.all():
        raise InputError(
            f"None of the {len(fac)} facilities lies within {FAR_OUTSIDE_M / 1000:.0f} km of the boundary "
            f"(nearest {d.min() / 1000:.1f} km): wrong CRS, swapped lon/lat, or the wrong file?",
            f"所有设施都在边界 {FAR_OUTSIDE_M / 1000:.0f} 公里以外（最近 {d.min() / 1000:.1f} 公里）："
            f"坐标系错误、经纬度颠倒或文件不对？",
        )
    if far.any():
        msgs.append(f"{int(far.sum())} facilities lie more than {FAR_OUTSIDE_M / 1000:.0f} km outside the boundary: "
                    f"{list(fac['facility_id'][far][:10])}")
        warnings.warn(msgs[-1], CoverageWarning, stacklevel=4)
    if ctx.net is not None:
        bx = shapely.box(*ctx.net.bounds())
        if not bx.intersects(ctx.boundary):
            raise InputError(
                "The walking network does not overlap the boundary: wrong CRS or the wrong area?",
                "步行路网与边界不重叠：坐标系错误或区域不对？",
            )
    return msgs


def _run_category(ctx: _Ctx, cat: _Cat) -> list[str]:
    msgs = []
    xy = _points_xy(cat.fac)
    if ctx.mode == "radius":
        tree = shapely.STRtree(shapely.points(xy))
        (ci, fi), d = tree.query_nearest(shapely.points(ctx.cell_xy), return_distance=True, all_matches=False)
        dist = np.full(len(ctx.cell_xy), np.inf)
        near = np.full(len(ctx.cell_xy), -1, dtype=np.int64)
        dist[ci], near[ci] = d, fi
    else:
        net = ctx.net
        cat.fsnap = net.snap(xy, max_snap=ctx.opts["max_snap"])
        if cat.fsnap.n_refused:
            bad = list(cat.fac["facility_id"].to_numpy()[~cat.fsnap.ok][:10])
            msgs.append(f"{cat.key}: {cat.fsnap.n_refused} facilities farther than {ctx.opts['max_snap']:.0f} m "
                        f"from the network were refused: {bad}")
            warnings.warn(msgs[-1], NetworkWarning, stacklevel=3)
        cat.nd = net.node_distances(cat.fsnap, cat.cutoff, count_snap=ctx.opts["count_snap"])
        dist, near = net.point_distances(cat.nd, cat.fsnap, ctx.cell_snap, count_snap=ctx.opts["count_snap"])
    cat.dist, cat.near = dist, near
    return msgs


def _covered(cat):
    return cat.dist <= cat.cutoff + TOL


def _category_stats(ctx: _Ctx, cat: _Cat, cover_geom=None) -> dict:
    cov = _covered(cat)
    total = float(ctx.cell_area.sum())
    if ctx.mode == "radius" and cover_geom is not None:
        land_total = float(ctx.boundary.area)
        land_cov = min(float(cover_geom.area), land_total)  # float noise of the overlay
    else:
        land_total, land_cov = total, float(ctx.cell_area[cov].sum())
    c = ctx.standards.categories.get(cat.key)
    row = {
        "category": cat.key,
        "name_zh": cat.name_zh,
        "life_circle": c.life_circle if c else "",
        "mode": ctx.mode,
        "cutoff_m": cat.cutoff,
        "n_facilities": int(len(cat.fac)),
        "n_refused": int(cat.fsnap.n_refused) if cat.fsnap is not None else 0,
        "land_area_m2": round(land_total, 1),
        "covered_area_m2": round(land_cov, 1),
        "land_share": land_cov / land_total if land_total > 0 else np.nan,
    }
    if ctx.cell_pop is not None:
        p = float(ctx.cell_pop.sum())
        pc = float(ctx.cell_pop[cov].sum())
        row.update(population=p, covered_population=pc, population_share=pc / p if p > 0 else np.nan)
    if c:
        row.update(clause=c.clause, verified=c.verified)
    return row


def _zone_stats(ctx: _Ctx, cats: dict) -> pd.DataFrame | None:
    if ctx.cell_zone is None:
        return None
    rows = []
    nz = len(ctx.zone_names)
    z = ctx.cell_zone
    inz = z >= 0
    area = np.bincount(z[inz], weights=ctx.cell_area[inz], minlength=nz)
    pop = np.bincount(z[inz], weights=ctx.cell_pop[inz], minlength=nz) if ctx.cell_pop is not None else None
    for cat in cats.values():
        cov = _covered(cat) & inz
        acov = np.bincount(z[cov], weights=ctx.cell_area[cov], minlength=nz)
        pcov = np.bincount(z[cov], weights=ctx.cell_pop[cov], minlength=nz) if pop is not None else None
        for i, name in enumerate(ctx.zone_names):
            r = {"zone": name, "category": cat.key, "name_zh": cat.name_zh, "cutoff_m": cat.cutoff,
                 "land_area_m2": round(area[i], 1), "covered_area_m2": round(acov[i], 1),
                 "land_share": acov[i] / area[i] if area[i] > 0 else np.nan}
            if pop is not None:
                r.update(population=pop[i], covered_population=pcov[i],
                         population_share=pcov[i] / pop[i] if pop[i] > 0 else np.nan)
            rows.append(r)
    return pd.DataFrame(rows)


def _category_geometries(ctx: _Ctx, cat: _Cat):
    """(catchment rows, coverage geometry, gap geometry) in metric CRS."""
    fac = cat.fac
    rows = []
    if ctx.mode == "radius":
        xy = _points_xy(fac)
        bufs = shapely.buffer(shapely.points(xy), cat.cutoff, quad_segs=16)
        clipped = shapely.intersection(bufs, ctx.boundary)
        cover = shapely.union_all(clipped)
        gaps = shapely.difference(ctx.boundary, cover)
        polys = clipped
    else:
        geoms, who = ctx.net.catchment_pieces(cat.nd, cat.fsnap, count_snap=ctx.opts["count_snap"])
        polys = catchment_polygons(geoms, who, len(fac), width=ctx.opts["width"])
        has = np.array([p is not None for p in polys], dtype=bool)
        polys = np.where(has, polys, None)
        polys[has] = shapely.intersection(polys[has], ctx.boundary)
        cov = _covered(cat)
        cover = shapely.union_all(ctx.grid.geometry.values[cov]) if cov.any() else shapely.Polygon()
        gaps = shapely.union_all(ctx.grid.geometry.values[~cov]) if (~cov).any() else shapely.Polygon()
    for i, p in enumerate(polys):
        if p is None or p.is_empty:
            continue
        rows.append({"category": cat.key, "name_zh": cat.name_zh, "facility_id": fac["facility_id"].iat[i],
                     "cutoff_m": cat.cutoff, "area_m2": round(p.area, 1), "geometry": p})
    return rows, cover, gaps


def _assemble(ctx: _Ctx, cats: dict, msgs, *, geometry=True, old: CoverageResult | None = None,
              changed: set | None = None) -> CoverageResult:
    import geopandas as gpd

    stats_rows, catch_rows, gap_rows = [], [], []
    old_stats = old.stats.set_index("category") if old is not None and changed is not None else None
    for key, cat in cats.items():
        if old_stats is not None and key not in changed and key in old_stats.index:
            stats_rows.append({"category": key, **old_stats.loc[key].to_dict()})
            continue
        redo = geometry and (old is None or changed is None or key in changed)
        cover = None
        if redo:
            rows, cover, gaps = _category_geometries(ctx, cat)
            catch_rows += rows
            for part in shapely.get_parts(gaps):
                if part.area > 1e-6:
                    gap_rows.append({"category": key, "name_zh": cat.name_zh, "area_m2": round(part.area, 1),
                                     "geometry": part})
        elif ctx.mode == "radius":
            # the union of buffers is needed for the exact land share
            xy = _points_xy(cat.fac)
            cover = shapely.intersection(
                shapely.union_all(shapely.buffer(shapely.points(xy), cat.cutoff, quad_segs=16)), ctx.boundary)
        stats_rows.append(_category_stats(ctx, cat, cover))
    stats = pd.DataFrame(stats_rows)

    def to_gdf(rows, cols):
        if not rows:
            return gpd.GeoDataFrame({c: [] for c in cols}, geometry=[], crs=METRIC_CRS).to_crs(STORAGE_EPSG)
        return gpd.GeoDataFrame(rows, geometry="geometry", crs=METRIC_CRS).to_crs(STORAGE_EPSG)

    if geometry and old is not None and changed is not None:
        keep_c = old.catchments[~old.catchments["category"].isin(changed)]
        keep_g = old.gaps[~old.gaps["category"].isin(changed)]
        catchments = pd.concat([keep_c, to_gdf(catch_rows, keep_c.columns[:-1])], ignore_index=True)
        gaps = pd.concat([keep_g, to_gdf(gap_rows, keep_g.columns[:-1])], ignore_index=True)
    elif geometry:
        catchments = to_gdf(catch_rows, ["category", "name_zh", "facility_id", "cutoff_m", "area_m2"])
        gaps = to_gdf(gap_rows, ["category", "name_zh", "area_m2"])
    else:
        catchments = old.catchments if old is not None else None
        gaps = old.gaps if old is not None else None
    return CoverageResult(ctx.mode, catchments, gaps, stats, _zone_stats(ctx, cats), list(msgs), None, ctx, cats)


def _grid_output(ctx: _Ctx, cats: dict):
    base = ctx.opts.get("_grid_wgs")
    if base is None:  # projected once per run; what-if only adds columns
        base = ctx.grid[["cell_id", "area_m2", "geometry"]].to_crs(STORAGE_EPSG)
        if ctx.cell_pop is not None:
            base.insert(2, "population", ctx.cell_pop)
        if ctx.cell_zone is not None:
            names = np.array(ctx.zone_names + [None], dtype=object)
            base.insert(2, "zone", names[ctx.cell_zone])
        ctx.opts["_grid_wgs"] = base
    cols = {}
    for key, cat in cats.items():
        cols[f"{key}_dist_m"] = np.where(np.isfinite(cat.dist), np.round(cat.dist, 1), np.nan)
        cols[f"{key}_covered"] = _covered(cat)
        ids = np.append(cat.fac["facility_id"].to_numpy(dtype=object), None)
        cols[f"{key}_facility"] = ids[cat.near]
    g = base.drop(columns="geometry").assign(**cols)
    g["geometry"] = base.geometry.values
    import geopandas as gpd

    return gpd.GeoDataFrame(g, geometry="geometry", crs=STORAGE_EPSG)


def _coverage(mode, net, facilities, standards, boundary, *, category_col="category", id_col=None,
              categories=None, cutoffs=None, cell=50.0, population=None, pop_field=None, zones=None,
              zone_field=None, max_snap=200.0, width=25.0, count_snap=True, geometry=True):
    standards = standards or load_standards()
    fac, msgs = prepare_facilities(facilities, standards, category_col=category_col, id_col=id_col,
                                   categories=categories, cutoffs=cutoffs, mode=mode)
    ctx, m = _prepare_ctx(mode, net, standards, boundary, cell=cell, population=population, pop_field=pop_field,
                          zones=zones, zone_field=zone_field, max_snap=max_snap, width=width,
                          count_snap=count_snap)
    msgs += m
    msgs += _check_overlap(ctx, fac)
    if net is not None:
        rep = net.report
        if rep.get("dropped_components"):
            msgs.append(f"Network: kept the largest component, dropped {rep['dropped_components']} pieces "
                        f"({rep['dropped_edges']} edges, {rep['dropped_length_m']:.0f} m)")
    cats = {}
    for key in [k for k in standards.categories if k in set(fac["category"])] + sorted(
            set(fac["category"]) - set(standards.categories)):
        c = standards.categories.get(key)
        cat = _Cat(key, c.name_zh if c else key, _cutoff(standards, key, mode, cutoffs),
                   fac[fac["category"] == key].reset_index(drop=True))
        msgs += _run_category(ctx, cat)
        cats[key] = cat
    for msg in msgs:
        log.warning(msg)
    return _assemble(ctx, cats, msgs, geometry=geometry)


def radius_coverage(facilities, standards: Standards | None = None, boundary=None, **opts) -> CoverageResult:
    """Service-radius coverage; see the module docstring for options."""
    opts.pop("max_snap", None)
    return _coverage("radius", None, facilities, standards, boundary, **opts)


def network_coverage(net: WalkNetwork, facilities, standards: Standards | None = None, boundary=None,
                     **opts) -> CoverageResult:
    """Walking-network coverage; see the module docstring for options."""
    if net is None:
        raise InputError(
            "Network mode needs a walking network (--roads FILE or an imported network).",
            "步行网络模式需要路网（--roads 文件或已导入的路网）。",
        )
    return _coverage("network", net, facilities, standards, boundary, **opts)


# ------------------------------------------------------------ what-if
def _distances_from_new(ctx: _Ctx, cat: _Cat, xy):
    """Cell distances from one new facility at metric ``xy`` (and its node distances)."""
    if ctx.mode == "radius":
        d = np.hypot(ctx.cell_xy[:, 0] - xy[0], ctx.cell_xy[:, 1] - xy[1])
        return d, None, None
    net = ctx.net
    s = net.snap(np.array([xy]), max_snap=ctx.opts["max_snap"])
    if not s.ok[0]:
        return None, None, s
    nd = net.single_source(s, cat.cutoff, count_snap=ctx.opts["count_snap"])
    d, _ = net.point_distances(nd, s, ctx.cell_snap, count_snap=ctx.opts["count_snap"])
    return d, nd, s


def what_if(result: CoverageResult, add=None, remove=None, *, category_col="category", id_col=None,
            geometry: bool = False) -> CoverageResult:
    """Coverage after adding facilities (GeoDataFrame) and/or removing some (ids).

    Additions use only the new facility's own search combined with the stored
    distances; removals re-run the affected categories. ``geometry=True``
    also rebuilds the catchment and gap polygons of the changed categories.
    The returned result's ``delta`` compares the statistics.
    """
    import geopandas as gpd

    ctx = result._ctx
    if ctx is None:
        raise InputError("This result cannot be edited (no engine state).", "该结果不支持假设分析。")
    cats = {k: copy.copy(c) for k, c in result._cats.items()}
    changed: set = set()
    msgs = []
    if remove is not None and len(remove):
        remove = {str(r) for r in remove}
        found = set()
        for key, cat in list(cats.items()):
            mask = cat.fac["facility_id"].astype(str).isin(remove)
            if mask.any():
                found |= set(cat.fac["facility_id"][mask].astype(str))
                cat.fac = cat.fac[~mask].reset_index(drop=True)
                changed.add(key)
                if len(cat.fac) == 0:
                    cat.dist = np.full(len(ctx.cell_xy), np.inf)
                    cat.near = np.full(len(ctx.cell_xy), -1, dtype=np.int64)
                    if ctx.mode == "network":
                        cat.fsnap = ctx.net.snap(np.empty((0, 2)))
                        cat.nd = ctx.net.node_distances(cat.fsnap, cat.cutoff)
                else:
                    msgs += _run_category(ctx, cat)
        missing = remove - found
        if missing:
            raise InputError(f"Facilities to remove not found: {sorted(missing)}",
                             f"要删除的设施不存在：{sorted(missing)}")
    if add is not None and len(add):
        std = ctx.standards
        cutoffs = {k: c.cutoff for k, c in cats.items()}
        new, m = prepare_facilities(add, std, category_col=category_col, id_col=id_col, cutoffs=cutoffs,
                                    mode=ctx.mode)
        msgs += m
        if id_col is None and not any(c in getattr(add, "columns", []) for c in ID_CANDIDATES):
            new["facility_id"] = [f"NEW{i + 1}" for i in range(len(new))]
        xy = _points_xy(new)
        for i in range(len(new)):
            key = new["category"].iat[i]
            if key not in cats:
                c = std.category(key)
                empty = new.iloc[0:0]
                cats[key] = _Cat(key, c.name_zh, _cutoff(std, key, ctx.mode, None), empty,
                                 dist=np.full(len(ctx.cell_xy), np.inf),
                                 near=np.full(len(ctx.cell_xy), -1, dtype=np.int64))
                if ctx.mode == "network":
                    cats[key].fsnap = ctx.net.snap(np.empty((0, 2)))
                    cats[key].nd = ctx.net.node_distances(cats[key].fsnap, cats[key].cutoff)
            cat = cats[key]
            d, nd, s = _distances_from_new(ctx, cat, xy[i])
            if d is None:
                msgs.append(f"New facility {new['facility_id'].iat[i]} is off the network; not added")
                warnings.warn(msgs[-1], NetworkWarning, stacklevel=2)
                continue
            idx = len(cat.fac)
            cat.fac = pd.concat([cat.fac, new.iloc[[i]]], ignore_index=True)
            cat.fac = gpd.GeoDataFrame(cat.fac, geometry="geometry", crs=METRIC_CRS)
            better = d < cat.dist
            cat.dist = np.where(better, d, cat.dist)
            cat.near = np.where(better, idx, cat.near)
            if ctx.mode == "network":
                nb = nd.dist < cat.nd.dist
                from renewal.network import NodeDistances
                cat.nd = NodeDistances(np.where(nb, nd.dist, cat.nd.dist), np.where(nb, idx, cat.nd.source),
                                       cat.cutoff)
                fs = cat.fsnap
                cat.fsnap = Snap(np.append(fs.edge, s.edge), np.append(fs.offset, s.offset),
                                 np.append(fs.dist, s.dist), np.append(fs.ok, s.ok), fs.max_snap)
            changed.add(key)
    out = _assemble(ctx, cats, result.warnings + msgs, geometry=geometry, old=result, changed=changed)
    out.delta = _delta(result.stats, out.stats)
    return out


def _delta(before: pd.DataFrame, after: pd.DataFrame) -> pd.DataFrame:
    cols = ["category", "n_facilities", "land_share"] + (["population_share"] if "population_share" in after else [])
    b = before[[c for c in cols if c in before]].set_index("category")
    a = after[cols].set_index("category")
    d = a.join(b, lsuffix="_after", rsuffix="_before", how="outer")
    for c in cols[1:]:
        d[f"{c}_before"] = d[f"{c}_before"].fillna(0)
        d[f"delta_{c}"] = d[f"{c}_after"] - d[f"{c}_before"]
    return d.reset_index()


def greedy_siting(result: CoverageResult, candidates, category: str, k: int, *, id_col=None,
                  weight: str | None = None):
    """Choose ``k`` of ``candidates`` (points or polygons, e.g. renewal sites)
    for a new ``category`` facility, greedily maximising the newly covered
    population (``weight="population"``, the default when population was
    given) or land (``weight="area"``). Returns the chosen candidates (WGS84)
    in order with their marginal and cumulative gains."""
    import geopandas as gpd

    ctx = result._ctx
    std = ctx.standards
    key = std.resolve(category) or category
    if key not in result._cats and key not in std.categories:
        std.category(key)  # raises a clear error
    cat = result._cats.get(key)
    if cat is None:
        cutoff = _cutoff(std, key, ctx.mode, None)
        cat = _Cat(key, std.category(key).name_zh, cutoff, None, dist=np.full(len(ctx.cell_xy), np.inf))
    if weight is None:
        weight = "population" if ctx.cell_pop is not None else "area"
    if weight == "population" and ctx.cell_pop is None:
        raise InputError("Siting by population needs population data.", "按人口选址需要人口数据。")
    w = ctx.cell_pop if weight == "population" else ctx.cell_area
    cand = _to_metric_gdf(candidates, "candidates").reset_index(drop=True)
    if len(cand) == 0:
        raise InputError("No candidate sites.", "没有候选地块。")
    ids, _ = _facility_ids(cand, id_col)
    xy = _points_xy(cand)
    covered = _covered(cat).copy()
    reach = []
    for i in range(len(cand)):
        d, _nd, _s = _distances_from_new(ctx, cat, xy[i])
        reach.append(np.flatnonzero(d <= cat.cutoff + TOL) if d is not None else np.array([], dtype=np.int64))
    total_w = float(w.sum())
    chosen, rows = set(), []
    base = float(w[covered].sum())
    for rank in range(1, min(k, len(cand)) + 1):
        gains = np.array([-1.0 if i in chosen else float(w[r[~covered[r]]].sum()) for i, r in enumerate(reach)])
        best = int(np.argmax(gains))
        if gains[best] <= 0:
            break
        chosen.add(best)
        covered[reach[best]] = True
        base += gains[best]
        rows.append({"rank": rank, "candidate_id": ids.iat[best], "category": key, "gain": gains[best],
                     "weight": weight, "share_after": base / total_w if total_w else np.nan,
                     "geometry": cand.geometry.iat[best]})
    if not rows:
        return gpd.GeoDataFrame({"rank": [], "candidate_id": [], "gain": []}, geometry=[], crs=STORAGE_EPSG)
    return gpd.GeoDataFrame(rows, geometry="geometry", crs=METRIC_CRS).to_crs(STORAGE_EPSG)


# ------------------------------------------------------------ accessibility
def accessibility(facilities, origins, net: WalkNetwork | None = None, *, category_col="category",
                  id_col=None, max_snap=200.0, count_snap=True, cutoff=np.inf, standards=None):
    """Distance from each origin to the nearest facility (per category when
    the facilities have ``category_col``) and that facility's id.

    Network mode when ``net`` is given, else straight-line (radius) mode. The
    origins keep their own columns; new columns are ``dist_m`` / ``facility_id``
    or ``dist_m_<cat>`` / ``facility_id_<cat>``, and ``snap_m`` (network: the
    origin's distance to the network; origins beyond ``max_snap`` get no
    distance). Returns a WGS84 GeoDataFrame.
    """
    fac = _to_metric_gdf(facilities, "facilities").reset_index(drop=True)
    org = _to_metric_gdf(origins, "origins").reset_index(drop=True)
    if len(fac) == 0:
        raise InputError("The facilities layer has no features.", "设施图层没有要素。")
    if len(org) == 0:
        raise InputError("The origins layer has no features.", "起点图层没有要素。")
    ids, _ = _facility_ids(fac, id_col)
    ids = ids.to_numpy(dtype=object)
    fxy, oxy = _points_xy(fac), _points_xy(org)
    out = org.copy()
    groups = [(None, np.arange(len(fac)))]
    if category_col in fac.columns:
        cats = fac[category_col].astype(str)
        groups = [(c, np.flatnonzero(cats.to_numpy() == c)) for c in sorted(cats.unique())]
    osnap = None
    fsnap_all = None
    if net is not None:
        osnap = net.snap(oxy, max_snap=max_snap)
        fsnap_all = net.snap(fxy, max_snap=max_snap)
        out["snap_m"] = np.round(osnap.dist, 2)
        if osnap.n_refused:
            warnings.warn(f"{osnap.n_refused} origins are farther than {max_snap:.0f} m from the network "
                          f"and get no distance", NetworkWarning, stacklevel=2)
        if fsnap_all.n_refused:
            warnings.warn(f"{fsnap_all.n_refused} facilities are farther than {max_snap:.0f} m from the "
                          f"network and were ignored: {list(ids[~fsnap_all.ok][:10])}", NetworkWarning,
                          stacklevel=2)
    for name, idx in groups:
        sfx = "" if name is None else f"_{name}"
        if net is None:
            tree = shapely.STRtree(shapely.points(fxy[idx]))
            (oi, fi), d = tree.query_nearest(shapely.points(oxy), return_distance=True, all_matches=False)
            dist = np.full(len(org), np.nan)
            who = np.full(len(org), -1, dtype=np.int64)
            dist[oi], who[oi] = d, idx[fi]
            dist[dist > cutoff] = np.nan
        else:
            fs = fsnap_all.subset(idx)
            nd = net.node_distances(fs, cutoff, count_snap=count_snap)
            d, w = net.point_distances(nd, fs, osnap, count_snap=count_snap)
            dist = np.where(np.isfinite(d), d, np.nan)
            who = np.where(w >= 0, idx[np.clip(w, 0, None)], -1)
        out[f"dist_m{sfx}"] = np.round(dist, 2)
        out[f"facility_id{sfx}"] = np.append(ids, None)[who]
    cols = [c for c in out.columns if c != out.geometry.name] + [out.geometry.name]
    return out[cols].to_crs(STORAGE_EPSG)

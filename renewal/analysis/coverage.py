"""Coverage engine: 15-minute life-circle analysis by service radius or walking network.

Inputs are GeoDataFrames with a CRS (any; computed in the study area's metric CRS,
:func:`renewal.crs.metric_epsg_for_geometry` of the boundary: EPSG:4548 for Hedong, UTM 35N for
Helsinki; a network built in another one is reprojected, with a notice), outputs are
GeoDataFrames in WGS84 plus pandas statistics; ``CoverageResult.metric_epsg`` says the CRS.
Pure: no streamlit, no folium.

Public API
----------
``radius_coverage(facilities, standards=None, boundary=None, options=None) -> CoverageResult``
    服务半径 mode: coverage is the union of radius buffers, clipped to the
    boundary (default: the district, ``geodata.load("district")``).
``network_coverage(net, facilities, standards=None, boundary=None, options=None) -> CoverageResult``
    Walking-network mode (:class:`renewal.analysis.network.WalkNetwork`): one
    multi-source Dijkstra per category with the category's cut-off.
``what_if(result, add=None, remove=None, geometry=False) -> CoverageResult`` (:mod:`~renewal.analysis.whatif`)
    Add facilities (only the new facility's own search, combined with the
    stored distances) or remove some (their categories are re-run); the new
    result carries ``delta`` (before/after statistics).
``greedy_siting(result, candidates, category, k) -> GeoDataFrame`` (:mod:`~renewal.analysis.siting`)
    Choose ``k`` candidate sites that add the most covered population (or
    land when no population is given), greedily.
``accessibility(facilities, origins, net=None, **opts) -> GeoDataFrame`` (:mod:`~renewal.analysis.accessibility`)
    Per origin: distance to the nearest facility (per category) and its id.

Options (:class:`CoverageOptions`): ``category_col`` (default ``"category"``; values matched to
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
  uncovered cells traced as a raster (``rasterio.features.shapes``; equal to
  the union of the uncovered cells). One row per part.
* Catchments: radius mode - each facility's buffer clipped to the boundary
  (they overlap). Network mode - the reached edge pieces (partial edges cut at
  the remaining distance) attributed to the nearest facility and buffered by
  ``width`` (25 m): a partition, not convex hulls.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from renewal.analysis.arrays import BoolArray, FloatArray, IntArray, ObjectArray
from renewal.analysis.grid import cells_to_polygons, make_grid, population_to_cells
from renewal.analysis.inputs import (
    CoverageWarning,
    boundary_metric,
    category_cutoff,
    points_xy,
    prepare_facilities,
    to_metric_gdf,
)
from renewal.analysis.network import TOL, NetworkWarning, NodeDistances, Snap, WalkNetwork, catchment_polygons
from renewal.analysis.polygons import valid_polygons
from renewal.crs import METRIC_EPSG, STORAGE_EPSG, crs_label, epsg_crs, metric_crs_zh, to_storage
from renewal.errors import InputError, Notice
from renewal.standards import Standards, load_standards

log = logging.getLogger(__name__)

ZONE_CANDIDATES = ("name", "名称", "zone", "id")


# ------------------------------------------------------------------ state
@dataclass
class CategoryState:
    key: str
    name_zh: str
    cutoff: float
    fac: gpd.GeoDataFrame  # metric, this category's facilities
    fsnap: Snap | None = None
    nd: NodeDistances | None = None
    dist: FloatArray = field(default_factory=lambda: np.empty(0))  # per cell (set by run_category)
    near: IntArray = field(default_factory=lambda: np.empty(0, dtype=np.int64))  # per cell: row in fac, -1


@dataclass(frozen=True, kw_only=True)
class CoverageOptions:
    """How a coverage run is made; every field has its default.

    ``category_col``/``id_col``: the facilities' category and id columns; ``categories``: only these;
    ``cutoffs``: metres per category instead of the standards'; ``cell``: grid cell size (m);
    ``population`` (a GeoTIFF path, a point/polygon layer or its path) with ``pop_field``; ``zones`` (a
    polygon layer) with ``zone_field``; network mode only: ``max_snap`` (m from the network a facility or a
    cell may lie), ``width`` (m, the catchment band around the reached streets), ``count_snap`` (the
    straight leg to the network counts as walking); ``geometry``: build catchment and gap polygons.
    """

    category_col: str = "category"
    id_col: str | None = None
    categories: Iterable[str] | None = None
    cutoffs: Mapping[str, float] | None = None
    cell: float = 50.0
    population: Any = None  # a GeoTIFF path or bytes, or a GeoDataFrame
    pop_field: str | None = None
    zones: gpd.GeoDataFrame | None = None
    zone_field: str | None = None
    max_snap: float = 200.0
    width: float = 25.0
    count_snap: bool = True
    geometry: bool = True


@dataclass
class EngineContext:
    mode: str
    net: WalkNetwork | None
    standards: Standards
    boundary: shapely.Geometry  # metric
    grid: gpd.GeoDataFrame  # metric
    cell_xy: FloatArray
    cell_area: FloatArray
    cell_pop: FloatArray | None
    cell_zone: IntArray | None
    zone_names: list[str]
    cell_snap: Snap | None
    options: CoverageOptions
    raster: tuple[float, float, float, int, int]  # the grid's raster frame (for gap polygons)
    epsg: int = METRIC_EPSG  # the study area's metric CRS: every coordinate above is in it
    grid_wgs: gpd.GeoDataFrame | None = (
        None  # the grid in WGS84, projected once per run (what-ifs only add columns)
    )


@dataclass
class CoverageResult:
    """What the coverage page shows. GeoDataFrames are WGS84.

    ``catchments`` (category, name_zh, facility_id, cutoff_m, area_m2),
    ``gaps`` (category, name_zh, area_m2; one row per part), ``grid`` (one row
    per cell: cell_id, area_m2, [population], [zone], and per category
    ``<key>_dist_m``, ``<key>covered_cells``, ``<key>_facility``; built on first
    access), ``stats`` (one row per category), ``zone_stats`` (zone x
    category, when zones were given), ``warnings`` (what was dropped or
    refused), ``delta`` (after :func:`what_if`: before/after statistics),
    ``metric_epsg`` (the metric CRS every distance and area was measured in; ``metric_crs_zh`` names
    it in Chinese). ``context`` and ``category_states`` are the engine state that re-cuts, what-ifs
    and siting start from (None for a result without it).
    """

    mode: str
    catchments: gpd.GeoDataFrame | None
    gaps: gpd.GeoDataFrame | None
    stats: pd.DataFrame
    zone_stats: pd.DataFrame | None = None
    warnings: list[str] = field(default_factory=list)
    delta: pd.DataFrame | None = None
    context: EngineContext | None = field(default=None, repr=False)
    category_states: dict[str, CategoryState] | None = field(default=None, repr=False)
    metric_epsg: int = METRIC_EPSG
    _grid: gpd.GeoDataFrame | None = field(default=None, repr=False)

    @property
    def grid(self) -> gpd.GeoDataFrame | None:
        """One row per cell (WGS84), built on first access; None for a result without engine state."""
        if self._grid is None and self.context is not None and self.category_states is not None:
            self._grid = _grid_output(self.context, self.category_states)
        return self._grid

    @property
    def metric_crs_zh(self) -> str:
        """e.g. ``CGCS2000 / 3度带高斯-克吕格 CM 117E (EPSG:4548)``."""
        return metric_crs_zh(self.metric_epsg)


# ------------------------------------------------------------ engine
def _prepare_ctx(
    mode: str,
    net: WalkNetwork | None,
    standards: Standards,
    area: tuple[shapely.Geometry, int],
    options: CoverageOptions,
) -> tuple[EngineContext, list[str]]:
    b, epsg = area
    cell, population, pop_field = options.cell, options.population, options.pop_field
    zones, zone_field, max_snap = options.zones, options.zone_field, options.max_snap
    grid = make_grid(b, cell, epsg)
    cents = shapely.centroid(grid.geometry.values)
    cell_xy: FloatArray = shapely.get_coordinates(cents).reshape(-1, 2)
    msgs: list[str] = []
    if net is not None and net.crs != epsg:
        msgs.append(
            Notice(
                f"The walking network was built in {crs_label(net.crs)}; it was reprojected to the study "
                f"area's metric CRS {crs_label(epsg)} and its lengths measured there.",
                f"步行路网原为 {metric_crs_zh(net.crs)} 坐标；已转换到研究范围的计量坐标系 "
                f"{metric_crs_zh(epsg)}，并在其中重新计算长度。",
            )
        )
        net = net.to_crs(epsg)
    cell_pop = None
    if population is not None:
        cell_pop, m = population_to_cells(grid, population, pop_field=pop_field, cell=cell)
        msgs += m
    cell_zone: IntArray | None = None
    zone_names: list[str] = []
    if zones is not None:
        z = to_metric_gdf(zones, "zones", epsg).reset_index(drop=True)
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
    if mode == "network" and net is not None:
        cell_snap = net.snap(cell_xy, max_snap=max_snap)
        if cell_snap.n_refused:
            msgs.append(
                f"{cell_snap.n_refused} of {len(grid)} grid cells are farther than {max_snap:.0f} m "
                f"from the network and count as not covered"
            )
    return EngineContext(
        mode,
        net,
        standards,
        b,
        grid,
        cell_xy,
        grid["area_m2"].to_numpy(),
        cell_pop,
        cell_zone,
        zone_names,
        cell_snap,
        options,
        grid.attrs["raster"],
        epsg,
    ), msgs


#: Facilities farther than this outside the boundary suggest a wrong CRS.
FAR_OUTSIDE_M = 5000.0


def _check_overlap(ctx: EngineContext, fac: gpd.GeoDataFrame) -> list[str]:
    """Refuse inputs that cannot belong together (a wrong CRS, swapped lon/lat)."""
    msgs: list[str] = []
    d = shapely.distance(ctx.boundary, shapely.points(points_xy(fac)))
    far = d > FAR_OUTSIDE_M
    if far.all():
        raise InputError(
            f"None of the {len(fac)} facilities lies within {FAR_OUTSIDE_M / 1000:.0f} km of the boundary "
            f"(nearest {d.min() / 1000:.1f} km): wrong CRS, swapped lon/lat, or the wrong file?",
            f"所有设施都在边界 {FAR_OUTSIDE_M / 1000:.0f} 公里以外（最近 {d.min() / 1000:.1f} 公里）："
            f"坐标系错误、经纬度颠倒或文件不对？",
        )
    if far.any():
        ids = list(fac["facility_id"][far][:10])
        msgs.append(
            Notice(
                f"{int(far.sum())} facilities lie more than {FAR_OUTSIDE_M / 1000:.0f} km outside the boundary: "
                f"{ids}",
                f"{int(far.sum())} 处设施在边界以外 {FAR_OUTSIDE_M / 1000:.0f} 公里以上：{'、'.join(map(str, ids))}",
            )
        )
        warnings.warn(msgs[-1], CoverageWarning, stacklevel=4)
    if ctx.net is not None:
        bx = shapely.box(*ctx.net.bounds())
        if not bx.intersects(ctx.boundary):
            raise InputError(
                "The walking network does not overlap the boundary: wrong CRS or the wrong area?",
                "步行路网与边界不重叠：坐标系错误或区域不对？",
            )
    return msgs


def run_category(ctx: EngineContext, cat: CategoryState) -> list[str]:
    """Distances and nearest facility per cell for one category (sets ``cat.dist``/``cat.near``, and in
    network mode ``cat.fsnap``/``cat.nd``); returns the notices."""
    msgs: list[str] = []
    xy = points_xy(cat.fac)
    if ctx.mode == "radius":
        tree = shapely.STRtree(shapely.points(xy))
        (ci, fi), d = tree.query_nearest(shapely.points(ctx.cell_xy), return_distance=True, all_matches=False)
        dist = np.full(len(ctx.cell_xy), np.inf)
        near = np.full(len(ctx.cell_xy), -1, dtype=np.int64)
        dist[ci], near[ci] = d, fi
    else:
        net = _network(ctx)
        cat.fsnap = net.snap(xy, max_snap=ctx.options.max_snap)
        if cat.fsnap.n_refused:
            bad = list(cat.fac["facility_id"].to_numpy()[~cat.fsnap.ok][:10])
            msgs.append(
                Notice(
                    f"{cat.key}: {cat.fsnap.n_refused} facilities farther than {ctx.options.max_snap:.0f} m "
                    f"from the network were refused: {bad}",
                    f"{cat.name_zh}：{cat.fsnap.n_refused} 处设施距步行路网超过 {ctx.options.max_snap:.0f} 米，"
                    f"未参与计算：{'、'.join(map(str, bad))}",
                )
            )
            warnings.warn(msgs[-1], NetworkWarning, stacklevel=3)
        cat.nd = net.node_distances(cat.fsnap, cat.cutoff, count_snap=ctx.options.count_snap)
        dist, near = net.point_distances(
            cat.nd, cat.fsnap, _cell_snap(ctx), count_snap=ctx.options.count_snap
        )
    cat.dist, cat.near = dist, near
    return msgs


def covered_cells(cat: CategoryState) -> BoolArray:
    """Cells within the category's cut-off."""
    covered: BoolArray = cat.dist <= cat.cutoff + TOL
    return covered


def _network(ctx: EngineContext) -> WalkNetwork:
    """The network of a network-mode context."""
    if ctx.net is None:
        raise ValueError("a network-mode coverage context has a network")
    return ctx.net


def _cell_snap(ctx: EngineContext) -> Snap:
    """The cells snapped to the network of a network-mode context."""
    if ctx.cell_snap is None:
        raise ValueError("a network-mode coverage context has its cells snapped")
    return ctx.cell_snap


def _category_stats(
    ctx: EngineContext, cat: CategoryState, cover_geom: shapely.Geometry | None = None
) -> dict[str, Any]:
    cov = covered_cells(cat)
    total = float(ctx.cell_area.sum())
    if ctx.mode == "radius" and cover_geom is not None:
        land_total = float(ctx.boundary.area)
        land_cov = min(float(cover_geom.area), land_total)  # float noise of the overlay
    else:
        land_total, land_cov = total, float(ctx.cell_area[cov].sum())
    c = ctx.standards.categories.get(cat.key)
    row: dict[str, Any] = {
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


def _zone_stats(ctx: EngineContext, cats: dict[str, CategoryState]) -> pd.DataFrame | None:
    if ctx.cell_zone is None:
        return None
    rows = []
    nz = len(ctx.zone_names)
    z = ctx.cell_zone
    cell_pop = ctx.cell_pop
    inz = z >= 0
    area = np.bincount(z[inz], weights=ctx.cell_area[inz], minlength=nz)
    pop = np.bincount(z[inz], weights=cell_pop[inz], minlength=nz) if cell_pop is not None else None
    for cat in cats.values():
        cov = covered_cells(cat) & inz
        acov = np.bincount(z[cov], weights=ctx.cell_area[cov], minlength=nz)
        pcov = np.bincount(z[cov], weights=cell_pop[cov], minlength=nz) if cell_pop is not None else None
        for i, name in enumerate(ctx.zone_names):
            r: dict[str, Any] = {
                "zone": name,
                "category": cat.key,
                "name_zh": cat.name_zh,
                "cutoff_m": cat.cutoff,
                "land_area_m2": round(area[i], 1),
                "covered_area_m2": round(acov[i], 1),
                "land_share": acov[i] / area[i] if area[i] > 0 else np.nan,
            }
            if pop is not None and pcov is not None:
                r.update(
                    population=pop[i],
                    covered_population=pcov[i],
                    population_share=pcov[i] / pop[i] if pop[i] > 0 else np.nan,
                )
            rows.append(r)
    return pd.DataFrame(rows)


def _category_geometries(
    ctx: EngineContext, cat: CategoryState
) -> tuple[list[dict[str, Any]], shapely.Geometry | None, Any]:
    """(catchment rows, coverage geometry, gap geometry) in metric CRS."""
    fac = cat.fac
    rows: list[dict[str, Any]] = []
    if ctx.mode == "radius":
        xy = points_xy(fac)
        bufs = shapely.buffer(shapely.points(xy), cat.cutoff, quad_segs=16)
        clipped = shapely.intersection(bufs, ctx.boundary)
        cover = shapely.union_all(clipped)
        gaps = shapely.difference(ctx.boundary, cover)
        polys = clipped
    else:
        if cat.nd is None or cat.fsnap is None:
            raise ValueError("run_category comes first")
        geoms, who = _network(ctx).catchment_pieces(cat.nd, cat.fsnap, count_snap=ctx.options.count_snap)
        polys = catchment_polygons(geoms, who, len(fac), width=ctx.options.width)
        has = np.array([p is not None for p in polys], dtype=bool)
        polys = np.where(has, polys, None)
        polys[has] = shapely.intersection(polys[has], ctx.boundary)
        # the land share comes from the cells; gaps are traced from the cell raster
        cover = None
        gaps = cells_to_polygons(ctx.grid, ~covered_cells(cat), ctx.boundary, ctx.raster)
    for i, p in enumerate(polys):
        if p is None or p.is_empty:
            continue
        rows.append(
            {
                "category": cat.key,
                "name_zh": cat.name_zh,
                "facility_id": fac["facility_id"].iat[i],
                "cutoff_m": cat.cutoff,
                "area_m2": round(p.area, 1),
                "geometry": p,
            }
        )
    return rows, cover, gaps


def assemble(
    ctx: EngineContext,
    cats: dict[str, CategoryState],
    msgs: Iterable[str],
    *,
    geometry: bool = True,
    old: CoverageResult | None = None,
    changed: set[str] | None = None,
) -> CoverageResult:
    """The result of the categories' states: statistics, and catchments and gaps when ``geometry``
    (only those of the ``changed`` categories redone when ``old`` is given)."""
    stats_rows: list[dict[str, Any]] = []
    catch_rows: list[dict[str, Any]] = []
    gap_rows: list[dict[str, Any]] = []
    old_stats = None
    if old is not None and changed is not None:
        names = list(old.stats.columns)
        values = zip(*(old.stats[c].tolist() for c in names), strict=True)
        old_stats = {r["category"]: r for r in (dict(zip(names, v, strict=True)) for v in values)}
    for key, cat in cats.items():
        if old_stats is not None and changed is not None and key not in changed and key in old_stats:
            stats_rows.append(old_stats[key])
            continue
        redo = geometry and (old is None or changed is None or key in changed)
        cover = None
        if redo:
            rows, cover, gaps = _category_geometries(ctx, cat)
            catch_rows += rows
            for part in shapely.get_parts(np.atleast_1d(gaps)):
                if part.area > 1e-6:
                    gap_rows.append(
                        {
                            "category": key,
                            "name_zh": cat.name_zh,
                            "area_m2": round(part.area, 1),
                            "geometry": part,
                        }
                    )
        elif ctx.mode == "radius":
            # the union of buffers is needed for the exact land share
            xy = points_xy(cat.fac)
            cover = shapely.intersection(
                shapely.union_all(shapely.buffer(shapely.points(xy), cat.cutoff, quad_segs=16)), ctx.boundary
            )
        stats_rows.append(_category_stats(ctx, cat, cover))
    stats = pd.DataFrame(stats_rows)

    def to_gdf(rows: list[dict[str, Any]], cols: Iterable[str]) -> gpd.GeoDataFrame:
        if not rows:
            return to_storage(gpd.GeoDataFrame({c: [] for c in cols}, geometry=[], crs=epsg_crs(ctx.epsg)))
        out = to_storage(gpd.GeoDataFrame(rows, geometry="geometry", crs=epsg_crs(ctx.epsg)))
        out["geometry"] = valid_polygons(out.geometry.values)  # the reprojection may leave invalid rings
        return out

    if geometry and old is not None and changed is not None:
        old_c, old_g = _frame(old.catchments), _frame(old.gaps)
        keep_c = old_c[~old_c["category"].isin(changed)]
        keep_g = old_g[~old_g["category"].isin(changed)]
        catchments = pd.concat([keep_c, to_gdf(catch_rows, keep_c.columns[:-1])], ignore_index=True)
        gaps = pd.concat([keep_g, to_gdf(gap_rows, keep_g.columns[:-1])], ignore_index=True)
    elif geometry:
        catchments = to_gdf(catch_rows, ["category", "name_zh", "facility_id", "cutoff_m", "area_m2"])
        gaps = to_gdf(gap_rows, ["category", "name_zh", "area_m2"])
    else:
        catchments = old.catchments if old is not None else None
        gaps = old.gaps if old is not None else None
    return CoverageResult(
        ctx.mode, catchments, gaps, stats, _zone_stats(ctx, cats), list(msgs), None, ctx, cats, ctx.epsg
    )


def _frame(layer: gpd.GeoDataFrame | None) -> gpd.GeoDataFrame:
    """An earlier result's catchments or gaps (present when it was made with geometry)."""
    if layer is None:
        raise ValueError("the earlier result was made without geometry")
    return layer


def _grid_output(ctx: EngineContext, cats: dict[str, CategoryState]) -> gpd.GeoDataFrame:
    base = ctx.grid_wgs
    if base is None:  # projected once per run; what-if only adds columns
        base = to_storage(ctx.grid[["cell_id", "area_m2", "geometry"]])
        if ctx.cell_pop is not None:
            base.insert(2, "population", ctx.cell_pop)
        if ctx.cell_zone is not None:
            names = np.array(ctx.zone_names + [None], dtype=object)
            base.insert(2, "zone", names[ctx.cell_zone])
        ctx.grid_wgs = base
    cols: dict[str, Any] = {}
    for key, cat in cats.items():
        cols[f"{key}_dist_m"] = np.where(np.isfinite(cat.dist), np.round(cat.dist, 1), np.nan)
        cols[f"{key}_covered"] = covered_cells(cat)
        ids: ObjectArray = np.concatenate(
            [cat.fac["facility_id"].to_numpy(dtype=object), np.array([None], dtype=object)]
        )
        cols[f"{key}_facility"] = ids[cat.near]
    g = base.drop(columns="geometry").assign(**cols)
    g["geometry"] = base.geometry.values
    return gpd.GeoDataFrame(g, geometry="geometry", crs=STORAGE_EPSG)


def _coverage(
    mode: str,
    net: WalkNetwork | None,
    facilities: gpd.GeoDataFrame,
    standards: Standards | None,
    boundary: Any,
    options: CoverageOptions,
) -> CoverageResult:
    standards = standards or load_standards()
    area = boundary_metric(boundary)
    fac, msgs = prepare_facilities(
        facilities,
        standards,
        category_col=options.category_col,
        id_col=options.id_col,
        categories=options.categories,
        cutoffs=options.cutoffs,
        epsg=area[1],
    )
    ctx, m = _prepare_ctx(mode, net, standards, area, options)
    msgs += m
    msgs += _check_overlap(ctx, fac)
    if net is not None:
        rep = net.report
        if rep.get("dropped_components"):
            msgs.append(
                f"Network: kept the largest component, dropped {rep['dropped_components']} pieces "
                f"({rep['dropped_edges']} edges, {rep['dropped_length_m']:.0f} m)"
            )
    cats: dict[str, CategoryState] = {}
    for key in [k for k in standards.categories if k in set(fac["category"])] + sorted(
        set(fac["category"]) - set(standards.categories)
    ):
        c = standards.categories.get(key)
        cat = CategoryState(
            key,
            c.name_zh if c else key,
            category_cutoff(standards, key, mode, options.cutoffs),
            fac[fac["category"] == key].reset_index(drop=True),
        )
        msgs += run_category(ctx, cat)
        cats[key] = cat
    for msg in msgs:
        log.warning(msg)
    return assemble(ctx, cats, msgs, geometry=options.geometry)


def radius_coverage(
    facilities: gpd.GeoDataFrame,
    standards: Standards | None = None,
    boundary: Any = None,
    options: CoverageOptions | None = None,
) -> CoverageResult:
    """Service-radius (服务半径) coverage: the union of each facility's radius, clipped to the study area.

    Parameters
    ----------
    facilities : GeoDataFrame
        Points (or polygons: a point on each) with a CRS and a category column (``options.category_col``:
        a standards key, Chinese name or alias).
    standards : Standards, optional
        The life-circle standards (default: the bundled ``geodata/standards/life_circle.yaml``).
    boundary : shapely geometry (WGS84) or GeoDataFrame/GeoSeries with a CRS, optional
        The study area (default: the district). Everything is measured in its metric CRS.
    options : CoverageOptions, optional
        Grid cell, population, zones, cut-offs ...; the network-only options are not used.

    Returns
    -------
    CoverageResult
        ``stats`` (one row per category: land and population shares), ``catchments`` and ``gaps``
        (WGS84), ``metric_epsg``; ``warnings`` lists what was dropped.

    Raises
    ------
    InputError
        A layer without a CRS, no facility of a known category, facilities all far outside the
        boundary (a wrong CRS), an empty boundary.

    Examples
    --------
    One primary school (500 m radius) in the middle of a 1 km square, in EPSG:4548 metres:

    >>> import geopandas as gpd, shapely
    >>> area = gpd.GeoSeries([shapely.box(520000, 4330000, 521000, 4331000)], crs=4548)
    >>> school = gpd.GeoDataFrame({"category": ["小学"]}, geometry=[shapely.Point(520500, 4330500)], crs=4548)
    >>> res = radius_coverage(school, boundary=area)
    >>> res.stats[["category", "cutoff_m", "land_share"]].round(3).to_dict("records")
    [{'category': 'primary_school', 'cutoff_m': 500.0, 'land_share': 0.784}]
    >>> res.metric_epsg, len(res.catchments)
    (4548, 1)
    """
    return _coverage("radius", None, facilities, standards, boundary, options or CoverageOptions())


def network_coverage(
    net: WalkNetwork | None,
    facilities: gpd.GeoDataFrame,
    standards: Standards | None = None,
    boundary: Any = None,
    options: CoverageOptions | None = None,
) -> CoverageResult:
    """Walking-network coverage: one cut-off Dijkstra per category over ``net``, measured per grid cell.

    Parameters
    ----------
    net : WalkNetwork
        The walking network (reprojected to the study area's metric CRS when built in another, with a
        notice in ``warnings``).
    facilities, standards, boundary, options
        As for :func:`radius_coverage`; ``options.max_snap`` (m) refuses facilities and cells farther
        from the network (counted in ``warnings``), ``options.count_snap`` counts the straight legs.

    Returns
    -------
    CoverageResult
        Land share = covered cells over all cells; catchments are the reached streets buffered by
        ``options.width``.

    Raises
    ------
    InputError
        No network, or as for :func:`radius_coverage`; also a network that misses the boundary.

    Examples
    --------
    Two crossing 1 km streets; the school at the crossing reaches 500 m along each:

    >>> import geopandas as gpd, shapely
    >>> from renewal.analysis.network import WalkNetwork
    >>> area = gpd.GeoSeries([shapely.box(520000, 4330000, 521000, 4331000)], crs=4548)
    >>> streets = gpd.GeoSeries([shapely.LineString([(520000, 4330500), (521000, 4330500)]),
    ...                          shapely.LineString([(520500, 4330000), (520500, 4331000)])], crs=4548)
    >>> net = WalkNetwork.from_lines(streets)
    >>> school = gpd.GeoDataFrame({"category": ["小学"]}, geometry=[shapely.Point(520500, 4330500)], crs=4548)
    >>> res = network_coverage(net, school, boundary=area, options=CoverageOptions(cell=100, max_snap=500))
    >>> res.stats.loc[0, "mode"], bool(0 < res.stats.loc[0, "land_share"] < 0.785)
    ('network', True)
    """
    if net is None:
        raise InputError(
            "Network mode needs a walking network (--roads FILE or an imported network).",
            "步行网络模式需要路网（--roads 文件或已导入的路网）。",
        )
    return _coverage("network", net, facilities, standards, boundary, options or CoverageOptions())


def distances_from_new(
    ctx: EngineContext, cat: CategoryState, xy: tuple[float, float] | FloatArray
) -> tuple[FloatArray | None, NodeDistances | None, Snap | None]:
    """Cell distances from one new facility at metric ``xy`` (and its node distances)."""
    if ctx.mode == "radius":
        d = np.hypot(ctx.cell_xy[:, 0] - xy[0], ctx.cell_xy[:, 1] - xy[1])
        return d, None, None
    net = _network(ctx)
    s = net.snap(np.array([xy]), max_snap=ctx.options.max_snap)
    if not s.ok[0]:
        return None, None, s
    nd = net.single_source(s, cat.cutoff, count_snap=ctx.options.count_snap)
    # only cells on edges the new facility reaches (an end node within the cut-off, or its own edge)
    cs = _cell_snap(ctx)
    e = np.where(cs.ok, cs.edge, 0)
    near = cs.ok & (
        np.isfinite(nd.dist[net.edge_u[e]]) | np.isfinite(nd.dist[net.edge_v[e]]) | (cs.edge == s.edge[0])
    )
    d = np.full(len(cs), np.inf)
    d[near], _ = net.point_distances(nd, s, cs.subset(near), count_snap=ctx.options.count_snap)
    return d, nd, s


def missing_counts(result: CoverageResult, categories: Iterable[str]) -> gpd.GeoDataFrame:
    """Per grid cell, how many of ``categories`` are out of reach, as polygons (one row per count >= 1;
    ``missing``, ``missing_zh`` e.g. "2类不可达", ``area_m2``), WGS84: the several-category gap view."""
    ctx = result.context
    states = result.category_states or {}
    cats = [states[k] for k in categories if k in states]
    cols: dict[str, list[Any]] = {"missing": [], "missing_zh": [], "area_m2": []}
    if ctx is None or not cats:
        return gpd.GeoDataFrame(cols, geometry=[], crs=STORAGE_EPSG)
    missing = np.sum([~covered_cells(c) for c in cats], axis=0)
    rows = []
    for k in range(1, len(cats) + 1):
        polys = cells_to_polygons(ctx.grid, missing == k, ctx.boundary, ctx.raster)
        if len(polys):
            geom = shapely.union_all(polys)
            rows.append(
                {"missing": k, "missing_zh": f"{k}类不可达", "area_m2": round(geom.area, 1), "geometry": geom}
            )
    if not rows:
        return gpd.GeoDataFrame(cols, geometry=[], crs=STORAGE_EPSG)
    out = to_storage(gpd.GeoDataFrame(rows, geometry="geometry", crs=epsg_crs(ctx.epsg)))
    out["geometry"] = valid_polygons(out.geometry.values)
    return out

"""Map recipes: the scenes of the layout map, the 金贸产业园 map and the 更新项目 map,
shared by the pages and the CLI.

Each recipe builds a :class:`~layers.scene.Scene` (data only); a back-end
draws it (:func:`layers.render.draw_scene` for folium). ``layout_map`` and
``jinmao_map`` are the one-line "scene, then draw with folium" shortcuts.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely.geometry.base import BaseGeometry

from layers.registry import (
    COVERAGE_ADDED_KEY,
    COVERAGE_AREA_KEY,
    COVERAGE_CATCHMENTS_KEY,
    COVERAGE_FACILITIES_KEY,
    COVERAGE_GAINED_KEY,
    COVERAGE_GAPS_KEY,
    COVERAGE_MISSING_KEY,
    COVERAGE_SITES_KEY,
    COVERAGE_SUGGESTED_KEY,
    JINMAO_MAP_KEYS,
    LAYOUT_MAP_KEYS,
    REGISTRY,
    SITES_BASE_KEYS,
    SUPPLY_CELLS_KEY,
    SUPPLY_CHANGE_KEY,
    SUPPLY_FACILITIES_KEY,
    SUPPLY_KEYS,
    SUPPLY_SITED_KEY,
    SUPPLY_ZONES_KEY,
)
from layers.render import draw_scene
from layers.scene import Scene, SceneLayer, load_layers, scene_from_data, select, with_layers
from renewal.analysis.coverage import CoverageResult, missing_counts
from renewal.analysis.coverage_report import gain_text
from renewal.analysis.polygons import valid_polygons
from renewal.analysis.supply_ledger import UNITS
from renewal.analysis.supply_report import CAPACITY, SupplyResult

log = logging.getLogger(__name__)

#: Layers drawn from the workspace catalogue of renewal sites, when available.
SITES_LAYER_KEY = "renewal_sites"
#: The highlighted selected site on the 更新项目 map.
SELECTED_SITE_KEY = "renewal_site_selected"


def sites_layer_data(sites: gpd.GeoDataFrame | None) -> dict[str, gpd.GeoDataFrame]:
    """The renewal-sites layer's data, if the layer is registered and sites were given."""
    if sites is None or SITES_LAYER_KEY not in REGISTRY:
        return {}
    return {SITES_LAYER_KEY: select(sites, REGISTRY[SITES_LAYER_KEY])}


def layout_scene(
    *, sites: gpd.GeoDataFrame | None = None, data: dict[str, gpd.GeoDataFrame] | None = None
) -> Scene:
    """The home page's layout map (一站一带一园多点 over the base layers) as a scene.

    ``sites`` (the current renewal-site catalogue, e.g. from the workspace)
    adds the renewal-sites layer to the 多点 group.
    """
    data = dict(data) if data is not None else load_layers(LAYOUT_MAP_KEYS)
    data.update(sites_layer_data(sites))
    keys = list(LAYOUT_MAP_KEYS) + [k for k in data if k not in LAYOUT_MAP_KEYS]
    bookmarks = {
        "全区": data["district"],
        "一站": data["station_area"],
        "一带": data["belt"],
        "一园": data["jinmao_park"],
    }
    return scene_from_data(
        keys,
        data,
        title="河东区“十五五”总体布局：一站一带一园多点",
        bookmarks=bookmarks,
        extent=data["district"],
        id_fields={SITES_LAYER_KEY: "site_id"},
    )


def jinmao_scene(*, data: dict[str, gpd.GeoDataFrame] | None = None) -> Scene:
    """The 金贸产业园 page's map as a scene: the four zones, their anchors, and orientation layers."""
    data = dict(data) if data is not None else load_layers(JINMAO_MAP_KEYS)
    bookmarks = {"金贸产业园": data["jinmao_park"], "全区": data["district"]}
    return scene_from_data(
        JINMAO_MAP_KEYS, data, title="金贸产业园", bookmarks=bookmarks, extent=data["jinmao_park"]
    )


def sites_scene(
    sites: gpd.GeoDataFrame,
    selected: gpd.GeoDataFrame,
    *,
    data: dict[str, gpd.GeoDataFrame] | None = None,
    extent: gpd.GeoDataFrame | None = None,
) -> Scene:
    """The 更新项目 page's map as a scene: the (filtered) sites, the selected one highlighted, orientation layers.

    ``extent`` is the initial view (the page frames the selection or the filtered sites).
    """
    data = dict(data) if data is not None else load_layers(SITES_BASE_KEYS)
    data.update({SITES_LAYER_KEY: select(sites, REGISTRY[SITES_LAYER_KEY]), SELECTED_SITE_KEY: selected})
    return scene_from_data(
        (*SITES_BASE_KEYS, SITES_LAYER_KEY, SELECTED_SITE_KEY),
        data,
        title="城市更新项目",
        extent=extent,
        id_fields={SITES_LAYER_KEY: "site_id", SELECTED_SITE_KEY: "site_id"},
    )


#: Orientation layers under the 生活圈覆盖 map.
COVERAGE_BASE_KEYS: tuple[str, ...] = ("district", "haihe", "metro_stations")
#: The computed layers of the 生活圈覆盖 map, in the order the page passes them.
COVERAGE_KEYS: tuple[str, ...] = (
    COVERAGE_CATCHMENTS_KEY,
    COVERAGE_GAPS_KEY,
    COVERAGE_MISSING_KEY,
    COVERAGE_GAINED_KEY,
    COVERAGE_FACILITIES_KEY,
    COVERAGE_ADDED_KEY,
    COVERAGE_SUGGESTED_KEY,
)
COVERAGE_FOOTNOTE = (
    "服务范围（线框）为服务半径或步行网络可达范围；一类时红色为覆盖缺口，多类时颜色越深不可达的类别越多。"
    "空心虚线点与虚线范围为位置示意"
    "（规划设施位置未经测绘）。步行网络服务范围中小于约1公顷的街坊空洞填充显示。区界由高德行政区划推算。"
)


#: Display simplification of catchment and gap polygons (degrees; about 5 m at Tianjin's latitude)
#: and the coordinate grid they are snapped to (about 0.1 m): what keeps the map small.
DISPLAY_TOLERANCE_DEG = 0.00005
DISPLAY_GRID_DEG = 1e-6
#: Holes smaller than this (square degrees; about 1 ha) are filled in displayed catchments: the
#: blocks between reached streets, which the buffered street pieces leave as thousands of holes.
DISPLAY_MIN_HOLE_DEG2 = 1e-6


def _fill_small_holes(geom: BaseGeometry | None, min_area: float) -> BaseGeometry | None:
    if geom is None or geom.is_empty or geom.geom_type not in ("Polygon", "MultiPolygon"):
        return geom
    parts = []
    for p in getattr(geom, "geoms", [geom]):
        holes = [r for r in p.interiors if shapely.Polygon(r).area >= min_area]
        parts.append(shapely.Polygon(p.exterior, holes))
    return parts[0] if len(parts) == 1 else shapely.MultiPolygon(parts)


def display_polygons(gdf: gpd.GeoDataFrame | None, *, fill_holes: bool = False) -> gpd.GeoDataFrame | None:
    """``gdf`` with its polygons simplified for display (topology kept, empty results dropped);
    ``fill_holes`` also fills holes under :data:`DISPLAY_MIN_HOLE_DEG2` (catchments only: filling
    a hole of a gap would show covered land as a gap)."""
    if gdf is None or gdf.empty:
        return gdf
    geoms = valid_polygons(gdf.geometry.values)  # simplify and snap need valid input
    if fill_holes:
        geoms = np.array([_fill_small_holes(g, DISPLAY_MIN_HOLE_DEG2) for g in geoms], dtype=object)
    geoms = shapely.simplify(geoms, DISPLAY_TOLERANCE_DEG, preserve_topology=True)
    geoms = shapely.set_precision(geoms, DISPLAY_GRID_DEG)
    out = gdf.copy()
    out[out.geometry.name] = geoms
    return out[~shapely.is_empty(geoms)]


def coverage_layers(  # noqa: PLR0913
    result: CoverageResult,
    fac: gpd.GeoDataFrame,
    categories: Sequence[str],
    *,
    gained: gpd.GeoDataFrame | None = None,
    added: gpd.GeoDataFrame | None = None,
    suggested: gpd.GeoDataFrame | None = None,
    weight: str = "area",
) -> dict[str, gpd.GeoDataFrame]:
    """The coverage map's computed layers (:data:`COVERAGE_KEYS`) for the chosen categories of ``result``."""
    catchments, gaps = result.catchments, result.gaps
    if not isinstance(catchments, gpd.GeoDataFrame) or not isinstance(gaps, gpd.GeoDataFrame):
        raise ValueError("a coverage result without catchments and gaps has no map layers")
    cats = set(categories)
    precision = dict(zip(fac["facility_id"].astype(str), fac["precision"].astype(str), strict=True))
    catch = catchments[catchments["category"].isin(cats)].copy()
    catch["precision"] = catch["facility_id"].astype(str).map(precision).fillna("")
    out = {
        COVERAGE_CATCHMENTS_KEY: display_polygons(catch, fill_holes=True),
        COVERAGE_FACILITIES_KEY: fac[fac["category"].isin(cats)],
    }
    shown = [k for k in categories if k in set(result.stats["category"])]
    if len(shown) > 1 and result.context is not None:  # several: per cell, how many are out of reach
        out[COVERAGE_MISSING_KEY] = display_polygons(missing_counts(result, shown))
    else:  # one: covered vs gap
        out[COVERAGE_GAPS_KEY] = display_polygons(gaps[gaps["category"].isin(cats)])
    if gained is not None:
        out[COVERAGE_GAINED_KEY] = display_polygons(gained)
    if added is not None and not added.empty:
        out[COVERAGE_ADDED_KEY] = added[added["category"].isin(cats)]
    if suggested is not None and not suggested.empty:
        s = suggested.copy()
        s["gain_text"] = [gain_text(g, weight) for g in s["gain"]]
        s["geometry"] = s.geometry.representative_point()
        out[COVERAGE_SUGGESTED_KEY] = s
    return out


def coverage_scene(
    layers: dict[str, gpd.GeoDataFrame],
    *,
    sites: gpd.GeoDataFrame | None = None,
    data: dict[str, gpd.GeoDataFrame] | None = None,
    title: str = "生活圈覆盖",
    scenario: str = "",
    area: gpd.GeoDataFrame | None = None,
) -> Scene:
    """The 生活圈覆盖 map as a scene.

    ``layers`` maps the computed coverage layer keys (:data:`COVERAGE_KEYS`:
    catchments, gaps, newly covered area, facilities, what-if additions,
    suggested sites) to WGS84 GeoDataFrames; missing or empty ones are left
    out. ``sites`` adds the renewal sites (candidates for a new facility). ``scenario`` (a what-if's
    Chinese label) goes into the title and leads the legend's note: the map is then not the current state.
    ``area`` (a chosen study area, :meth:`renewal.analysis.study_area.StudyArea.frame`) is outlined and the
    map fits to it.
    """
    data = dict(data) if data is not None else load_layers(COVERAGE_BASE_KEYS)
    if sites is not None:
        data[COVERAGE_SITES_KEY] = select(sites, REGISTRY[COVERAGE_SITES_KEY])
    data.update({k: v for k, v in layers.items() if k in COVERAGE_KEYS and v is not None and not v.empty})
    bookmarks = {"全区": data["district"]}
    if area is not None and not area.empty:
        data[COVERAGE_AREA_KEY] = area
        bookmarks = {"研究范围": area, **bookmarks}
    keys = (*COVERAGE_BASE_KEYS, COVERAGE_AREA_KEY, COVERAGE_SITES_KEY, *COVERAGE_KEYS)
    return scene_from_data(
        keys,
        data,
        title=f"{title} · {scenario}" if scenario else title,
        bookmarks=bookmarks,
        extent=area if area is not None and not area.empty else data["district"],
        footnote=f"{scenario}：图中含假设新增或撤除的设施。{COVERAGE_FOOTNOTE}"
        if scenario
        else COVERAGE_FOOTNOTE,
        id_fields={COVERAGE_SITES_KEY: "site_id", COVERAGE_FACILITIES_KEY: "facility_id"},
    )


def coverage_map(  # noqa: PLR0913
    layers: dict[str, gpd.GeoDataFrame],
    *,
    basemap: str = "none",
    labels: bool = True,
    sites: gpd.GeoDataFrame | None = None,
    data: dict[str, gpd.GeoDataFrame] | None = None,
    extra: Iterable[SceneLayer] = (),
    click_through: bool = False,
    scenario: str = "",
    area: gpd.GeoDataFrame | None = None,
) -> folium.Map:
    """:func:`coverage_scene` (plus ``extra`` layers, e.g. imported reference layers) drawn with folium;
    ``click_through``: clicks on its layers also give the map's clicked position (the what-if). Drawn live
    (:func:`layers.render.draw_scene`): on the page a category, circle or what-if change swaps its layers
    on the map the browser has; the file (page download or ``export-map``) is the same either way."""
    return draw_scene(
        with_layers(coverage_scene(layers, sites=sites, data=data, scenario=scenario, area=area), extra),
        basemap=basemap,
        labels=labels,
        click_through=click_through,
        live=True,
    )


def _per_person(res: SupplyResult) -> np.ndarray:
    """Places (or beds) within reach per person of each demand point, by the run's method."""
    c = res.cells
    dem = c["demand"].to_numpy(float)
    if res.method == "2sfca":
        return c["access"].to_numpy(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        if res.method == "balance":
            return np.where(dem > 0, c["places_in_reach"].to_numpy(float) / dem, np.nan)
        return np.where(dem > 0, c["assigned"].to_numpy(float) / dem, np.nan)


def supply_layers(res: SupplyResult, sited: gpd.GeoDataFrame | None = None) -> dict[str, gpd.GeoDataFrame]:
    """The 学位与床位 map's layers of a supply-and-demand run (:data:`SUPPLY_KEYS`): demand points or cells
    classed by places within reach per person (below 1 = 不足), zones by their gap, the facilities, and
    the new facilities of a siting with capacity (``sited``: its steps) with each step's gain."""
    field, cap_zh = CAPACITY[res.category]
    unit = UNITS[field]
    cells = res.cells.copy()
    per = _per_person(res)
    dem = cells["demand"].to_numpy(float)
    cells["supply_class"] = np.where(
        dem <= 0, "无需求", np.where(np.nan_to_num(per) < 1 - 1e-9, "可达容量不足", "可达容量充足")
    )
    cells["per_person_text"] = [f"{v:.2f}" if np.isfinite(v) else "—" for v in per]
    dem_unit = "人" if res.demand.rate is None else "张床位"
    cells["demand_text"] = [f"{v:,.0f}{dem_unit}" for v in dem]
    fac = res.facilities.copy()
    fac["capacity_text"] = [
        f"{v:,.0f}{unit}{cap_zh}" if np.isfinite(v) else f"缺{cap_zh}数据"
        for v in fac["capacity"].astype(float)
    ]
    out = {SUPPLY_CELLS_KEY: cells, SUPPLY_FACILITIES_KEY: fac}
    if res.zones is not None:
        z = res.zones.copy()
        gap, zdem = z["gap"].to_numpy(float), z["demand"].to_numpy(float)
        z["gap_class"] = np.where(zdem <= 0, "无需求", np.where(gap >= 0.5, "有缺口", "无缺口"))
        z["gap_text"] = [f"{v:,.0f}{unit}" for v in gap]
        z["demand_text"] = [f"{v:,.0f}{dem_unit}" for v in zdem]
        z["capacity_text"] = [f"{v:,.0f}{unit}" for v in z["capacity"].astype(float)]
        out[SUPPLY_ZONES_KEY] = display_polygons(z)
    if sited is not None and not sited.empty:
        s = sited.copy()
        s["rank_text"] = [f"第{r}处" for r in s["rank"]]
        s["capacity_text"] = [f"{v:,.0f}{unit}{cap_zh}" for v in s["capacity"]]
        s["gain_text"] = [f"标准距离内新增获得{cap_zh}：{v:,.0f}{unit}" for v in s["gain"]]
        out[SUPPLY_SITED_KEY] = s
    return out


def scenario_change_map(
    zones: gpd.GeoDataFrame,
    changes: pd.DataFrame,
    *,
    unit: str,
    title: str,
    footnote: str,
    basemap: str = "none",
    labels: bool = True,
    data: dict[str, gpd.GeoDataFrame] | None = None,
) -> tuple[folium.Map, int]:
    """Where places (or beds) were gained or lost: ``zones`` (WGS84, a ``zone`` column: the run's zones)
    coloured by ``changes`` (:func:`renewal.analysis.supply_scenarios.zone_changes`, joined by zone name);
    the map and how many compared zones have no shape among ``zones``."""
    by_zone = changes.set_index("zone")
    z = zones[["zone", "geometry"]].copy()
    z["zone"] = z["zone"].astype(str)
    z = z[z["zone"].isin(by_zone.index)].reset_index(drop=True)
    change = by_zone.loc[z["zone"], "change"].to_numpy(float)
    z["change_class"] = np.where(
        ~np.isfinite(change),
        "不变",
        np.where(change < -0.05, "缺口减少", np.where(change > 0.05, "缺口增加", "不变")),
    )
    z["change_text"] = [f"{v:+,.0f}{unit}" if np.isfinite(v) else "—" for v in change]
    z["baseline_text"] = [f"{v:,.0f}{unit}" for v in by_zone.loc[z["zone"], "baseline_gap"].to_numpy(float)]
    z["gap_text"] = [f"{v:,.0f}{unit}" for v in by_zone.loc[z["zone"], "gap"].to_numpy(float)]
    data = dict(data) if data is not None else load_layers(COVERAGE_BASE_KEYS)
    data[SUPPLY_CHANGE_KEY] = display_polygons(z)
    scene = scene_from_data(
        (*COVERAGE_BASE_KEYS, SUPPLY_CHANGE_KEY),
        data,
        title=title,
        bookmarks={"全区": data["district"]},
        extent=data["district"],
        footnote=footnote,
    )
    return draw_scene(scene, basemap=basemap, labels=labels), int((~changes["zone"].isin(z["zone"])).sum())


def supply_map(
    layers: dict[str, gpd.GeoDataFrame],
    *,
    title: str,
    footnote: str,
    basemap: str = "none",
    labels: bool = True,
    data: dict[str, gpd.GeoDataFrame] | None = None,
) -> folium.Map:
    """The 学位与床位 map: :func:`supply_layers` over the coverage page's base layers."""
    data = dict(data) if data is not None else load_layers(COVERAGE_BASE_KEYS)
    data.update({k: v for k, v in layers.items() if k in SUPPLY_KEYS and v is not None and not v.empty})
    scene = scene_from_data(
        (*COVERAGE_BASE_KEYS, *SUPPLY_KEYS),
        data,
        title=title,
        bookmarks={"全区": data["district"]},
        extent=data["district"],
        footnote=footnote,
    )
    return draw_scene(scene, basemap=basemap, labels=labels)


def layout_map(
    *,
    basemap: str = "none",
    labels: bool = True,
    sites: gpd.GeoDataFrame | None = None,
    data: dict[str, gpd.GeoDataFrame] | None = None,
    extra: Iterable[SceneLayer] = (),
) -> folium.Map:
    """:func:`layout_scene` (plus ``extra`` layers, e.g. imported reference layers) drawn with folium."""
    return draw_scene(
        with_layers(layout_scene(sites=sites, data=data), extra), basemap=basemap, labels=labels
    )


def jinmao_map(
    *,
    basemap: str = "none",
    labels: bool = True,
    data: dict[str, gpd.GeoDataFrame] | None = None,
    extra: Iterable[SceneLayer] = (),
) -> folium.Map:
    """:func:`jinmao_scene` (plus ``extra`` layers) drawn with folium."""
    return draw_scene(with_layers(jinmao_scene(data=data), extra), basemap=basemap, labels=labels)

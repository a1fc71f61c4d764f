"""Map recipes: the scenes of the layout map, the 金贸产业园 map and the 更新项目 map,
shared by the pages and the CLI.

Each recipe builds a :class:`~layers.scene.Scene` (data only); a back-end
draws it (:func:`layers.render.draw_scene` for folium). ``layout_map`` and
``jinmao_map`` are the one-line "scene, then draw with folium" shortcuts.
"""

from __future__ import annotations

import logging

import folium
import geopandas as gpd

from layers.registry import JINMAO_MAP_KEYS, LAYOUT_MAP_KEYS, REGISTRY, SITES_BASE_KEYS
from layers.render import draw_scene
from layers.scene import Scene, load_layers, scene_from_data, select

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


def layout_map(
    *,
    basemap: str = "none",
    labels: bool = True,
    sites: gpd.GeoDataFrame | None = None,
    data: dict[str, gpd.GeoDataFrame] | None = None,
) -> folium.Map:
    """:func:`layout_scene` drawn with folium."""
    return draw_scene(layout_scene(sites=sites, data=data), basemap=basemap, labels=labels)


def jinmao_map(
    *, basemap: str = "none", labels: bool = True, data: dict[str, gpd.GeoDataFrame] | None = None
) -> folium.Map:
    """:func:`jinmao_scene` drawn with folium."""
    return draw_scene(jinmao_scene(data=data), basemap=basemap, labels=labels)

"""Map recipes: the layout map and the 金贸产业园 map, shared by the pages and the CLI."""

from __future__ import annotations

import logging

import folium
import geopandas as gpd

from layers.registry import JINMAO_MAP_KEYS, LAYOUT_MAP_KEYS, REGISTRY
from layers.render import build_map, load_layers, select

log = logging.getLogger(__name__)

#: Layers drawn from the workspace catalogue of renewal sites, when available.
SITES_LAYER_KEY = "renewal_sites"


def sites_layer_data(sites: gpd.GeoDataFrame | None) -> dict[str, gpd.GeoDataFrame]:
    """The renewal-sites layer's data, if the layer is registered and sites were given."""
    if sites is None or SITES_LAYER_KEY not in REGISTRY:
        return {}
    return {SITES_LAYER_KEY: select(sites, REGISTRY[SITES_LAYER_KEY])}


def layout_map(
    *, basemap: str = "none", labels: bool = True, sites: gpd.GeoDataFrame | None = None,
    data: dict[str, gpd.GeoDataFrame] | None = None,
) -> folium.Map:
    """The home page's layout map (一站一带一园多点 over the base layers).

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
    return build_map(keys, data, basemap=basemap, labels=labels, bookmarks=bookmarks,
                     fit=data["district"], id_fields={SITES_LAYER_KEY: "site_id"})


def jinmao_map(*, basemap: str = "none", labels: bool = True,
               data: dict[str, gpd.GeoDataFrame] | None = None) -> folium.Map:
    """The 金贸产业园 page's map: the four zones, their anchors, and orientation layers."""
    data = dict(data) if data is not None else load_layers(JINMAO_MAP_KEYS)
    bookmarks = {"金贸产业园": data["jinmao_park"], "全区": data["district"]}
    return build_map(JINMAO_MAP_KEYS, data, basemap=basemap, labels=labels,
                     bookmarks=bookmarks, fit=data["jinmao_park"])

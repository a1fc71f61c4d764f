"""The layers a planner can open in 属性表与空间查询 (no streamlit): every imported layer of the workspace,
the renewal sites and the plan's layers, each with its Chinese title and the Chinese headers of its fields."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import geopandas as gpd

from layers.imported import imported_scene_layers
from layers.maps import SITES_LAYER_KEY
from layers.registry import REGISTRY, LayerSpec, Style
from layers.scene import SceneLayer
from renewal.storage.layers import LayerStore

#: Plan layers (bundled, 一站一带一园多点) offered, in this order.
PLAN_GROUPS = ("一站", "一带", "一园", "多点")
PLAIN = Style(color="#3366cc", weight=1.5, fill_opacity=0.25, radius=6)


@dataclass(frozen=True, eq=False)
class Source:
    """One layer a planner can open: its key, title, features (WGS84), field headers and map layer."""

    key: str
    title: str
    data: gpd.GeoDataFrame
    labels: dict[str, str] = field(default_factory=dict)
    spec: LayerSpec | None = None
    map_data: gpd.GeoDataFrame | None = (
        None  # what the map draws, when it adds helper columns (label, source)
    )

    def scene_layer(self) -> SceneLayer:
        spec = self.spec or LayerSpec(f"gis:{self.key}", self.title, "参考", style=PLAIN)
        return SceneLayer(spec, self.data if self.map_data is None else self.map_data)


def imported_sources(store: LayerStore) -> list[Source]:
    out = []
    for layer in imported_scene_layers(store, visible=True):
        name = layer.key.split(":", 1)[1]
        entry = store.get(name)
        title = entry.title if entry is not None else name
        own = store.read(name).columns  # the planner's fields, without the map's label and source helpers
        data = layer.data[[c for c in layer.data.columns if c in own]]
        out.append(Source(f"imported:{name}", f"{title}（导入图层）", data, {}, layer.spec, layer.data))
    return out


def site_source(sites: gpd.GeoDataFrame | None) -> list[Source]:
    if sites is None or sites.empty:
        return []
    spec = REGISTRY[SITES_LAYER_KEY]
    return [Source("sites", "城市更新项目", sites, dict(spec.popup), spec)]


def plan_sources(load: Callable[[tuple[str, ...]], dict[str, gpd.GeoDataFrame]]) -> list[Source]:
    """The bundled plan layers, only the fields their popups name (with those Chinese headers) and ``name``."""
    keys = tuple(
        k
        for k, s in REGISTRY.items()
        if s.group in PLAN_GROUPS and s.source and s.source != "renewal_sites" and k != SITES_LAYER_KEY
    )
    data = load(keys)
    out = []
    for k in keys:
        spec = REGISTRY[k]
        labels = {"name": "名称", **dict(spec.popup)}
        gdf = data[k]
        cols = [c for c in labels if c in gdf.columns]
        out.append(
            Source(f"plan:{k}", f"{spec.title_zh}（规划）", gdf[[*cols, gdf.geometry.name]], labels, spec)
        )
    return out

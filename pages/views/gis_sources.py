"""The layers a planner can open in 属性表与空间查询 (no streamlit): every imported layer of the workspace,
the renewal sites, the workspace's facilities and the plan's layers, each with its Chinese title and the Chinese headers of its fields."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import geopandas as gpd

from layers.imported import imported_scene_layers
from layers.maps import SITES_LAYER_KEY
from layers.registry import REGISTRY, LayerSpec, Style
from layers.scene import SceneLayer
from renewal.storage.layers import LayerCore

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


def imported_sources(store: LayerCore) -> list[Source]:
    out = []
    for layer in imported_scene_layers(store, visible=True, saved_styles=False):
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


#: The workspace facilities' fields a planner reads, with their Chinese headers (codes left out).
FACILITY_LABELS = {
    "facility_id": "设施编号",
    "name": "名称",
    "name_zh": "设施类别",
    "address": "地址",
    "status": "状态",
    "source_zh": "数据来源",
    "class_rule": "归类依据",
    "places": "学位",
    "beds": "床位",
    "floor_area_m2": "建筑面积（㎡）",
}


def facility_source(facilities: gpd.GeoDataFrame | None) -> list[Source]:
    """The workspace's facility inventory (生活圈覆盖 or ``import-osm``), if there is one."""
    if facilities is None or facilities.empty:
        return []
    cols = [c for c in FACILITY_LABELS if c in facilities.columns]
    data = facilities[[*cols, facilities.geometry.name]]
    spec = LayerSpec("gis:facilities", "公共服务设施", "参考", style=PLAIN, tooltip=("name",))
    return [Source("facilities", "公共服务设施（工作区）", data, FACILITY_LABELS, spec)]


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

"""The named views of the layout story: one scene each, shared by 汇报模式, the map sheets,
the slide deck and ``export-map --view``.

A :class:`MapView` is a title, a caption quoted verbatim from the plan (with the
clause it comes from) and a recipe that builds its :class:`~layers.scene.Scene`
(:mod:`layers.maps`) framed on the view's extent. Views whose data is not
there (no renewal sites, no facilities) raise
:class:`ViewUnavailable` with a Chinese and an English message.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass

import geopandas as gpd

from layers.maps import coverage_layers, coverage_scene, jinmao_scene, layout_scene, sites_scene
from layers.scene import Scene
from renewal.analysis.coverage import CoverageResult
from renewal.analysis.facilities import known_coverage
from renewal.errors import InputError


class ViewUnavailable(InputError):
    """The view's data is not available (e.g. no coverage results yet)."""


@dataclass(frozen=True)
class MapView:
    key: str
    title: str
    caption: str  # verbatim from the plan (an excerpt may be cut with ……)
    clause: str  # where in the plan the caption comes from
    build: Callable[[gpd.GeoDataFrame | None], Scene]  # sites (or None) -> scene


def _framed(scene: Scene, title: str, bookmark: str | None) -> Scene:
    extent = scene.bookmarks.get(bookmark, scene.extent) if bookmark else scene.extent
    return dataclasses.replace(scene, title=title, extent=extent)


def _layout(title: str, bookmark: str | None) -> Callable[[gpd.GeoDataFrame | None], Scene]:
    return lambda sites: _framed(layout_scene(sites=sites), title, bookmark)


def _park(sites: gpd.GeoDataFrame | None) -> Scene:
    return _framed(jinmao_scene(), "一园：金贸产业园四个片区", None)


def _sites(sites: gpd.GeoDataFrame | None) -> Scene:
    if sites is None or sites.empty:
        raise ViewUnavailable("No renewal sites to show", "没有可显示的城市更新项目")
    scene = sites_scene(sites, sites.iloc[0:0])
    district = layout_scene().bookmarks.get("全区")
    return dataclasses.replace(scene, title="城市更新项目", extent=district)


COVERAGE_TITLE = "生活圈覆盖：规划设施与已导入设施的服务半径"


def coverage_view_scene(result: CoverageResult, facilities: gpd.GeoDataFrame) -> Scene:
    """The coverage view's scene for a computed result (every category it holds)."""
    if facilities.empty:
        raise ViewUnavailable("No facilities to show coverage for", "没有可用于生活圈覆盖分析的设施")
    layers = coverage_layers(result, facilities, list(result.stats["category"]))
    return coverage_scene(layers, title=COVERAGE_TITLE)


def _coverage(sites: gpd.GeoDataFrame | None) -> Scene:
    """Every category's radius coverage by the facilities the platform knows (the plan's placed ones and the
    workspace's imported ones)."""
    return coverage_view_scene(*known_coverage())


VIEWS: dict[str, MapView] = {
    v.key: v
    for v in (
        MapView(
            "layout",
            "河东区“十五五”总体布局：一站一带一园多点",
            "坚持全局视野和系统思维，统筹空间、规模、产业三大结构，持续打造功能定位清晰、发展导向明确、"
            "各类要素协调发展的空间格局，进一步优化“一站一带一园多点”总体布局。",
            "第二章 第四节",
            _layout("河东区“十五五”总体布局：一站一带一园多点", "全区"),
        ),
        MapView(
            "station",
            "一站：天津站站产城融合发展片区",
            "提升发展“一站”。锚定京津冀协同发展重大国家战略，发挥天津站交通枢纽辐射带动作用，做好站产城融合文章……"
            "打造“天津站·京津同城商务区”和国际消费中心城市核心承载区。",
            "第二章 第四节",
            _layout("一站：天津站站产城融合发展片区", "一站"),
        ),
        MapView(
            "belt",
            "一带：海河东岸创新发展带",
            "聚力打造“一带”。依托海河东岸特色建筑、商业综合体、景观步道，将沿线渤海银行大厦、嘉里中心、中海城市广场、"
            "金茂汇、万达中心、棉3创意街区、海河码头等串珠成链……构建海河东岸创新发展带。",
            "第二章 第四节",
            _layout("一带：海河东岸创新发展带", "一带"),
        ),
        MapView(
            "park",
            "一园：金贸产业园四个片区",
            "金贸产业园是天津市承接非首都功能“1+16”重点平台之一，位于二号桥街域内，南接海河柳林设计之都核心区，"
            "将分四个片区加快建设：",
            "第二章 第四节 专栏1",
            _park,
        ),
        MapView(
            "sites",
            "城市更新项目",
            "大力实施连片城市更新。天津站片区发挥交通枢纽优势，重点加快一冷音乐文化产业片区等项目建设……",
            "第六章 第二节",
            _sites,
        ),
        MapView(
            "coverage",
            COVERAGE_TITLE,
            "开展完整社区、创新型产业社区、商务社区建设，高质量打造一刻钟便民生活圈",
            "第六章 第三节",
            _coverage,
        ),
    )
}


def available_views(sites: gpd.GeoDataFrame | None) -> list[str]:
    """The views that can be drawn with ``sites`` (the sites view needs some), in story order; cheap: no
    scene is built."""
    return [k for k in VIEWS if k != "sites" or (sites is not None and not sites.empty)]


def view_scene(key: str, sites: gpd.GeoDataFrame | None = None) -> Scene:
    """The scene of view ``key`` (``sites``: the renewal-site catalogue, for the layout and sites views)."""
    if key not in VIEWS:
        raise InputError(f"Unknown view {key!r}; choose from {', '.join(VIEWS)}", f"未知视图：{key}")
    return VIEWS[key].build(sites)

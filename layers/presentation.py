"""汇报模式 as one client-side presentation: every available view of the layout story in ONE HTML
document that switches slides in the browser (no server round trip).

:func:`presentation_slides` builds each view's scene once (:mod:`layers.views`, plus the workspace's
imported layers); :func:`presentation_html` draws each with the folium back-end as a standalone offline map
(:func:`layers.render.standalone_map_html`: Leaflet and plugins inline, no CDN) and puts the maps, one
per slide, into a page with the view title (one line), the plan caption and clause, 第 k / n 页,
上一页/下一页 and 全屏 (``layers/static/presentation.js`` and ``presentation.css``, inlined). The same
document is embedded by 汇报模式 (a component frame) and downloaded as the offline file
(``python -m renewal deck --out FILE.html``): with no network the tile basemap is absent and the district
boundary and its neighbours still give the context.

Text: titles, captions and clauses go into HTML through :func:`layers.markup.html_text`; the maps and the
per-slide extents go into one JSON script through :func:`layers.markup.safe_json`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

import geopandas as gpd

from layers import folium_pins as pins
from layers.assets import own_asset
from layers.basemaps import BASEMAPS, DEFAULT_BASEMAP
from layers.display import display_bounds
from layers.map_controls import LargeLabels
from layers.markup import html_text, safe_json
from layers.registry import REGISTRY
from layers.render import draw_scene, standalone_map_html
from layers.scene import Scene, SceneLayer, scene_from_data, with_layers
from layers.views import VIEWS, ViewUnavailable, available_views, view_scene
from renewal.errors import InputError
from renewal.storage.presentation_views import SavedDeck, slide_order, view_layers
from renewal.zh import beijing_time

PRESENTATION_JS = own_asset("presentation.js")
PRESENTATION_CSS = own_asset("presentation.css")

#: The document's title (and the file name of its download).
DOCUMENT_TITLE = "河东区“十五五”总体布局汇报"
SOURCE_ZH = "《河东区“十五五”规划纲要》"
APPROX_NOTE_ZH = "虚线、空心符号表示位置示意（规划未附图，未经测绘）。"


@dataclasses.dataclass(frozen=True)
class Slide:
    """One view of the presentation: its title, the plan's words and clause, and its scene."""

    key: str
    title: str
    caption: str
    clause: str
    scene: Scene
    note: str = ""  # a planner's view: where and when it was kept (shown instead of the plan's words)
    basemap: str | None = None  # a planner's view: the basemap it was added with


def snapshot_layers(scene: Scene) -> dict[str, gpd.GeoDataFrame]:
    """The layers of ``scene`` a planner's view keeps (by key, in drawing order): every layer drawn by its
    registered spec (:mod:`layers.registry`); imported layers are not kept (every slide shows the
    workspace's current ones)."""
    return {
        layer.key: layer.data
        for layer in scene.layers
        if REGISTRY.get(layer.key) == layer.spec and not layer.data.empty
    }


def reported_switches(scene: Scene, reported: object) -> dict[str, bool] | None:
    """The layer switches of ``scene``'s map as the browser reported them (``reported``: the keys of the
    layers switched on, a JSON list from the page): every layer key of the map, on or off. Keys the map
    does not have and anything that is not a text are ignored (the browser is never trusted: only the map's
    own keys come back, and they are used as keys, never as markup); None when there is no report (not a
    list: the slide then shows each layer's default visibility)."""
    if not isinstance(reported, (list, tuple)):
        return None
    on = {k for k in reported if isinstance(k, str)}
    return {key: key in on for key in dict.fromkeys(scene.keys)}


def switched(layer: SceneLayer, switches: Mapping[str, bool]) -> SceneLayer:
    """``layer`` visible as ``switches`` says (its key absent: its spec's default)."""
    on = switches.get(layer.key)
    if on is None or on == layer.spec.visible:
        return layer
    return SceneLayer(dataclasses.replace(layer.spec, visible=on), layer.data, layer.id_field)


def snapshot_note(page: str, who: str, added_at: str) -> str:
    """The line a planner's slide shows: a snapshot, from which map, by whom, when (北京时间)."""
    return f"添加时的地图与分析结果快照（{page}，{who}添加，北京时间 {beijing_time(added_at)}）"


def saved_slide(
    key: str,
    *,
    title: str,
    note: str,
    extent: tuple[float, float, float, float],
    basemap: str,
    data: dict[str, gpd.GeoDataFrame],
    extra_layers: Iterable[SceneLayer] = (),
    switches: Mapping[str, bool] | None = None,
) -> Slide:
    """A planner's view as a slide: its kept layers (by registered key) framed on its extent, each visible
    as the map's layer switches were when it was added (``switches``, also for the imported layers the map
    had; a layer the map did not have, and every layer of a view saved before the switches were recorded,
    keeps its default). Every back-end draws a layer by ``spec.visible``: the page and the offline HTML
    draw one switched off unticked in the layer control, the print sheets, PPTX and PDF leave it out. A
    layer key no longer registered is :class:`ViewUnavailable` (the view cannot be drawn any more)."""
    gone = [k for k in data if k not in REGISTRY]
    if gone:
        raise ViewUnavailable(
            f"View {title!r} has layers that no longer exist: {gone}",
            f"视图“{title}”中的图层已不存在（{'、'.join(gone)}），无法绘制；请删除该视图后重新添加。",
        )
    on = switches or {}
    specs = {k: switched(SceneLayer(REGISTRY[k], data[k]), on).spec for k in data}
    scene = scene_from_data(list(data), data, title=title, extent=extent, specs=specs)
    extra = [switched(layer, on) for layer in extra_layers]
    scene = with_layers(scene, extra) if extra else scene
    return Slide(key, title, "", "", scene, note=note, basemap=basemap if basemap in BASEMAPS else None)


def presentation_slides(
    sites: gpd.GeoDataFrame | None, extra_layers: Iterable[SceneLayer] = ()
) -> list[Slide]:
    """The slides of every view that can be drawn (story order; a view whose data is missing, e.g.
    coverage without any facility, is left out), each scene with the ``extra_layers`` (imported layers)."""
    extra = list(extra_layers)
    slides = []
    for key in available_views(sites):
        view = VIEWS[key]
        try:
            scene = view_scene(key, sites)
        except ViewUnavailable:
            continue
        scene = with_layers(scene, extra) if extra else scene
        slides.append(Slide(key, view.title, view.caption, view.clause, scene))
    return slides


def slide_map_html(scene: Scene, basemap: str = DEFAULT_BASEMAP) -> str:
    """One slide's map as a standalone offline document: labels and legend large for a projector, without
    the map's own full-screen button (the presentation has one for the whole slide)."""
    from folium.plugins import Fullscreen

    m = draw_scene(scene, basemap=basemap, labels=True, legend=True)
    for name, child in list(pins.children(m).items()):
        if isinstance(child, Fullscreen):
            pins.remove_child(m, name)
    LargeLabels().add_to(m)
    return standalone_map_html(m)


def _extent(scene: Scene, basemap: str) -> list[list[float]] | None:
    if scene.extent is None:
        return None
    w, s, e, n = display_bounds(scene.extent, BASEMAPS.get(basemap) or BASEMAPS[DEFAULT_BASEMAP])
    return [[s, w], [n, e]]


def _slide_html(i: int, n: int, slide: Slide) -> str:
    caption = ""
    if slide.caption:
        caption = (
            f'<p class="rp-caption"><q>{html_text(slide.caption)}</q>'
            f"<cite>——{html_text(SOURCE_ZH)}{html_text(slide.clause)}</cite></p>"
        )
    elif slide.note:
        caption = f'<p class="rp-caption rp-note-line">{html_text(slide.note)}</p>'
    return (
        f'<section class="rp-slide" data-key="{html_text(slide.key)}" data-index="{i}"'
        f"{'' if i == 0 else ' hidden'}>"
        f'<h1 class="rp-title">{html_text(slide.title)}</h1>{caption}'
        f'<div class="rp-map"></div>'
        "</section>"
    )


def presentation_html(slides: list[Slide], *, basemap: str = DEFAULT_BASEMAP) -> str:
    """The presentation as one standalone HTML document (every asset inline)."""
    if not slides:
        raise ViewUnavailable("No view to present", "没有可汇报的视图")
    n = len(slides)
    data = [
        {
            "key": s.key,
            "extent": _extent(s.scene, s.basemap or basemap),
            "map": slide_map_html(s.scene, s.basemap or basemap),
        }
        for s in slides
    ]
    body = "".join(_slide_html(i, n, s) for i, s in enumerate(slides))
    return (
        '<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{html_text(DOCUMENT_TITLE)}</title><style>{PRESENTATION_CSS}</style></head><body>"
        '<div class="rp-deck" id="rp-deck" tabindex="-1">'
        f'<div class="rp-slides">{body}</div>'
        '<nav class="rp-bar" aria-label="翻页">'
        f'<span class="rp-note">{html_text(APPROX_NOTE_ZH)}</span>'
        f'<span class="rp-count" id="rp-count">第 1 / {n} 页</span>'
        '<button type="button" class="rp-btn" id="rp-prev" tabindex="-1">◀ 上一页</button>'
        '<button type="button" class="rp-btn" id="rp-next" tabindex="-1">下一页 ▶</button>'
        '<button type="button" class="rp-btn" id="rp-full" tabindex="-1">全屏</button>'
        "</nav></div>"
        f'<script type="application/json" id="rp-data">{safe_json(data, separators=(",", ":"))}</script>'
        f"<script>{PRESENTATION_JS}</script></body></html>"
    )


def planner_slides(
    deck: SavedDeck, extra_layers: Iterable[SceneLayer] = (), workspace: Path | None = None
) -> tuple[list[Slide], list[str]]:
    """The slides of the planner's saved views and, in Chinese, why any of them cannot be drawn (left out)."""
    extra = list(extra_layers)
    slides, problems = [], []
    for view in deck.views:
        try:
            slides.append(
                saved_slide(
                    view.view_id,
                    title=view.title,
                    note=snapshot_note(view.page, view.who, view.added_at),
                    extent=view.extent,
                    basemap=view.basemap,
                    data=view_layers(view, workspace),
                    extra_layers=extra,
                    switches=view.switched,
                )
            )
        except InputError as err:
            problems.append(err.message_zh)
    return slides, problems


def ordered_slides(builtin: Sequence[Slide], added: Sequence[Slide], deck: SavedDeck) -> list[Slide]:
    """Every slide in the presentation's order (:func:`renewal.storage.presentation_views.slide_order`)."""
    by_key = {s.key: s for s in (*builtin, *added)}
    return [by_key[k] for k in slide_order([s.key for s in builtin], deck) if k in by_key]

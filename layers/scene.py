"""A map is first a scene: pure data, drawn afterwards by a back-end.

A :class:`Scene` holds everything a map shows, in WGS84 and as plain values:
its title, its layers in drawing order (each a :class:`SceneLayer`: a
:class:`~layers.registry.LayerSpec` plus the GeoDataFrame it draws), the
legend as :class:`LegendEntry` data, view bookmarks and the initial extent as
WGS84 bounds, and a footnote. The recipes in :mod:`layers.maps` build scenes;
:func:`layers.render.draw_scene` draws one with folium; a print (matplotlib)
back-end would draw the same scene from the same values.

A layer's data comes with the scene, so a computed layer (coverage
catchments, gaps, a selection) is just a spec with ``source=None`` plus its
GeoDataFrame. Bundled layers are loaded with :func:`load_layer`.

This module never imports folium (or streamlit).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import geopandas as gpd

import geodata
from layers.registry import REGISTRY, LayerSpec
from layers.styles import feature_precision, geometry_kind, is_approximate, legend_style

Bounds = tuple[float, float, float, float]  # (min lon, min lat, max lon, max lat), WGS84

DEFAULT_FOOTNOTE = (
    "区界、海河由高德行政区划推算（误差约数十米）；地铁为2016年快照；"
    "规划要素按《河东区“十五五”规划纲要》文字示意，未经测绘。"
)


# --------------------------------------------------------------------------
# Data selection
# --------------------------------------------------------------------------


def _cell_matches(value: object, allowed: tuple[str, ...]) -> bool:
    if value is None or (isinstance(value, float) and value != value):
        return False
    parts = str(value).split("|")
    return any(p in allowed for p in parts)


def select(gdf: gpd.GeoDataFrame, spec: LayerSpec) -> gpd.GeoDataFrame:
    """The features of ``gdf`` that ``spec`` shows (its ``where`` and ``geom_types`` filters)."""
    mask = gdf.geometry.notna()
    for column, allowed in spec.where:
        if column not in gdf.columns:
            return gdf.iloc[0:0]
        mask &= gdf[column].map(lambda v, a=allowed: _cell_matches(v, a))
    if spec.geom_types:
        mask &= gdf.geom_type.isin(spec.geom_types)
    return gdf[mask]


def load_layer(key: str) -> gpd.GeoDataFrame:
    """Load and select the features of a registered layer from bundled geodata."""
    spec = REGISTRY[key]
    if not spec.source:
        raise ValueError(f"layer {key} is computed (no bundled source); its data comes with the scene")
    return select(geodata.load(spec.source), spec)


def load_layers(keys: Iterable[str]) -> dict[str, gpd.GeoDataFrame]:
    return {k: load_layer(k) for k in keys}


def as_bounds(values: Iterable[float]) -> Bounds:
    """Four numbers (min lon, min lat, max lon, max lat) as plain-float :data:`Bounds`."""
    minx, miny, maxx, maxy = (float(v) for v in values)
    return (minx, miny, maxx, maxy)


def bounds_of(gdf: gpd.GeoDataFrame | None) -> Bounds | None:
    """The WGS84 bounds of ``gdf`` as plain floats, or None when there is nothing."""
    if gdf is None or gdf.empty:
        return None
    return as_bounds(gdf.total_bounds)


# --------------------------------------------------------------------------
# Scene
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class LegendEntry:
    """One legend row as data: what it says and how its symbol looks (resolved style values).

    ``kind`` is point/line/polygon; ``stroke``/``fill`` are colours, ``weight``
    and ``radius`` pixels, ``dash`` an on/off pattern (set when the layer has
    approximate features, see :func:`layers.styles.legend_style`).
    ``categories`` are the sub-rows of a ``color_by`` layer, one per value on
    the map, each with its own colour.
    """

    label: str
    kind: str
    stroke: str
    fill: str
    weight: float
    fill_opacity: float
    radius: float
    dash: tuple[float, ...] | None
    approximate: bool
    group: str = ""
    key: str = ""
    categories: tuple[LegendEntry, ...] = ()


@dataclass(frozen=True, eq=False)
class SceneLayer:
    """A layer of a scene: its spec and the WGS84 features it draws (already selected)."""

    spec: LayerSpec
    data: gpd.GeoDataFrame
    id_field: str | None = None  # column copied to each feature's id so a click can be traced back

    @property
    def key(self) -> str:
        return self.spec.key


@dataclass(frozen=True, eq=False)
class Scene:
    """A whole map as data (WGS84): layers in drawing order, legend, bookmarks, extent, notes."""

    title: str
    layers: tuple[SceneLayer, ...]
    legend: tuple[LegendEntry, ...] = ()
    bookmarks: Mapping[str, Bounds] = field(default_factory=dict)
    extent: Bounds | None = None
    footnote: str = DEFAULT_FOOTNOTE

    @property
    def keys(self) -> tuple[str, ...]:
        return tuple(layer.key for layer in self.layers)

    def layer(self, key: str) -> SceneLayer:
        for layer in self.layers:
            if layer.key == key:
                return layer
        raise KeyError(key)

    @property
    def sources(self) -> tuple[str, ...]:
        """The bundled geodata layers the scene shows (for source notes), in drawing order."""
        return tuple(dict.fromkeys(layer.spec.source for layer in self.layers if layer.spec.source))


def _categories(spec: LayerSpec, gdf: gpd.GeoDataFrame) -> list[str]:
    """The values of a ``color_by`` field present in ``gdf``: the colour map's order, then the rest sorted."""
    by = spec.style.color_by
    if not by or by not in gdf.columns:
        return []
    present = {str(v) for v in gdf[by].dropna().unique()}  # each distinct value once
    known = [v for v, _ in spec.style.color_map]
    return [v for v in known if v in present] + sorted(present - set(known))


def _any_approximate(spec: LayerSpec, gdf: gpd.GeoDataFrame) -> bool:
    """Whether any feature is placed approximately: each distinct ``precision`` value once (a row loop over
    every site was a fifth of a 更新项目 click's server time)."""
    values = gdf["precision"].unique() if "precision" in gdf.columns else [None]
    return any(is_approximate(feature_precision({"precision": v}, spec)) for v in values)


def legend_entry(spec: LayerSpec, gdf: gpd.GeoDataFrame) -> LegendEntry | None:
    """The legend row of one layer (None when it has no features)."""
    if gdf.empty:
        return None
    approx = _any_approximate(spec, gdf)
    kind = geometry_kind(gdf.geom_type.iloc[0])
    colors = dict(spec.style.color_map)
    subs = tuple(
        LegendEntry(
            value,
            kind,
            approximate=approx,
            group=spec.group,
            key=spec.key,
            **legend_style(spec, approx, colors.get(value, spec.style.color)),
        )
        for value in _categories(spec, gdf)
    )
    return LegendEntry(
        spec.title_zh,
        kind,
        approximate=approx,
        group=spec.group,
        key=spec.key,
        categories=subs,
        **legend_style(spec, approx),
    )


def legend_entries(layers: Iterable[SceneLayer]) -> tuple[LegendEntry, ...]:
    """Legend rows for the layers that have features, in the layers' order."""
    out = (legend_entry(layer.spec, layer.data) for layer in layers)
    return tuple(e for e in out if e is not None)


def make_scene(
    layers: Iterable[SceneLayer],
    *,
    title: str = "",
    bookmarks: Mapping[str, gpd.GeoDataFrame | Bounds | None] | None = None,
    extent: gpd.GeoDataFrame | Bounds | None = None,
    footnote: str = DEFAULT_FOOTNOTE,
) -> Scene:
    """A scene from its layers (sorted into z-order here), with the legend built from them.

    ``bookmarks`` and ``extent`` take WGS84 bounds or GeoDataFrames (their
    bounds are used; an empty one gives no bookmark / no extent).
    """
    ordered = tuple(sorted(layers, key=lambda layer: layer.spec.z))

    def _bounds(value: gpd.GeoDataFrame | Bounds | None) -> Bounds | None:
        if value is None or isinstance(value, (tuple, list)):
            return None if value is None else as_bounds(value)
        return bounds_of(value)

    marks = {label: b for label, v in (bookmarks or {}).items() if (b := _bounds(v)) is not None}
    return Scene(
        title=title,
        layers=ordered,
        legend=legend_entries(ordered),
        bookmarks=marks,
        extent=_bounds(extent),
        footnote=footnote,
    )


def with_layers(scene: Scene, extra: Iterable[SceneLayer]) -> Scene:
    """``scene`` with ``extra`` layers added (e.g. the workspace's imported reference layers); drawing
    order and legend are rebuilt, title, bookmarks, extent and notes kept."""
    extra = tuple(extra)
    if not extra:
        return scene
    return make_scene(
        [*scene.layers, *extra],
        title=scene.title,
        bookmarks=scene.bookmarks,
        extent=scene.extent,
        footnote=scene.footnote,
    )


def scene_from_data(
    keys: Iterable[str],
    data: Mapping[str, gpd.GeoDataFrame],
    *,
    title: str = "",
    bookmarks: Mapping[str, gpd.GeoDataFrame | Bounds | None] | None = None,
    extent: gpd.GeoDataFrame | Bounds | None = None,
    footnote: str = DEFAULT_FOOTNOTE,
    id_fields: Mapping[str, str] | None = None,
    specs: Mapping[str, LayerSpec] | None = None,
) -> Scene:
    """A scene of registered layers: ``keys`` that have an entry in ``data`` (WGS84, already selected)."""
    specs = REGISTRY if specs is None else specs
    layers = [SceneLayer(specs[k], data[k], (id_fields or {}).get(k)) for k in keys if k in data]
    return make_scene(layers, title=title, bookmarks=bookmarks, extent=extent, footnote=footnote)

"""The workspace's imported layers (zones, population, reference layers) as scene layers.

Any map can add them to its layer control (``make_scene([...recipe layers, *imported_scene_layers(store)])``):
each is titled with its title and source file, drawn in its kind's style (reference layers each in
their own colour, labelled from a name field when they have one), hidden by default when
``visible`` is False, and every feature's popup says where the layer came from (source file, date,
who imported it, the CRS it was read as). A layer whose style was saved on 数据管理 (专题图: colour by a
field, labels, opacity; ``LayerStore.style``) is drawn in it, shown by default, with its classes in the
legend; a saved style that is not valid or does not fit the layer is left out (the layer drawn plain) and
said in ``warnings``. Text from data is escaped by the back-end like any layer.
"""

from __future__ import annotations

from dataclasses import replace

from layers.registry import LayerSpec, Style
from layers.scene import SceneLayer
from layers.thematic import styled
from renewal.errors import InputError
from renewal.storage.layers import KIND_LABELS, LayerCore
from renewal.zh import beijing_time

SOURCE_FIELD = "_source"
KIND_STYLES = {
    "zones": Style(color="#7b3294", weight=1.5, fill_opacity=0.05),
    "population": Style(color="#e66101", radius=3, fill_opacity=0.6),
    "reference": Style(color="#4d4d4d", weight=1.2, fill_opacity=0.1, radius=4),
}
#: Reference layers each in their own colour (a qualitative palette, cycled in the layers' order), so two
#: imported layers (控规, 三区三线 …) can be told apart on one map.
REFERENCE_COLORS = ("#1b9e77", "#d95f02", "#7570b3", "#e7298a", "#66a61e", "#a6761d", "#1f78b4")
#: Fields that name a feature, in order of preference: the label drawn on the map.
NAME_FIELDS = ("name", "名称", "NAME", "Name", "名字", "地块名称", "地块编号", "用地性质", "标题")


def _style(kind: str, n_reference: int) -> Style:
    style = KIND_STYLES.get(kind, KIND_STYLES["reference"])
    if kind not in KIND_STYLES or kind == "reference":
        style = replace(style, color=REFERENCE_COLORS[n_reference % len(REFERENCE_COLORS)])
    return style


def imported_scene_layers(
    store: LayerCore,
    *,
    visible: bool = False,
    z: int = -10,
    saved_styles: bool = True,
    warnings: list[str] | None = None,
) -> list[SceneLayer]:
    """One scene layer per imported layer of ``store`` (empty if there are none), each in its saved style
    unless ``saved_styles`` is False; a saved style that cannot be used adds a Chinese line to ``warnings``."""
    out = []
    n_reference = 0
    for lyr in store.list():
        gdf = store.read(lyr.name)
        if gdf.empty:
            continue
        text_fields = [c for c in gdf.columns if c != gdf.geometry.name and gdf[c].dtype == object]
        source = f"{lyr.source_file}（北京时间 {beijing_time(lyr.imported_at)}，{lyr.who}导入，原坐标系 {lyr.crs}）"
        gdf = gdf.assign(**{SOURCE_FIELD: source})
        named = next((f for f in NAME_FIELDS if f in gdf.columns), None)
        if named is not None and named != "name":
            gdf = gdf.assign(name=gdf[named])  # the label the map draws
        style = _style(lyr.kind, n_reference)
        n_reference += lyr.kind not in ("zones", "population")
        spec = LayerSpec(
            key=f"imported:{lyr.name}",
            title_zh=f"{lyr.title}（{KIND_LABELS.get(lyr.kind, lyr.kind)}，来源：{lyr.source_file}）",
            group="参考",
            label=named is not None,
            style=style,
            tooltip=tuple(text_fields[:1]) or (SOURCE_FIELD,),
            popup=tuple((f, str(f)) for f in text_fields[:6]) + ((SOURCE_FIELD, "来源"),),
            visible=visible,
            z=z,
        )
        layer = SceneLayer(spec, gdf)
        if saved_styles:
            layer = _saved_style(store, lyr.name, lyr.title, layer, warnings)
        out.append(layer)
    return out


def _saved_style(
    store: LayerCore, name: str, title: str, layer: SceneLayer, warnings: list[str] | None
) -> SceneLayer:
    try:
        style = store.style(name)
        return layer if style is None else styled(layer, style)
    except InputError as err:
        if warnings is not None:
            warnings.append(f"图层“{title}”：{err.message_zh}")
        return layer

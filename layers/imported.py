"""The workspace's imported layers (zones, population, reference layers) as scene layers.

Any map can add them to its layer control (``make_scene([...recipe layers, *imported_scene_layers(store)])``):
each is titled with its title and source file, drawn in a muted style, hidden by default when
``visible`` is False, and every feature's popup says where the layer came from (source file, date,
who imported it, the CRS it was read as). Text from data is escaped by the back-end like any layer.
"""

from __future__ import annotations

from layers.registry import LayerSpec, Style
from layers.scene import SceneLayer
from renewal.storage.layers import KIND_LABELS, LayerStore

SOURCE_FIELD = "_source"
KIND_STYLES = {
    "zones": Style(color="#7b3294", weight=1.5, fill_opacity=0.05),
    "population": Style(color="#e66101", radius=3, fill_opacity=0.6),
    "reference": Style(color="#4d4d4d", weight=1.2, fill_opacity=0.1, radius=4),
}


def imported_scene_layers(store: LayerStore, *, visible: bool = False, z: int = -10) -> list[SceneLayer]:
    """One scene layer per imported layer of ``store`` (empty if there are none)."""
    out = []
    for lyr in store.list():
        gdf = store.read(lyr.name)
        if gdf.empty:
            continue
        text_fields = [c for c in gdf.columns if c != gdf.geometry.name and gdf[c].dtype == object]
        source = f"{lyr.source_file}（{lyr.imported_at}，{lyr.who}导入，原坐标系 {lyr.crs}）"
        gdf = gdf.assign(**{SOURCE_FIELD: source})
        spec = LayerSpec(
            key=f"imported:{lyr.name}",
            title_zh=f"{lyr.title}（{KIND_LABELS.get(lyr.kind, lyr.kind)}，来源：{lyr.source_file}）",
            group="参考",
            style=KIND_STYLES.get(lyr.kind, KIND_STYLES["reference"]),
            tooltip=tuple(text_fields[:1]) or (SOURCE_FIELD,),
            popup=tuple((f, str(f)) for f in text_fields[:6]) + ((SOURCE_FIELD, "来源"),),
            visible=visible,
            z=z,
        )
        out.append(SceneLayer(spec, gdf))
    return out

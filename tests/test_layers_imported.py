"""Imported workspace layers as scene layers: titled with their source, popups say where they came from, escaped."""

import json

import geopandas as gpd
from shapely.geometry import Point

from layers.imported import SOURCE_FIELD, imported_scene_layers
from layers.render import draw_scene
from layers.scene import make_scene
from renewal.storage.layers import LayerStore


def test_imported_layers_in_the_layer_control(tmp_path):
    store = LayerStore(tmp_path / "layers.gpkg")
    assert imported_scene_layers(store) == []
    gdf = gpd.GeoDataFrame({"名称": ["<script>x</script>"]}, geometry=[Point(117.2277, 39.11)], crs=4326)
    store.put(
        "ref_kg", "reference", gdf, source_file="控规.zip", crs="EPSG:4548", who="张工", title="控规用地"
    )
    layers = imported_scene_layers(store)
    assert (
        len(layers) == 1 and "控规.zip" in layers[0].spec.title_zh and "控规用地" in layers[0].spec.title_zh
    )
    assert (
        "张工" in layers[0].data[SOURCE_FIELD].iloc[0] and "EPSG:4548" in layers[0].data[SOURCE_FIELD].iloc[0]
    )
    html = draw_scene(make_scene(layers)).get_root().render()
    title = layers[0].spec.title_zh
    assert title in html or json.dumps(title)[1:-1] in html  # the layer control names it (maybe JSON-escaped)
    assert "<script>x</script>" not in html

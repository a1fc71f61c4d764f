"""Imported workspace layers as scene layers: titled with their source, popups say where they came from, escaped."""

import json
from pathlib import Path

import geopandas as gpd
from shapely.geometry import Point

from layers.imported import SOURCE_FIELD, imported_scene_layers
from layers.render import draw_scene
from layers.scene import make_scene
from renewal.storage.access import Actor
from renewal.storage.layers import LayerStore


def test_imported_layers_in_the_layer_control(tmp_path):
    store = LayerStore(tmp_path / "layers.gpkg")
    assert imported_scene_layers(store) == []
    gdf = gpd.GeoDataFrame({"名称": ["<script>x</script>"]}, geometry=[Point(117.2277, 39.11)], crs=4326)
    store.put(
        "ref_kg",
        "reference",
        gdf,
        source_file="控规.zip",
        crs="EPSG:4548",
        actor=Actor("张工"),
        title="控规用地",
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


def test_every_map_page_offers_the_imported_reference_layer(tmp_path, monkeypatch):
    """A layer imported on 数据管理 appears in the layer control of 总体布局, 金贸产业园 and 更新项目."""
    from streamlit.testing.v1 import AppTest

    from renewal.storage.layers import layers_path

    monkeypatch.setenv("RENEWAL_WORKSPACE", str(tmp_path))
    gdf = gpd.GeoDataFrame({"名称": ["规划绿地"]}, geometry=[Point(117.2277, 39.11)], crs=4326)
    LayerStore(layers_path()).put(
        "ref_green",
        "reference",
        gdf,
        source_file="绿地系统.gpkg",
        crs="EPSG:4490",
        actor=Actor("李工"),
        title="绿地系统",
    )
    from pages import _ui

    shown = []
    monkeypatch.setattr(_ui, "show_map", lambda m, **kw: shown.append(m.get_root().render()) or {})
    root = Path(__file__).resolve().parent.parent
    title = "绿地系统（参考图层，来源：绿地系统.gpkg）"
    for page in ("home.py", "jinmao.py", "sites.py"):
        shown.clear()
        at = AppTest.from_file(str(root / "pages" / page), default_timeout=90)
        at.run()
        assert not at.exception, (page, at.exception)
        assert len(shown) == 1 and (title in shown[0] or json.dumps(title)[1:-1] in shown[0]), page


def test_reference_layers_each_in_their_own_colour_and_labelled_from_a_name_field(tmp_path):
    """Two reference layers (控规, 三区三线) are told apart on one map, neither is grey, and a layer with a
    名称 field is labelled with it; the popup says when it was imported in 北京时间."""
    import re

    from layers.imported import KIND_STYLES

    store = LayerStore(tmp_path / "layers.gpkg")
    pts = [Point(117.2277, 39.11)]
    for name, fields in (("ref_kg", {"名称": ["甲地块"]}), ("ref_sq", {"类型": ["城镇开发边界"]})):
        gdf = gpd.GeoDataFrame(fields, geometry=pts, crs=4326)
        store.put(name, "reference", gdf, source_file=f"{name}.geojson", crs="WGS84", actor=Actor("张工"))
    kg, sq = imported_scene_layers(store)
    grey = KIND_STYLES["reference"].color
    assert kg.spec.style.color != sq.spec.style.color and grey not in (
        kg.spec.style.color,
        sq.spec.style.color,
    )
    assert kg.spec.label and list(kg.data["name"]) == ["甲地块"]
    assert not sq.spec.label  # no name field: no label rather than a made-up one
    assert "北京时间" in kg.data[SOURCE_FIELD].iloc[0]
    assert not re.search(r"\d{2}:\d{2}:\d{2}(\+00:00|Z| UTC)", kg.data[SOURCE_FIELD].iloc[0])

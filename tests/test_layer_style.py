"""An imported layer's style kept in the workspace (issue #20): saved by an editor with a 'style' history row,
refused for a viewer, read back and drawn by every map's imported layers; a bad stored style draws the
layer plain with a warning, never a crash."""

from __future__ import annotations

import sqlite3

import geopandas as gpd
import pytest
from shapely.geometry import box

from layers.imported import imported_scene_layers
from layers.render import draw_scene
from layers.scene import legend_entry, make_scene
from renewal.auth import VIEWER
from renewal.errors import InputError
from renewal.layer_style import LayerStyle
from renewal.storage.access import Actor, ViewerRefused
from renewal.storage.layers import LayerStore

IMG = "<img src=x onerror=alert(1)>"


@pytest.fixture
def store(tmp_path):
    s = LayerStore(tmp_path / "layers.gpkg")
    gdf = gpd.GeoDataFrame(
        {"用地性质": ["R2", "B1", IMG], "容积率": [1.0, 2.0, 3.0]},
        geometry=[box(117.22 + i * 0.002, 39.11, 117.221 + i * 0.002, 39.111) for i in range(3)],
        crs=4326,
    )
    s.put(
        "kg", "reference", gdf, source_file="控规.geojson", crs="EPSG:4326", actor=Actor("张工"), title="控规"
    )
    return s


def test_style_round_trip_history_and_clear(store):
    assert store.style("kg") is None
    style = LayerStyle("用地性质", "categories", 5, "", "用地性质", 0.8)
    store.save_style("kg", style, actor=Actor("李工"))
    assert store.style("kg") == style
    top = store.history("kg")[0]
    assert top["action"] == "style" and top["who"] == "李工" and top["version"] == store.get("kg").version
    store.save_style("kg", None, actor=Actor("李工"))
    assert store.style("kg") is None and [h["action"] for h in store.history("kg")][:2] == ["style", "style"]


def test_a_viewer_cannot_save_a_style(store):
    with pytest.raises(ViewerRefused) as err:
        store.save_style("kg", LayerStyle("用地性质"), actor=Actor("王五", VIEWER))
    assert "查看" in err.value.message_zh
    assert store.style("kg") is None and [h["action"] for h in store.history("kg")] == ["import"]


def test_a_style_for_a_missing_layer_is_refused(store):
    with pytest.raises(InputError):
        store.save_style("nope", LayerStyle("用地性质"), actor=Actor("李工"))


@pytest.mark.parametrize(
    "fields",
    [
        {"method": "kmeans"},
        {"classes": 42},
        {"classes": True},
        {"opacity": 1.5},
        {"field": ""},
        {"label": 7},
    ],
)
def test_invalid_styles_are_refused(fields):
    with pytest.raises(InputError):
        LayerStyle(**{"field": "容积率", **fields})


def test_every_map_draws_the_saved_style_with_its_classes(store):
    store.save_style("kg", LayerStyle("用地性质", "categories", 5, "", None, 0.7), actor=Actor("李工"))
    [layer] = imported_scene_layers(store)
    text = str(legend_entry(layer.spec, layer.data))
    assert "R2" in text and "B1" in text and IMG in text and "按用地性质" in layer.spec.title_zh
    assert layer.spec.style.fill_opacity == 0.7 and layer.spec.visible
    html = draw_scene(make_scene([layer])).get_root().render()
    assert IMG not in html  # text from data is escaped
    plain = imported_scene_layers(store, saved_styles=False)[0]
    assert plain.spec.style.color_by is None


@pytest.mark.parametrize(
    "stored",
    ['{"field": "容积率", "method": "kmeans"}', "not json", '{"field": "没有的字段"}', '["x"]'],
)
def test_a_bad_stored_style_draws_the_layer_plain_with_a_warning(store, stored):
    store.save_style("kg", LayerStyle("容积率", "equal", 3, "蓝色渐变"), actor=Actor("李工"))
    con = sqlite3.connect(store.path)
    con.execute("UPDATE layer_style SET style = ? WHERE name = 'kg'", (stored,))
    con.commit()
    con.close()
    warnings: list[str] = []
    [layer] = imported_scene_layers(store, warnings=warnings)
    assert layer.spec.style.color_by is None and "按" not in layer.spec.title_zh
    assert len(warnings) == 1 and "控规" in warnings[0] and "默认样式" in warnings[0]


def test_a_file_from_before_saved_styles_reads_no_style(tmp_path, store):
    con = sqlite3.connect(store.path)
    con.execute("DROP TABLE layer_style")
    con.commit()
    con.close()
    assert store.style("kg") is None and len(imported_scene_layers(store)) == 1

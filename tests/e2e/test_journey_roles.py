"""Journeys: a signed-in 查看 (viewer) on 数据管理 and 生活圈覆盖 is offered nothing that changes shared data
and is told why in Chinese (browsing and downloading still work); an 编辑 imports a layer through the page's
uploader and the layer list and the change record name the signed-in person, never a typed name."""

from __future__ import annotations

import json

import geopandas as gpd
import pytest
from shapely.geometry import Point, box

from renewal import auth
from renewal.storage.access import Actor
from renewal.storage.layers import open_layers
from renewal.storage.shared_files import save_facilities
from tests.e2e import harness

PASSWORDS = {"张三": "zhang-san-pw", "王五": "wang-wu-view"}
X, Y = 117.2277, 39.11
VIEWER_SAYS = "您的角色为“查看”：可以浏览和下载，不能"


@pytest.fixture(scope="module")
def team_app(tmp_path_factory):
    """One server whose workspace has a users file (张三 编辑, 王五 查看), a layer and a facility inventory."""
    tmp = tmp_path_factory.mktemp("roles")
    ws = tmp / "workspace"
    users = tmp / "users.json"
    auth.set_user(users, "张三", auth.EDITOR, PASSWORDS["张三"])
    auth.set_user(users, "王五", auth.VIEWER, PASSWORDS["王五"])
    zhang = Actor("张三", auth.EDITOR)
    parks = gpd.GeoDataFrame({"名称": ["河东公园"]}, geometry=[box(X, Y, X + 0.005, Y + 0.004)], crs=4326)
    open_layers(ws).put(
        "ref_parks", "reference", parks, source_file="公园.geojson", crs="wgs84", actor=zhang, title="公园"
    )
    fac = gpd.GeoDataFrame(
        {"name": ["河东第一小学"], "category": ["primary_school"]}, geometry=[Point(X, Y)], crs=4326
    )
    save_facilities(fac, actor=zhang, workspace=ws, source_file="设施.xlsx")
    with harness.serve_app(tmp, env={"RENEWAL_USERS_FILE": str(users)}, workspace=ws) as served:
        yield served


def _sign_in(p: harness.Planner, name: str) -> None:
    p.sign_in(name, PASSWORDS[name])


@pytest.mark.parametrize("viewport", [harness.WIDE, harness.LAPTOP], ids=["1920x1080", "1366x768"])
def test_a_viewer_is_offered_no_change_and_told_why(chromium, team_app, viewport, tmp_path):
    size = f"{viewport['width']}x{viewport['height']}"
    with harness.planner(chromium, team_app, f"viewer-{size}", viewport) as p:
        p.open("data")
        _sign_in(p, "王五")
        main = p.page.locator('[data-testid="stMain"]')
        # 导入数据: no uploader, no 确认导入, the reason in Chinese
        assert main.get_by_text(VIEWER_SAYS + "导入或替换图层").is_visible()
        assert p.page.locator('[data-testid="stFileUploaderDropzoneInput"]').count() == 0
        assert p.page.get_by_role("button", name="确认导入").count() == 0
        p.screenshot(f"roles-viewer-data-import-{size}")
        # 已导入图层: the list names who imported; no removal; downloading still works
        p.page.get_by_role("radio", name="已导入图层").click()
        p.idle()
        main.get_by_text("公园：张三 于").wait_for()  # who imported the chosen layer
        assert main.get_by_text(VIEWER_SAYS + "删除图层").is_visible()
        assert p.page.get_by_text("删除此图层").count() == 0
        got = p.download("下载 ref_parks", tmp_path)
        data = json.loads(got.read_text(encoding="utf-8"))
        assert [f["properties"]["名称"] for f in data["features"]] == ["河东公园"]
        assert p.page.locator('[data-testid="stExpander"]', has_text="天地图密钥").count() == 0
        p.check_page()
        p.screenshot(f"roles-viewer-data-layers-{size}")
        # 属性表与空间查询: the viewer may colour the layer for this session but not save its style
        p.page.get_by_role("radio", name="属性表与空间查询").click()
        p.idle()
        assert main.get_by_text(VIEWER_SAYS + "保存图层样式").is_visible()
        assert p.page.get_by_role("button", name="保存样式").count() == 0
        assert p.page.get_by_role("button", name="清除样式").count() == 0
        p.check_page()

        # 生活圈覆盖: the inventory can be used for this session but not saved; no OSM import
        p.page.locator('[data-testid="stSidebarNav"]').get_by_text("生活圈覆盖", exact=True).click()
        p.idle()
        inv = p.page.locator('[data-testid="stExpander"]', has_text="导入设施清单")
        inv.get_by_text("导入设施清单").first.click()
        inv.get_by_text("工作区设施清单：1 处，张三").first.wait_for()  # drawn once the panel is opened
        csv = tmp_path / "设施.csv"
        csv.write_text(f"名称,类别,经度,纬度\n新小学,小学,{X + 0.003},{Y + 0.002}\n", encoding="utf-8")
        p.upload(csv, within=inv)
        inv.get_by_text("已读取 1 处设施").wait_for()
        assert inv.get_by_text(VIEWER_SAYS + "把设施清单保存到工作区").is_visible()
        assert p.page.get_by_role("button", name="保存到工作区（替换工作区现有的设施清单）").count() == 0
        osm = p.page.locator('[data-testid="stExpander"]', has_text="从 OpenStreetMap 导入")
        osm.get_by_text("从 OpenStreetMap 导入路网和设施").first.click()
        osm.get_by_text(VIEWER_SAYS + "导入路网和设施").wait_for()  # drawn once the panel is opened
        assert osm.locator('[data-testid="stFileUploaderDropzoneInput"]').count() == 0
        # the study area: shown, not changeable (no uploader, no restore)
        area = p.page.locator('[data-testid="stExpander"]', has_text="当前研究范围")
        p.page.get_by_text("研究范围", exact=True).first.click()
        area.get_by_text("当前研究范围：河东区区界").wait_for()
        assert area.get_by_text(VIEWER_SAYS + "更改研究范围").is_visible()
        assert area.locator('[data-testid="stFileUploaderDropzoneInput"]').count() == 0
        p.check_page()
        p.screenshot(f"roles-viewer-coverage-{size}")
    # nothing the viewer did reached the workspace
    store = open_layers(team_app.workspace)
    assert [h["who"] for h in store.history()] == ["张三", "张三"]
    assert store.style("ref_parks") is None


def test_an_editor_import_is_recorded_under_the_signed_in_name(chromium, team_app, tmp_path):
    with harness.planner(chromium, team_app, "editor") as p:
        p.open("data")
        _sign_in(p, "张三")
        src = tmp_path / "绿地.geojson"
        gpd.GeoDataFrame(
            {"名称": ["滨河绿地"]}, geometry=[box(X + 0.01, Y, X + 0.012, Y + 0.003)], crs=4326
        ).to_file(src, driver="GeoJSON")
        p.upload(src)
        p.page.get_by_text("导入人：张三").wait_for()
        assert p.page.get_by_label("导入人").count() == 0  # no free-text name to type
        p.page.get_by_role("button", name="确认导入").click()
        p.idle()
        p.page.get_by_text("已导入 1 个要素").wait_for()
        p.page.get_by_role("radio", name="已导入图层").click()
        p.idle()
        p.page.get_by_text("修改记录（导入、替换、删除）").click()
        p.page.get_by_label("选择图层").click()
        p.page.get_by_role("option", name="ref_1", exact=True).click()
        p.idle()
        p.page.get_by_text("绿地：张三 于").wait_for()
        p.check_page()
        p.screenshot("roles-editor-data-layers")
    (entry,) = [lyr for lyr in open_layers(team_app.workspace).list() if lyr.name != "ref_parks"]
    assert entry.who == "张三" and entry.title == "绿地" and entry.source_file == "绿地.geojson"

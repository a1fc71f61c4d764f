"""Journey (issue 17): two app servers on one team database, each with its own workspace folder, as an office
runs them behind its reverse proxy. 张三 imports a layer on server A through 数据管理's uploader and 李四 sees
it listed on server B after a reload; 李四 replaces the facility list on B through 生活圈覆盖's uploader and
张三 sees it on A (who, when in 北京时间); 张三 undoes his import with 撤销我的上一次修改 and it is gone on B.
Nothing of it is written to either server's folder except the cached facility list. A user the administrator
adds with ``python -m renewal users add`` against the database signs in on both servers."""

from __future__ import annotations

import subprocess
import sys

import geopandas as gpd
import pytest
from shapely.geometry import box

import geodata
from renewal import auth
from renewal.storage.layer_stores import open_layer_store
from tests.e2e import harness
from tests.store_backends import postgis_schema

PASSWORDS = {"张三": "zhang-san-pw", "李四": "li-si-password", "王五": "wang-wu-password"}


def _add_user(url: str, name: str, tmp) -> None:
    """The administrator adds a user with the command line against the team database (from a third folder)."""
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "renewal",
            "--database",
            url,
            "--workspace",
            str(tmp / "admin"),
            "users",
            "add",
            name,
            "--role",
            auth.EDITOR,
            "--password-stdin",
        ],
        input=PASSWORDS[name] + "\n",
        capture_output=True,
        text=True,
        cwd=harness.ROOT,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr


@pytest.fixture(scope="module")
def servers(tmp_path_factory):
    """Servers A and B: one throw-away schema on the test PostGIS, two workspace folders, the users kept
    in the database (no users file given to either server)."""
    tmp = tmp_path_factory.mktemp("two")
    with postgis_schema() as url:
        for name in ("张三", "李四"):
            _add_user(url, name, tmp)
        env = {"RENEWAL_DATABASE_URL": url}
        with harness.serve_app(tmp / "a", env=env) as a, harness.serve_app(tmp / "b", env=env) as b:
            yield url, a, b, tmp


def _sign_in(p: harness.Planner, name: str) -> None:
    p.sign_in(name, PASSWORDS[name])


def _layers_listed(p: harness.Planner) -> str:
    p.page.get_by_role("radio", name="已导入图层").click()
    p.idle()
    return p.main_text()


def test_a_layer_and_a_facility_list_saved_on_one_server_are_seen_on_the_other(chromium, servers, tmp_path):
    url, a, b, _ = servers
    c = geodata.load("district").geometry.iloc[0].representative_point()
    blocks = gpd.GeoDataFrame(
        {"用地性质": ["居住用地", "商业用地"]},
        geometry=[box(c.x - 0.004, c.y - 0.003, c.x, c.y), box(c.x, c.y, c.x + 0.004, c.y + 0.003)],
        crs=4326,
    )
    src = tmp_path / "控规地块.geojson"
    blocks.to_file(src, driver="GeoJSON")
    csv = tmp_path / "设施清单.csv"
    csv.write_text(
        f"名称,类别,经度,纬度\n河东新小学,小学,{c.x + 0.001},{c.y}\n河东新幼儿园,幼儿园,{c.x},{c.y + 0.001}\n",
        encoding="utf-8",
    )
    with (
        harness.planner(chromium, a, "two-servers-a", harness.WIDE) as pa,
        harness.planner(chromium, b, "two-servers-b", harness.LAPTOP) as pb,
    ):
        # server A: 张三 imports the layer through the page's uploader
        pa.open("data")
        _sign_in(pa, "张三")
        pa.upload(src)
        pa.page.get_by_role("button", name="确认导入").click()
        pa.idle()
        pa.page.get_by_text("已导入 2 个要素").wait_for()
        pa.check_page()

        # server B: 李四 sees it listed, imported by 张三
        pb.open("data")
        _sign_in(pb, "李四")
        _layers_listed(pb)
        pb.page.get_by_role("button", name="下载 ref_1.geojson").wait_for()  # the layer's own download
        said = pb.page.get_by_text("控规地块：张三 于").first.inner_text()
        assert "（北京时间）导入" in said and "2 个要素" in said, said
        pb.check_page()
        pb.screenshot("two-servers-b-layer-listed-1366x768")

        # server B: 李四 replaces the facility list on 生活圈覆盖
        pb.page.locator('[data-testid="stSidebarNav"]').get_by_text("生活圈覆盖", exact=True).click()
        pb.idle()
        inv = pb.page.locator('[data-testid="stExpander"]', has_text="导入设施清单")
        inv.get_by_text("导入设施清单").first.click()
        pb.upload(csv, within=inv)
        inv.get_by_text("已读取 2 处设施").wait_for()
        pb.page.get_by_role("button", name="保存到工作区（替换工作区现有的设施清单）").click()
        pb.idle()
        pb.check_page()

        # server A: 张三 reloads 生活圈覆盖 and sees 李四's list
        pa.page.locator('[data-testid="stSidebarNav"]').get_by_text("生活圈覆盖", exact=True).click()
        pa.idle()
        inv_a = pa.page.locator('[data-testid="stExpander"]', has_text="导入设施清单")
        inv_a.get_by_text("导入设施清单").first.click()
        said = inv_a.get_by_text("工作区设施清单：2 处，李四 于").first
        said.wait_for()
        assert "（北京时间）保存" in said.inner_text() and "UTC" not in said.inner_text()
        pa.check_page()
        pa.screenshot("two-servers-a-facilities-from-b-1920x1080")

        # server A: 张三 undoes his own import; server B no longer lists it after a reload
        pa.page.locator('[data-testid="stSidebarNav"]').get_by_text("数据管理", exact=True).click()
        pa.idle()
        _layers_listed(pa)
        pa.page.get_by_role("button", name="撤销我的上一次修改").click()
        pa.idle()
        pa.page.get_by_text("已撤销您对图层").wait_for()
        pa.check_page()
        pa.screenshot("two-servers-a-undone-1920x1080")
        pb.open("data")  # a reload of 数据管理 (still signed in)
        text = _layers_listed(pb)
        assert "还没有导入的图层" in text and "控规地块" not in text.split("修改记录")[0], text[:2000]
        pb.check_page()

    team = open_layer_store(database=url)
    assert team.list() == []
    assert [(h["action"], h["who"]) for h in team.history("ref_1")] == [("undo", "张三"), ("import", "张三")]
    (fac,) = team.files()
    assert (fac.name, fac.who, fac.count) == ("facilities", "李四", 2)
    for server in (a, b):  # the layer never went into a server's own folder
        assert not (server.workspace / "layers.gpkg").exists()
    assert (a.workspace / "facilities" / "facilities.gpkg").exists()  # A's cache of B's list


def test_a_user_added_with_the_command_line_signs_in_on_both_servers(chromium, servers):
    url, a, b, tmp = servers
    _add_user(url, "王五", tmp)
    for server, viewport, size in ((a, harness.LAPTOP, "1366x768"), (b, harness.WIDE, "1920x1080")):
        with harness.planner(chromium, server, f"two-servers-new-user-{size}", viewport) as p:
            p.open("data")
            _sign_in(p, "王五")
            assert "当前用户：王五（编辑）" in p.visible_text()
            p.check_page()
            p.screenshot(f"two-servers-new-user-{size}")
        assert "王五" in (server.workspace / "users.json").read_text(encoding="utf-8")  # the server's copy

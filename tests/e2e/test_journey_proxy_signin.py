"""Journeys: sign-in by the office's reverse proxy (``RENEWAL_PROXY_USER_HEADER``). The proxy passes the
planner's name in ``Remote-User``; the app asks for no password, shows the person and role, records their
import under that name, and keeps a 查看 person read-only. Without the header, with a name not in the users
file, or from an address that is not the proxy, every page refuses with a Chinese message."""

from __future__ import annotations

from urllib.parse import quote

import geopandas as gpd
import pytest
from shapely.geometry import box

from renewal import auth, proxy_identity
from renewal.storage.layers import open_layers
from tests.e2e import harness

X, Y = 117.2277, 39.11
UPLOADER = '[data-testid="stFileUploaderDropzoneInput"]'


def _users(tmp):
    users = tmp / "users.json"
    auth.set_user(users, "张三", auth.EDITOR, "unused-by-the-proxy")
    auth.set_user(users, "王五", auth.VIEWER, "unused-by-the-proxy")
    return users


@pytest.fixture(scope="module")
def proxy_app(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("proxy")
    env = {"RENEWAL_USERS_FILE": str(_users(tmp)), proxy_identity.HEADER_ENV: "Remote-User"}
    with harness.serve_app(tmp, env=env) as served:
        yield served


def _as(p: harness.Planner, name: str | None) -> None:
    if name is not None:  # a Chinese name as a proxy percent-encodes it (HTTP headers are ASCII)
        p.context.set_extra_http_headers({"Remote-User": quote(name)})


@pytest.mark.parametrize("viewport", [harness.WIDE, harness.LAPTOP], ids=["1920x1080", "1366x768"])
def test_the_proxy_signs_in_an_editor_whose_import_carries_their_name(
    chromium, proxy_app, viewport, tmp_path
):
    size = f"{viewport['width']}x{viewport['height']}"
    with harness.planner(chromium, proxy_app, f"proxy-editor-{size}", viewport) as p:
        _as(p, "张三")
        p.open("data")
        p.page.get_by_text("当前用户：张三（编辑，单位统一登录）").wait_for()
        assert p.page.get_by_role("heading", name="请登录").count() == 0
        assert p.page.get_by_label("密码").count() == 0
        assert p.page.get_by_role("button", name="退出登录").count() == 0  # sign out at the proxy
        src = tmp_path / f"绿地{size}.geojson"
        gpd.GeoDataFrame(
            {"名称": ["滨河绿地"]}, geometry=[box(X + 0.01, Y, X + 0.012, Y + 0.003)], crs=4326
        ).to_file(src, driver="GeoJSON")
        p.upload(src)
        p.page.get_by_text("导入人：张三").wait_for()
        p.page.get_by_role("button", name="确认导入").click()
        p.idle()
        p.page.get_by_text("已导入 1 个要素").wait_for()
        p.check_page(allowed_english=("Upload", "per file"))
        p.screenshot(f"proxy-editor-data-{size}")
    history = open_layers(proxy_app.workspace).history()
    assert history and history[-1]["who"] == "张三"


def test_a_viewer_stays_read_only_and_the_unknown_or_nameless_are_refused(chromium, proxy_app):
    with harness.planner(chromium, proxy_app, "proxy-viewer") as p:
        _as(p, "王五")
        p.open("data")
        p.page.get_by_text("当前用户：王五（查看，单位统一登录）").wait_for()
        assert p.page.get_by_text("您的角色为“查看”：可以浏览和下载，不能导入或替换图层").is_visible()
        assert p.page.locator(UPLOADER).count() == 0
        p.check_page()
    for who, words in ((None, "未收到统一登录的用户名"), ("赵六", "账号“赵六”尚未在本平台登记")):
        with harness.planner(chromium, proxy_app, f"proxy-refused-{who}") as p:
            _as(p, who)
            for path in ("", "sites", "data"):
                p.open(path)
                p.page.get_by_text(words).wait_for()
                assert p.page.locator(UPLOADER).count() == 0
                assert p.page.get_by_role("heading", name="请登录").count() == 0
                assert p.page.locator('[data-testid="stSidebarNav"]').count() in (0, 1)
                assert not p.exceptions()
            p.screenshot(f"proxy-refused-{who}")


def test_a_browser_reaching_the_app_directly_cannot_claim_a_name(chromium, tmp_path):
    """The header counts only from the proxy's address: here the trusted proxy is elsewhere."""
    env = {
        "RENEWAL_USERS_FILE": str(_users(tmp_path)),
        proxy_identity.HEADER_ENV: "Remote-User",
        proxy_identity.PROXIES_ENV: "10.20.30.40",
    }
    with (
        harness.serve_app(tmp_path, env=env) as direct,
        harness.planner(chromium, direct, "proxy-direct") as p,
    ):
        _as(p, "张三")
        p.open("data")
        p.page.get_by_text("本平台只接受经单位统一登录入口（反向代理）的访问").wait_for()
        assert p.page.get_by_text("当前用户：张三").count() == 0
        assert p.page.locator(UPLOADER).count() == 0
        assert not p.exceptions()

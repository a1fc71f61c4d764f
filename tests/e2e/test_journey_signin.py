"""Journeys: a planner signs in once — a reload and a typed URL keep them signed in — signs out (the next
typed URL asks again); a wrong password and an unknown name get the same words; and when the users file
disappears while the server runs, every page refuses with a Chinese message instead of opening up."""

from __future__ import annotations

import pytest

from renewal import auth
from tests.e2e import harness

PASSWORDS = {"张三": "zhang-san-pw"}


@pytest.fixture(scope="module")
def signin_app(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("signin")
    users = tmp / "users.json"
    auth.set_user(users, "张三", auth.EDITOR, PASSWORDS["张三"])
    with harness.serve_app(tmp, env={"RENEWAL_USERS_FILE": str(users)}) as served:
        yield served


def _form_says(p: harness.Planner, name: str, password: str, words: str) -> None:
    p.page.get_by_label("用户名").fill(name)
    p.page.get_by_label("密码").fill(password)
    p.page.get_by_role("button", name="登录").click()
    p.idle()
    p.page.get_by_text(words, exact=True).wait_for()


def test_sign_in_once_reload_and_typed_urls_keep_it_sign_out_ends_it(chromium, signin_app):
    with harness.planner(chromium, signin_app, "signin") as p:
        p.open("sites")
        assert p.page.get_by_role("heading", name="请登录").is_visible()
        # the same words for an unknown name and a wrong password
        _form_says(p, "不存在的人", "whatever-pw", "用户名或密码不正确。")
        _form_says(p, "张三", "wrong-password", "用户名或密码不正确。")
        p.page.get_by_label("密码").fill(PASSWORDS["张三"])
        p.page.get_by_role("button", name="登录").click()
        p.page.get_by_text("当前用户：张三（编辑）").wait_for()
        p.idle()
        p.page.reload(wait_until="domcontentloaded")
        p.idle()
        assert p.page.get_by_text("当前用户：张三（编辑）").is_visible()
        assert p.page.get_by_role("heading", name="请登录").count() == 0
        p.open("data")  # a typed URL: a new browser session of the app, the cookie signs it in
        assert p.page.get_by_text("当前用户：张三（编辑）").is_visible()
        assert p.page.get_by_role("heading", name="数据管理").is_visible()
        cookie = next(c for c in p.context.cookies() if c["name"] == "renewal_session")
        assert cookie["sameSite"] == "Strict" and cookie["expires"] > 0
        p.check_page(
            allowed_english=("Upload", "per file")
        )  # Streamlit's uploader words: the journeys branch
        p.screenshot("signin-signed-in-data")
        p.page.get_by_role("button", name="退出登录").click()
        p.idle()
        p.page.get_by_role("heading", name="请登录").wait_for()
        p.open("sites")
        assert p.page.get_by_role("heading", name="请登录").is_visible()
        assert p.page.get_by_text("当前用户：张三").count() == 0
    # a second browser with the old cookie copied in is not signed in either (sign-out ends the token)
    with harness.planner(chromium, signin_app, "old-cookie") as q:
        q.context.add_cookies([{"name": cookie["name"], "value": cookie["value"], "url": signin_app.url}])
        q.open("sites")
        assert q.page.get_by_role("heading", name="请登录").is_visible()


def test_a_vanished_users_file_refuses_every_page(chromium, signin_app):
    users = signin_app.workspace.parent / "users.json"
    moved = users.rename(users.with_name("moved.json"))
    try:
        with harness.planner(chromium, signin_app, "no-users-file") as p:
            for path in ("", "sites", "data"):
                p.open(path)
                p.page.get_by_text("本工作区已启用登录，但找不到用户文件").wait_for()
                assert p.page.get_by_role("heading", name="请登录").count() == 0
                assert p.page.locator('[data-testid="stFileUploaderDropzoneInput"]').count() == 0
                assert p.page.get_by_role("button", name="保存修改").count() == 0
                assert not p.exceptions()
            p.screenshot("signin-users-file-missing")
    finally:
        moved.rename(users)

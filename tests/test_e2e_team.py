"""Two planners in two browser sessions (headless Chromium) edit one catalogue on a real PostGIS server:
each signs in on a deep link to the site, the second's stale save is refused with what they typed kept,
and the history names the person. Needs Chromium and PostGIS (skipped where absent, required in CI)."""

from __future__ import annotations

import pytest
from playwright.sync_api import sync_playwright

from renewal import auth
from renewal.storage import open_store
from tests.store_backends import postgis_schema
from tests.test_e2e_browser import (
    CHROMIUM_ARGS,
    PAGE_LIMIT_MS,
    _is_app,
    _server_log,
    screenshot_on_failure,
    serve_app,
)

pytestmark = pytest.mark.browser

PASSWORDS = {"张三": "zhang-san-pw", "李四": "li-si-password"}
SITE = "RS-021"


def _offline_page(browser):
    """A page in its own browser context (its own cookies and session) that may reach only the app."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, service_workers="block")
    context.route(
        "**/*", lambda r: r.continue_() if _is_app(r.request.url) else r.abort("internetdisconnected")
    )
    return context.new_page()


def _idle(page):
    page.locator('[data-testid="stApp"][data-test-script-state="notRunning"]').wait_for(timeout=PAGE_LIMIT_MS)


def _sign_in_and_open_the_edit_form(page, url: str, name: str):
    page.goto(f"{url}sites?site={SITE}", wait_until="domcontentloaded", timeout=PAGE_LIMIT_MS)
    _idle(page)
    page.get_by_label("用户名").fill(name)
    page.get_by_label("密码").fill(PASSWORDS[name])
    page.get_by_role("button", name="登录").click()
    page.get_by_text(f"当前用户：{name}").wait_for(timeout=PAGE_LIMIT_MS)
    _idle(page)
    assert page.get_by_role("heading", name="城市更新项目").count() == 1  # still on the deep-linked page
    editor = page.locator('[data-testid="stExpander"]', has_text="修改此项目")
    editor.get_by_text("修改此项目（属性与图形）").click()
    field = editor.get_by_label("名称", exact=True)
    field.wait_for(timeout=PAGE_LIMIT_MS)
    _idle(page)  # the opened panel is drawn by a rerun: let it finish
    return editor, field


def test_two_planners_on_postgis_stale_save_refused_with_input_kept(chromium_path, tmp_path, monkeypatch):
    users = tmp_path / "users.json"
    for name, pw in PASSWORDS.items():
        auth.set_user(users, name, auth.EDITOR, pw)
    with postgis_schema() as url:
        monkeypatch.setenv("RENEWAL_DATABASE_URL", url)
        monkeypatch.setenv("RENEWAL_USERS_FILE", str(users))
        with serve_app(tmp_path / "app") as app, sync_playwright() as p:
            browser = p.chromium.launch(executable_path=chromium_path, headless=True, args=CHROMIUM_ARGS)
            zhang, li = (_offline_page(browser) for _ in range(2))  # two browsers' sessions and cookies
            note = lambda: _server_log(app.log)  # noqa: E731
            with (
                screenshot_on_failure(zhang, tmp_path / "e2e-team-zhang.png", note),
                screenshot_on_failure(li, tmp_path / "e2e-team-li.png", note),
            ):
                z_form, z_name = _sign_in_and_open_the_edit_form(zhang, app.url, "张三")
                l_form, l_name = _sign_in_and_open_the_edit_form(li, app.url, "李四")  # both opened version 1
                original = z_name.input_value()
                z_name.fill(original + "（张三改）")
                z_form.get_by_role("button", name="保存修改").click()
                _idle(zhang)
                l_name.fill(original + "（李四改）")
                l_form.get_by_role("button", name="保存修改").click()
                li.get_by_text("保存未执行").first.wait_for(timeout=PAGE_LIMIT_MS)
                _idle(li)
                editor = li.locator('[data-testid="stExpander"]', has_text="修改此项目")
                assert editor.get_by_label("名称", exact=True).input_value() == original + "（李四改）"
        store = open_store(session="check", database=url)
        assert store.site(SITE)[0]["name"] == original + "（张三改）"  # 张三's save stands
        assert [(c.session, c.action) for c in store.history(SITE)] == [("张三", "update")]

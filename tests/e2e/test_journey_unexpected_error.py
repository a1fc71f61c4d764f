"""Journey: an unforeseen error inside a page (injected into the server by ``tests/e2e/faults``) shows a
Chinese message and a toast, keeps the sidebar and the map drawn before it, logs the traceback on the server and
never shows one on screen; the page works again once the fault is gone.

Its own server: the fault sits in 总体布局's cached figures, so it must be the first run of that function."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.e2e import harness

FAULT = "renewal.layout:station_area_summary"  # 总体布局's figures below the map


@pytest.fixture(scope="module")
def app(chromium_path, tmp_path_factory):
    """A server whose 总体布局 figures fail while a flag file exists."""
    tmp = tmp_path_factory.mktemp("app")
    env = harness.fault_env(
        RENEWAL_E2E_FAULT=FAULT,
        RENEWAL_E2E_FAULT_FILE=str(tmp / "fault-on"),
    )
    with harness.serve_app(tmp, env=env) as served:
        yield served


def test_an_unexpected_error_shows_a_chinese_message_and_the_page_recovers(chromium, app):
    flag = Path(app.env["RENEWAL_E2E_FAULT_FILE"])
    flag.touch()
    try:
        with harness.planner(chromium, app, "unexpected-error", harness.LAPTOP) as p:
            p.open("")
            assert "Error in sitecustomize" not in harness.log_tail(app.log), "the fault was not installed"
            p.page.get_by_test_id("stAlertContentError").get_by_text("出现意外错误").wait_for(timeout=30_000)
            p.map()  # what was drawn before the failure stays: the map …
            sidebar = p.page.locator('[data-testid="stSidebar"]')
            assert sidebar.get_by_text("底图", exact=True).is_visible()  # … and the sidebar's controls
            assert p.page.locator('[data-testid="stToast"]').get_by_text("出现意外错误").is_visible()
            p.screenshot("unexpected-error-1366x768")
            p.check_page()  # no exception element, no traceback, no English
            log = harness.log_tail(app.log, 200_000)
            assert "injected fault" in log and "Traceback" in log, log[-3000:]
            flag.unlink()
            p.page.reload()
            p.idle()
            p.page.get_by_role("heading", name="布局要素").wait_for()
            assert "出现意外错误" not in p.visible_text()
            p.check_page()
    finally:
        flag.unlink(missing_ok=True)

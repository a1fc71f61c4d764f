"""Journey: a planner edits a site's name on 更新项目 (team database), the database stops, they click 保存修改:
the page says so in Chinese, still shows the site and the name they typed, nothing is written; the
database comes back and the same click saves it. The test runs its own throw-away PostGIS cluster
(stopped and restarted with pg_ctl; the shared test server is never touched)."""

from __future__ import annotations

import pytest

from renewal.storage import open_store
from tests.e2e import harness
from tests.pg_cluster import fresh_schema, own_cluster

PORT = 55498
SITE = "RS-021"
TYPED = "管乐器厂（停机时填写）"


@pytest.fixture(scope="module")
def db_app(tmp_path_factory):
    with own_cluster(PORT) as cluster, fresh_schema(cluster) as url:
        open_store(database=url, session="seed").site(
            SITE
        )  # the schema made and seeded before the app starts
        with harness.serve_app(tmp_path_factory.mktemp("dbdown"), env={"RENEWAL_DATABASE_URL": url}) as app:
            yield app, cluster, url


def test_a_save_while_the_database_is_down_keeps_the_typed_name_and_works_when_back(chromium, db_app):
    app, cluster, url = db_app
    with harness.planner(chromium, app, "database-down") as p:
        p.open(f"sites?site={SITE}")
        editor = p.page.locator('[data-testid="stExpander"]', has_text="修改此项目")
        editor.get_by_text("修改此项目（属性与图形）").click()
        p.idle()  # an opened panel is drawn by a rerun
        field = editor.get_by_label("名称", exact=True)
        field.fill(TYPED)
        cluster.stop()
        try:
            editor.get_by_role("button", name="保存修改").click()
            p.idle()
            p.page.get_by_text("无法连接团队数据库").first.wait_for()
            assert p.page.get_by_text("您填写的内容仍保留").first.is_visible()
            assert field.input_value() == TYPED  # the form and what was typed are still there
            assert p.page.get_by_role(
                "heading", name="管乐器厂", exact=True
            ).is_visible()  # the site is still shown
            assert not p.exceptions()
            p.screenshot("database-down-save")
        finally:
            cluster.start()
        editor.get_by_role("button", name="保存修改").click()
        p.idle()
        p.page.get_by_role("heading", name=TYPED, exact=True).wait_for()  # the card shows the saved name
        assert p.page.get_by_text("无法连接团队数据库").count() == 0
        assert not p.exceptions()
        p.screenshot("database-back-saved")
    store = open_store(database=url, session="check")
    assert store.site(SITE)[0]["name"] == TYPED and len(store.history(SITE)) == 1

"""A save while the team database is down: a Chinese message at once, nothing written, what the planner
typed kept on the page, and the same save works when the database is back. The test starts its own
throw-away PostGIS cluster on another port (``.ci/start-postgis.sh PORT``), stops and restarts it with
``pg_ctl`` (the shared test server is never touched)."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from renewal.auth import EDITOR
from renewal.errors import StoreUnavailable
from renewal.storage import open_store
from renewal.storage.access import Actor
from tests.pg_cluster import fresh_schema, own_cluster
from tests.sites_panels import open_panels

ROOT = Path(__file__).resolve().parent.parent
PAGE = str(ROOT / "pages" / "sites.py")
PORT = 55497


@pytest.fixture(scope="module")
def cluster():
    with own_cluster(PORT) as c:
        yield c


@pytest.fixture
def database(cluster):
    with fresh_schema(cluster) as url:
        yield url


def test_a_save_while_the_database_is_down_fails_fast_writes_nothing_and_works_when_back(cluster, database):
    me = Actor("张三", EDITOR)
    store = open_store(database=database, actor=me)
    props, geom, version = store.site("RS-021")
    cluster.stop()
    try:
        t0 = time.perf_counter()
        with pytest.raises(StoreUnavailable) as ei:
            store.save_site("RS-021", {**props, "name": "停机时填写"}, geom, expected_version=version)
        first = time.perf_counter() - t0
        t0 = time.perf_counter()
        with pytest.raises(StoreUnavailable):
            store.save_site("RS-021", {**props, "name": "停机时填写"}, geom, expected_version=version)
        again = time.perf_counter() - t0
    finally:
        cluster.start()
    assert "无法连接团队数据库" in ei.value.message_zh and "未保存任何修改" in ei.value.message_zh
    assert first < 5 and again < 5, (first, again)  # 1679cf5 waited for the pool's 10 s timeout
    # back: nothing was written meanwhile, and the same save (same version) works
    assert store.site("RS-021")[2] == version and store.history("RS-021") == []
    assert (
        store.save_site("RS-021", {**props, "name": "恢复后保存"}, geom, expected_version=version)
        == version + 1
    )
    (change,) = store.history("RS-021")
    assert change.session == "张三" and change.after["properties"]["name"] == "恢复后保存"


def test_the_sites_page_keeps_what_was_typed_while_the_database_is_down(
    cluster, database, tmp_path, monkeypatch
):
    monkeypatch.setenv("RENEWAL_DATABASE_URL", database)
    monkeypatch.setenv("RENEWAL_WORKSPACE", str(tmp_path / "ws"))
    monkeypatch.delenv("RENEWAL_USERS_FILE", raising=False)
    at = open_panels(AppTest.from_file(PAGE, default_timeout=120))
    at.query_params["site"] = "RS-021"
    at.run()
    assert not at.exception, at.exception
    field = next(t for t in at.text_input if t.label == "名称" and t.value == "管乐器厂")
    field.set_value("管乐器厂（停机时填写）")
    cluster.stop()
    try:
        next(b for b in at.button if b.label == "保存修改").click().run()
        assert not at.exception, at.exception
        errors = " ".join(e.value for e in at.error) + " ".join(w.value for w in at.warning)
        assert "无法连接团队数据库" in errors and "您填写的内容仍保留" in errors, errors
        kept = [t.value for t in at.text_input if t.label == "名称"]
        assert "管乐器厂（停机时填写）" in kept, kept  # the form is still there with what was typed
    finally:
        cluster.start()
    next(b for b in at.button if b.label == "保存修改").click().run()
    assert not at.exception, at.exception
    store = open_store(database=database, session="check")
    assert store.site("RS-021")[0]["name"] == "管乐器厂（停机时填写）"
    assert len(store.history("RS-021")) == 1

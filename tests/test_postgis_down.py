"""A save while the team database is down: a Chinese message at once, nothing written, what the planner
typed kept on the page, and the same save works when the database is back. The test starts its own
throw-away PostGIS cluster on another port (``.ci/start-postgis.sh PORT``), stops and restarts it with
``pg_ctl`` (the shared test server is never touched)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import time
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from renewal.auth import EDITOR
from renewal.errors import StoreUnavailable
from renewal.storage import open_store
from renewal.storage.access import Actor
from renewal.storage.postgis import close_pool

ROOT = Path(__file__).resolve().parent.parent
PAGE = str(ROOT / "pages" / "sites.py")
PORT = 55497


class Cluster:
    def __init__(self, url: str, data: str):
        self.url, self.data = url, data
        self.bin = sorted(Path("/usr/lib/postgresql").glob("*/bin"))[-1]

    def _pg_ctl(self, *args: str) -> None:
        cmd = [str(self.bin / "pg_ctl"), "-D", self.data, *args]
        if os.geteuid() == 0:
            cmd = ["su", "postgres", "-s", "/bin/bash", "-c", " ".join(f"'{c}'" for c in cmd)]
        subprocess.run(cmd, check=True, capture_output=True, timeout=120)

    def stop(self) -> None:
        self._pg_ctl("-m", "fast", "-w", "stop")

    def start(self) -> None:
        folder = str(Path(self.data).parent)
        opts = f"-c listen_addresses=127.0.0.1 -p {PORT} -k {folder} -c fsync=off -c max_connections=60"
        self._pg_ctl("-l", f"{folder}/server.log", "-w", "-t", "60", "-o", opts, "start")


@pytest.fixture(scope="module")
def cluster():
    if not sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb")):
        pytest.skip("no PostgreSQL server binaries to start a throw-away cluster")
    run = subprocess.run(
        ["bash", str(ROOT / ".ci" / "start-postgis.sh"), str(PORT)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    if run.returncode != 0:
        pytest.skip(f"cannot start a throw-away PostGIS: {run.stderr[-500:]}")
    found = re.search(r"cluster in (\S+/data)", run.stderr)
    assert found, f"a server already listened on {PORT}: {run.stderr}"  # never stop someone else's server
    c = Cluster(run.stdout.strip().splitlines()[-1], found.group(1))
    try:
        yield c
    finally:
        close_pool(c.url)
        try:
            c.stop()
        except subprocess.CalledProcessError:
            pass
        shutil.rmtree(Path(c.data).parent, ignore_errors=True)


@pytest.fixture
def database(cluster):
    """A fresh schema on the throw-away cluster, the cluster running at the end again."""
    import psycopg

    schema = f"down_{int(time.time() * 1000)}"
    with psycopg.connect(cluster.url, autocommit=True) as con:
        con.execute(f"CREATE SCHEMA {schema}")
    url = f"{cluster.url}?options=-csearch_path%3D{schema},public"
    yield url
    close_pool(url)


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
    at = AppTest.from_file(PAGE, default_timeout=120)
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

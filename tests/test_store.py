"""The site store: seeding, edit, undo, history, crash safety, concurrency, locks.

One contract suite, two backends: every test taking ``store`` (or ``backend``) runs once
against the GeoPackage workspace and once against PostGIS (see tests/store_backends.py);
the tests taking ``gpkg_store`` are about the GeoPackage file itself.
"""

import sqlite3
import subprocess
import sys
import textwrap

import geopandas as gpd
import pytest
from geopandas.testing import assert_geoseries_equal
from shapely.geometry import Point, Polygon, box

from renewal import storage
from renewal.errors import ConflictError, InputError, StoreError
from renewal.sites import query, schema
from renewal.storage import open_store, store_path
from renewal.storage.gpkg import GpkgStore as Store
from renewal.storage.gpkg import from_gpb, to_gpb
from tests.store_backends import BACKENDS, state
from tests.store_backends import backend as make_backend

INSIDE = Point(117.2277, 39.1100)
NEW_OUTLINE = box(117.2290, 39.1110, 117.2310, 39.1125)


@pytest.fixture(params=BACKENDS)
def backend(request, tmp_path):
    with make_backend(request.param, tmp_path) as b:
        yield b


@pytest.fixture
def store(backend):
    return backend.open("alice")


@pytest.fixture
def gpkg_store(tmp_path):
    return open_store(tmp_path, session="alice")


def snapshot(path):
    """Every row of every table: the whole logical state of the file."""
    con = sqlite3.connect(path)
    try:
        tables = [
            r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table' ORDER BY name")
        ]
        return {t: con.execute(f"SELECT * FROM {t} ORDER BY 1").fetchall() for t in tables}
    finally:
        con.close()


def test_gpb_round_trip():
    for g in (INSIDE, NEW_OUTLINE, NEW_OUTLINE.boundary):
        assert from_gpb(to_gpb(g)).equals(g)


def test_seeded_from_bundled_catalogue(store):
    bundled = query.bundled_sites().set_index("site_id").sort_index()
    got = store.sites()
    assert list(got["site_id"]) == sorted(bundled.index)
    assert (got["version"] == 1).all() and store.history() == []
    assert got.crs.to_epsg() == 4326
    g = got.set_index("site_id")
    assert_geoseries_equal(g.geometry, bundled.geometry)
    for f in schema.SITE_FIELDS[1:]:
        assert g[f].fillna(-1).tolist() == bundled[f].fillna(-1).tolist(), f


def test_seeded_gpkg_is_readable_by_gdal(gpkg_store):
    store = gpkg_store
    bundled = query.bundled_sites()
    assert store.path == store_path(store.path.parent)
    # the store is a real GeoPackage: GDAL reads the same features
    via_gdal = gpd.read_file(store.path, layer="sites")
    assert via_gdal.crs.to_epsg() == 4326
    assert len(via_gdal) == len(bundled)
    a = via_gdal.set_index("site_id").sort_index()
    b = bundled.set_index("site_id").sort_index()
    assert_geoseries_equal(a.geometry, b.geometry)
    assert (a["plan_text"] == b["plan_text"]).all()


def test_current_sites_reads_the_store(backend, store):
    props, geom, v = store.site("RS-005")
    store.save_site("RS-005", {**props, "name": "一冷（已核实）"}, geom, expected_version=v)
    assert storage.store_exists(**backend.location_kwargs)
    got = storage.current_sites(**backend.location_kwargs).set_index("site_id")
    assert got.loc["RS-005", "name"] == "一冷（已核实）"


def test_edit_writes_history_and_bumps_version(store):
    props, geom, v = store.site("RS-008")
    new_v = store.save_site("RS-008", {**props, "status": "existing"}, NEW_OUTLINE, expected_version=v)
    assert new_v == v + 1
    p2, g2, v2 = store.site("RS-008")
    assert p2["status"] == "existing" and g2.equals(NEW_OUTLINE) and v2 == new_v
    (change,) = store.history("RS-008")
    assert change.action == "update" and change.session == "alice"
    assert change.before["properties"]["status"] == "under_construction"
    assert change.before["geometry"]["type"] == "Point"
    assert change.after["properties"]["status"] == "existing"
    assert change.after["geometry"]["type"] == "Polygon"
    assert change.at.endswith("+00:00")


def test_undo_restores_previous_state(store):
    before = store.sites()
    props, geom, v = store.site("RS-010")
    store.save_site("RS-010", {**props, "name": "棉一地块（改）"}, NEW_OUTLINE, expected_version=v)
    undone = store.undo(session="alice")
    assert undone.site_id == "RS-010" and undone.action == "update"
    after = store.sites()
    cols = [c for c in schema.SITE_FIELDS if c not in schema.NUMBER_FIELDS]
    assert after[cols].equals(before[cols])
    assert_geoseries_equal(after.geometry, before.geometry)
    # the history keeps both the edit and its undo; the edit is marked undone
    hist = store.history("RS-010")
    assert [h.action for h in hist] == ["undo", "update"]
    assert hist[1].undone_by == hist[0].id
    assert store.undo(session="alice") is None  # nothing left to undo


def test_add_then_undo_removes_the_site(store):
    sid = store.add_site({"name": "新增地块", "status": "planned", "site_type": "片区地块"}, NEW_OUTLINE)
    assert sid == "RS-037"
    assert sid in set(store.sites()["site_id"])
    store.undo()
    assert sid not in set(store.sites()["site_id"])


def test_delete_then_undo_brings_it_back(store):
    props, geom, v = store.site("RS-021")
    store.delete_site("RS-021", expected_version=v)
    assert "RS-021" not in set(store.sites()["site_id"])
    store.undo()
    p2, g2, _ = store.site("RS-021")
    assert p2["name"] == props["name"] and g2.equals(geom)


def test_undo_refused_when_site_changed_again_by_someone_else(backend, store):
    bob = backend.open("bob")
    props, geom, v = store.site("RS-012")
    store.save_site("RS-012", {**props, "name": "A"}, geom, expected_version=v)
    bob.save_site("RS-012", {**props, "name": "B"}, geom, expected_version=v + 1)
    with pytest.raises(ConflictError):
        store.undo(session="alice")
    assert store.site("RS-012")[0]["name"] == "B"


def test_concurrent_edit_second_save_refused(backend, store):
    bob = backend.open("bob")
    pa, ga, va = store.site("RS-006")
    pb, gb, vb = bob.site("RS-006")
    store.save_site("RS-006", {**pa, "name": "Alice 的名称"}, ga, expected_version=va)
    before = state(store)
    with pytest.raises(ConflictError) as ei:
        bob.save_site("RS-006", {**pb, "name": "Bob 的名称"}, gb, expected_version=vb)
    assert "alice" in ei.value.message_en and "refused" in ei.value.message_en
    assert "其他会话" in ei.value.message_zh and "alice" in ei.value.message_zh
    assert state(store) == before
    with pytest.raises(ConflictError):
        bob.delete_site("RS-006", expected_version=vb)
    assert state(store) == before
    assert store.site("RS-006")[0]["name"] == "Alice 的名称"


def test_failure_in_the_middle_of_a_save_leaves_previous_state(store):
    props, geom, v = store.site("RS-009")
    before = state(store)

    def boom():
        raise OSError("disk full (simulated)")

    store.before_commit = boom
    with pytest.raises(OSError):
        store.save_site("RS-009", {**props, "name": "half"}, NEW_OUTLINE, expected_version=v)
    with pytest.raises(OSError):
        store.add_sites([({"name": "甲", "status": "planned"}, INSIDE)] * 3)
    assert state(store) == before
    store.before_commit = None
    assert store.site("RS-009")[0]["name"] == props["name"]


def test_process_crash_in_the_middle_of_a_save_leaves_previous_state(backend, store):
    """Kill the process (no cleanup at all) after the row is written, before COMMIT."""
    before = state(store)
    code = backend.open_code("crasher") + textwrap.dedent("""
        import os
        p, g, v = s.site("RS-009")
        s.before_commit = lambda: os._exit(9)
        s.save_site("RS-009", {**p, "name": "half-written"}, g.buffer(0.001), expected_version=v)
    """)
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 9, proc.stderr
    assert state(store) == before
    assert store.site("RS-009")[0]["name"] == "四号台"
    # the store is usable at once: the killed writer left no lock behind
    p, g, v = store.site("RS-009")
    assert store.save_site("RS-009", {**p, "name": "四号台（复核）"}, g, expected_version=v) == v + 1


def test_bad_input_changes_nothing(store):
    props, geom, v = store.site("RS-005")
    before = state(store)
    for bad_props, bad_geom in (
        ({**props, "name": ""}, geom),
        ({**props, "status": "done"}, geom),
        (props, Point(116.4, 39.9)),
    ):
        with pytest.raises(InputError):
            store.save_site("RS-005", bad_props, bad_geom, expected_version=v)
    with pytest.raises(InputError):
        store.add_site({"name": "x", "status": "planned"}, Point(0, 0))
    with pytest.raises(InputError):
        store.site("RS-999")
    with pytest.raises(InputError) as ei:
        store.add_site({"site_id": "RS-005", "name": "x", "status": "planned"}, INSIDE)
    assert "已存在" in ei.value.message_zh
    assert state(store) == before


def test_read_only_file_refused(gpkg_store):
    store = gpkg_store
    props, geom, v = store.site("RS-005")
    state = snapshot(store.path)
    store.path.chmod(0o444)
    try:
        with pytest.raises(StoreError) as ei:
            store.save_site("RS-005", {**props, "name": "x"}, geom, expected_version=v)
        assert "read-only" in ei.value.message_en and "只读" in ei.value.message_zh
    finally:
        store.path.chmod(0o644)
    assert snapshot(store.path) == state


def test_locked_store_refused(backend, store):
    props, geom, v = store.site("RS-005")
    store.timeout = 0.2
    with backend.hold_write_lock():
        with pytest.raises(StoreError) as ei:
            store.save_site("RS-005", {**props, "name": "x"}, geom, expected_version=v)
        assert "nothing was saved" in ei.value.message_en and "未保存任何修改" in ei.value.message_zh
        # a bad import is refused by validation at once: it never waits for the write lock
        with pytest.raises(InputError) as ei:
            store.add_sites(
                [({"name": "甲", "status": "planned"}, INSIDE), ({"name": "", "status": "x"}, INSIDE)]
            )
        assert not isinstance(ei.value, StoreError) and "名称不能为空" in ei.value.message_zh
    assert store.site("RS-005")[0]["name"] == props["name"]
    assert store.history() == []


def test_add_sites_is_all_or_nothing(store):
    n = len(store.sites())
    good = ({"name": "甲", "status": "planned"}, INSIDE)
    bad = ({"name": "", "status": "planned"}, INSIDE)
    with pytest.raises(InputError):
        store.add_sites([good, bad])
    assert len(store.sites()) == n
    ids = store.add_sites([good, ({"name": "乙", "status": "planned"}, INSIDE)])
    assert ids == ["RS-037", "RS-038"]
    assert len(store.sites()) == n + 2


def test_site_ids_are_never_reused(backend, store):
    """An undone addition or import keeps its id used: the next new site gets a new one (issue 11, defect 8)."""
    first = store.add_site({"name": "新增甲", "status": "planned"}, INSIDE)
    assert first == "RS-037"
    assert store.undo(session="alice").site_id == first
    assert first not in set(store.sites()["site_id"])
    second = store.add_site({"name": "新增乙", "status": "planned"}, INSIDE)
    assert second == "RS-038"
    imported = store.add_sites([({"name": f"导入{i}", "status": "planned"}, INSIDE) for i in range(3)])
    assert imported == ["RS-039", "RS-040", "RS-041"]
    for _ in range(3):
        store.undo(session="alice")
    # a given id does not move the counter (issue 23, item 7) but is skipped when the counter meets it,
    # even after the site was deleted; deleting the highest site does not move the counter back
    given = [
        ({"site_id": sid, "name": "指定编号", "status": "planned"}, INSIDE) for sid in ("RS-043", "RS-120")
    ]
    assert store.add_sites(given) == ["RS-043", "RS-120"]
    _, _, v = store.site("RS-043")
    store.delete_site("RS-043", expected_version=v)
    other = backend.open("bob")  # another person, another connection: the same counter
    assert other.add_site({"name": "新增丙", "status": "planned"}, INSIDE) == "RS-042"
    assert other.add_site({"name": "新增丁", "status": "planned"}, INSIDE) == "RS-044"
    created = [h.site_id for h in store.history(limit=1000) if h.action in ("create", "import")]
    assert len(created) == len(set(created))  # no id names two different sites in the history


def test_a_files_huge_id_cannot_poison_the_id_counter(store):
    """Issue 23, item 7: importing ``RS-`` + 37 nines and undoing it made every later id 41 characters long
    (unsavable). Such an id is refused with a clear message; an id in range does not move the counter."""
    poison = "RS-" + "9" * 37
    with pytest.raises(InputError) as err:
        store.add_sites([({"site_id": poison, "name": "超长编号", "status": "planned"}, INSIDE)])
    assert "999999" in err.value.message_en and "留空编号" in err.value.message_zh
    assert poison not in set(store.sites()["site_id"])
    assert store.add_sites([({"site_id": "RS-999999", "name": "最大编号", "status": "planned"}, INSIDE)]) == [
        "RS-999999"
    ]
    store.undo(session="alice")
    new = store.add_site({"name": "新增", "status": "planned"}, INSIDE)
    assert new == "RS-037"
    _, _, v = store.site(new)
    store.save_site(new, {"name": "新增（改）", "status": "planned"}, INSIDE, expected_version=v)


def test_a_poisoned_counter_starts_again_from_the_ids_in_use(backend, store):
    """A store whose counter an older version pushed out of range numbers new sites after the ids in use."""
    store.add_site({"name": "新增", "status": "planned"}, INSIDE)  # RS-037
    set_counter(backend, str(10**37 - 1))
    assert backend.open("bob").add_site({"name": "新增乙", "status": "planned"}, INSIDE) == "RS-038"


def test_a_3d_site_is_stored_in_2d(backend, store):
    """Issue 23 (medium): a site with heights was accepted by the GeoPackage store and could then not be
    pushed (raw hex error from PostGIS); heights are dropped on every backend."""
    sid = store.add_site({"name": "三维", "status": "planned"}, Point(117.2277, 39.1100, 5.0))
    _, geom, v = store.site(sid)
    assert not geom.has_z and geom.equals(INSIDE)
    store.save_site(
        sid,
        {"name": "三维（改）", "status": "planned"},
        box(117.229, 39.111, 117.23, 39.112),
        expected_version=v,
    )
    assert not store.site(sid)[1].has_z


def set_counter(backend, value: str) -> None:
    if backend.kind == "gpkg":
        con = sqlite3.connect(store_path(backend.workspace))
        with con:
            con.execute("UPDATE renewal_meta SET value = ? WHERE key = 'last_site_number'", (value,))
        con.close()
    else:
        import psycopg

        with psycopg.connect(backend.url) as con:
            con.execute("UPDATE renewal_meta SET value = %s WHERE key = 'last_site_number'", (value,))


def test_import_is_one_transaction_with_one_history_row_per_site(store):
    recs = [({"name": f"点{i}", "status": "planned", "plan_note": f"备注{i}"}, INSIDE) for i in range(500)]
    ids = store.add_sites(recs)
    assert ids == [f"RS-{n:03d}" for n in range(37, 537)]
    hist = store.history(limit=10**6)
    assert len(hist) == 500 and {h.action for h in hist} == {"import"}
    assert {h.site_id for h in hist} == set(ids) and len({h.at for h in hist}) == 1
    got = store.sites().set_index("site_id")
    assert got.loc["RS-536", "plan_note"] == "备注499" and (got.loc[ids, "version"] == 1).all()
    assert got.loc["RS-100"].geometry.equals(INSIDE)


def test_workspace_env_var_is_honoured(tmp_path, monkeypatch):
    monkeypatch.setenv("RENEWAL_WORKSPACE", str(tmp_path / "ws"))
    s = open_store()
    assert s.path == tmp_path / "ws" / "sites.gpkg"
    assert s.path.exists()
    assert not list((tmp_path / "ws").glob(".*.tmp"))  # the temp file was renamed, not left behind


def test_reading_a_damaged_or_locked_store_raises_store_error(gpkg_store, tmp_path):
    store = gpkg_store
    store.timeout = 0.2
    other = sqlite3.connect(store.path, isolation_level=None)
    other.execute("BEGIN EXCLUSIVE")
    try:
        with pytest.raises(StoreError) as ei:
            store.sites()
        assert "锁定" in ei.value.message_zh and "暂时无法读取工作区数据文件" in ei.value.message_zh
        assert "未保存" not in ei.value.message_zh and "nothing was saved" not in ei.value.message_en
    finally:
        other.execute("ROLLBACK")
        other.close()
    junk = tmp_path / "junk" / "sites.gpkg"
    junk.parent.mkdir()
    junk.write_bytes(b"this is not a database" * 100)
    with pytest.raises(StoreError) as ei:
        Store(junk).sites()
    assert "无法读取" in ei.value.message_zh
    with pytest.raises(StoreError):
        Store(junk).history()


def test_repaired_polygon_is_saved_with_a_note(store):
    x0, y0, x1, y1 = NEW_OUTLINE.bounds
    w, e = x1 - x0, (x1 - x0) * 0.01
    looped = Polygon(
        [
            (x0, y0),
            (x1, y0),
            (x1, y1),
            (x0 + 0.6 * w, y1),
            (x0 + 0.5 * w, y1 + e),
            (x0 + 0.6 * w, y1 + e),
            (x0 + 0.5 * w, y1),
            (x0, y1),
        ]
    )
    assert not looped.is_valid
    p, g, v = store.site("RS-010")
    store.save_site("RS-010", p, looped, expected_version=v)
    assert store.last_notes and "repaired" in store.last_notes[0]
    saved = store.site("RS-010")[1]
    assert saved.is_valid and abs(saved.area - NEW_OUTLINE.area) / NEW_OUTLINE.area < 0.01
    bowtie = Polygon([(x0, y0), (x1, y1), (x1, y0), (x0, y1)])
    with pytest.raises(InputError):
        store.save_site("RS-010", p, bowtie, expected_version=v + 1)
    assert store.site("RS-010")[1].equals(saved)


def test_a_folder_in_place_of_the_store_raises_store_error(tmp_path):
    path = tmp_path / "ws" / "sites.gpkg"
    path.mkdir(parents=True)
    s = Store(path)
    for read in (s.sites, s.history, lambda: s.site("RS-001")):
        with pytest.raises(StoreError) as ei:
            read()
        assert "无法读取工作区数据文件" in ei.value.message_zh and "sites.gpkg" in ei.value.message_en
    with pytest.raises(StoreError) as ei:
        s.add_site({"name": "新地块", "status": "planned"}, INSIDE)
    assert "无法打开工作区数据文件" in ei.value.message_zh and "未保存任何修改" in ei.value.message_zh
    assert path.is_dir() and not any(path.iterdir())


def test_a_store_that_vanished_raises_store_error_when_writing(gpkg_store, monkeypatch):
    store = gpkg_store
    real_stat = type(store.path).stat

    def gone(self, *a, **k):
        if self == store.path:
            raise FileNotFoundError(2, "No such file or directory", str(self))
        return real_stat(self, *a, **k)

    monkeypatch.setattr(type(store.path), "stat", gone)
    with pytest.raises(StoreError) as ei:
        store.undo()
    assert "无法打开工作区数据文件" in ei.value.message_zh


def test_sessions_opening_a_fresh_workspace_at_once_all_get_one_store(tmp_path, monkeypatch):
    import threading

    from renewal.storage import gpkg as store_mod

    n = 4
    barrier = threading.Barrier(n, timeout=20)
    real_seed, published, errors, opened = store_mod.seed, [], [], []

    def racing_seed(path, gdf, **kw):
        barrier.wait()  # every session has seen "no store yet" before any of them publishes
        out = real_seed(path, gdf, **kw)
        published.append(out)
        return out

    monkeypatch.setattr(store_mod, "seed", racing_seed)

    def session(i):
        try:
            opened.append(open_store(tmp_path, session=f"s{i}"))
        except BaseException as exc:  # noqa: BLE001 - the test reports it
            errors.append(exc)

    threads = [threading.Thread(target=session, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert errors == [] and len(opened) == n
    assert len(published) == 1  # seeded once; the others used the published store
    assert [p.name for p in tmp_path.iterdir()] == ["sites.gpkg"]  # no temp file left behind
    assert len(opened[0].sites()) == len(query.bundled_sites()) and opened[-1].history() == []
    with pytest.raises(StoreError) as ei:
        real_seed(store_path(tmp_path), query.bundled_sites())
    assert "已存在" in ei.value.message_zh


# ---- PostGIS only: schema, first use, connection errors ------------------------------------


@pytest.fixture
def pg_url():
    from tests.store_backends import postgis_schema

    with postgis_schema() as url:
        yield url


def test_postgis_schema_has_srid_4326_geometry_and_a_gist_index(pg_url):
    import psycopg

    open_store(database=pg_url)
    with psycopg.connect(pg_url) as con:
        srid, gtype = con.execute(
            "SELECT srid, type FROM geometry_columns WHERE f_table_schema = current_schema() "
            "AND f_table_name = 'sites'"
        ).fetchone()
        indexes = [r[0] for r in con.execute("SELECT indexdef FROM pg_indexes WHERE tablename = 'sites'")]
        version = con.execute("SELECT value FROM renewal_meta WHERE key = 'schema_version'").fetchone()[0]
        bad = con.execute("SELECT count(*) FROM sites WHERE NOT ST_IsValid(geom) OR ST_SRID(geom) <> 4326")
        assert bad.fetchone()[0] == 0
    assert (srid, gtype) == (4326, "GEOMETRY")
    assert any("USING gist (geom)" in d for d in indexes)
    assert int(version) == len(__import__("renewal.storage.postgis", fromlist=["x"]).MIGRATIONS)


def test_postgis_first_use_by_several_sessions_at_once_creates_and_seeds_once(pg_url):
    import threading

    from renewal.storage.postgis import PostgisStore

    assert not PostgisStore(pg_url).exists()
    assert len(storage.current_sites(database=pg_url)) == 36  # reading never creates the tables
    assert not storage.store_exists(database=pg_url)
    opened, errors = [], []

    def session(i):
        try:
            opened.append(open_store(database=pg_url, session=f"s{i}"))
        except BaseException as exc:  # noqa: BLE001 - the test reports it
            errors.append(exc)

    threads = [threading.Thread(target=session, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == [] and len(opened) == 4
    assert len(opened[0].sites()) == len(query.bundled_sites()) and opened[-1].history() == []
    open_store(database=pg_url)  # opening again migrates nothing and seeds nothing
    assert len(opened[0].sites()) == len(query.bundled_sites())


def test_unreachable_database_raises_store_error_without_the_password():
    from renewal.storage.postgis import PostgisStore, close_pool

    url = "postgresql://planner:s3cret-pw@127.0.0.1:9/renewal?connect_timeout=1"
    s = PostgisStore(url, session="alice")
    try:
        with pytest.raises(StoreError) as ei:
            s.sites()
        assert "s3cret" not in ei.value.message_en and "s3cret" not in ei.value.message_zh
        assert "团队数据库" in ei.value.message_zh
        with pytest.raises(StoreError) as ei:
            s.add_site({"name": "x", "status": "planned"}, INSIDE)
        assert "未保存任何修改" in ei.value.message_zh and "s3cret" not in str(ei.value)
    finally:
        close_pool(url)


def test_database_must_be_a_postgresql_url(tmp_path):
    with pytest.raises(InputError) as ei:
        open_store(tmp_path, database="mysql://x@y/z")
    assert "postgresql://" in ei.value.message_en
    assert not store_path(tmp_path).exists()


def test_postgis_runs_fail_instead_of_skipping_when_required(monkeypatch):
    from tests.store_backends import require_postgis

    monkeypatch.setenv("RENEWAL_TEST_DATABASE_URL", "postgresql://x@127.0.0.1:9/none?connect_timeout=1")
    monkeypatch.setenv("RENEWAL_REQUIRE_POSTGIS", "1")
    with pytest.raises(pytest.fail.Exception):
        require_postgis()
    monkeypatch.delenv("RENEWAL_REQUIRE_POSTGIS")
    with pytest.raises(pytest.skip.Exception):
        require_postgis()


def test_postgis_store_lives_in_the_first_schema_of_the_search_path(pg_url):
    """A store in a later schema of the search_path is not mistaken for this one's."""
    from urllib.parse import unquote

    from tests.store_backends import postgis_schema, server_url, with_schema

    later = open_store(database=pg_url, session="alice")
    p, g, v = later.site("RS-005")
    later.save_site("RS-005", {**p, "name": "另一个模式"}, g, expected_version=v)
    later_schema = unquote(pg_url).split("search_path=")[1].split(",")[0]
    with postgis_schema() as first_url:
        first_schema = unquote(first_url).split("search_path=")[1].split(",")[0]
        both = with_schema(server_url(), f"{first_schema},{later_schema}")
        assert not storage.store_exists(database=both)
        s = open_store(database=both, session="bob")
        assert s.site("RS-005")[0]["name"] != "另一个模式" and s.history() == []
        from renewal.storage.postgis import close_pool

        close_pool(both)
    assert later.site("RS-005")[0]["name"] == "另一个模式"


def test_field_level_save_keeps_a_colleagues_other_fields(backend, store):
    """After bob's stale save is refused, saving only the field he changed keeps alice's status and
    position source; the stored shape stays unless the geometry is among the fields."""
    bob = backend.open("bob")
    pb, gb, vb = bob.site("RS-021")  # both open version 1
    pa, ga, va = store.site("RS-021")
    store.save_site(
        "RS-021", {**pa, "status": "existing", "position_source": "现场核实"}, ga, expected_version=va
    )
    mine = {**pb, "name": "管乐器厂（李四核对）"}  # bob's form still holds the old status and source
    with pytest.raises(ConflictError):
        bob.save_site("RS-021", mine, gb, expected_version=vb)
    with pytest.raises(ConflictError):  # a field-level save is still checked against the version
        bob.save_site("RS-021", mine, gb, expected_version=vb, fields={"name"})
    v2 = bob.site("RS-021")[2]
    v3 = bob.save_site("RS-021", mine, NEW_OUTLINE, expected_version=v2, fields={"name"})
    props, geom, version = store.site("RS-021")
    assert version == v3 == v2 + 1
    assert props["name"] == "管乐器厂（李四核对）"
    assert props["status"] == "existing" and props["position_source"] == "现场核实"  # alice's stay
    assert geom.equals(ga)  # geometry not among the fields: the stored one is kept
    newest = bob.history("RS-021")[0]
    assert newest.session == "bob" and newest.before["properties"]["status"] == "existing"
    assert newest.after["properties"]["name"] == "管乐器厂（李四核对）"
    bob.save_site("RS-021", {"name": "ignored"}, NEW_OUTLINE, expected_version=v3, fields={"geometry"})
    props, geom, _ = store.site("RS-021")
    assert geom.equals(NEW_OUTLINE) and props["name"] == "管乐器厂（李四核对）"


def test_field_level_save_refuses_unknown_fields_and_bad_values(store):
    props, geom, v = store.site("RS-008")
    before = state(store)
    with pytest.raises(InputError, match="site_id"):
        store.save_site(
            "RS-008", {**props, "site_id": "RS-999"}, geom, expected_version=v, fields={"site_id"}
        )
    with pytest.raises(InputError, match="colour"):
        store.save_site("RS-008", props, geom, expected_version=v, fields={"colour"})
    with pytest.raises(InputError):
        store.save_site(
            "RS-008", {**props, "status": "demolished"}, geom, expected_version=v, fields={"status"}
        )
    assert state(store) == before


def test_a_store_from_before_the_id_counter_is_copied_with_one(backend, store):
    """Both backends' dump gives a store without the counter one that skips every number used (the copy
    is made by the shared core; it was the GeoPackage's alone)."""
    from renewal.storage import records as rec

    store.add_sites([({"name": "新增地块", "status": "planned", "precision": "approximate"}, INSIDE)])
    used = rec.highest_number([*store.sites()["site_id"], *(c.site_id for c in store.history(limit=10**9))])

    def drop_counter(con):
        con.execute(store._sql("DELETE FROM renewal_meta WHERE key = ?"), (rec.COUNTER_KEY,))

    store._write(drop_counter)
    dump = store.dump()
    assert dump.meta[rec.COUNTER_KEY] == str(used) and used > 0

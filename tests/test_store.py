"""The workspace store: seeding, edit, undo, history, crash safety, concurrency, locks."""

import sqlite3
import subprocess
import sys
import textwrap

import geopandas as gpd
import pytest
from shapely.geometry import Point, Polygon, box

from renewal import storage
from renewal.errors import ConflictError, InputError, StoreError
from renewal.sites import query, schema
from renewal.storage import open_store, store_path
from renewal.storage.gpkg import GpkgStore as Store
from renewal.storage.gpkg import from_gpb, to_gpb

INSIDE = Point(117.2277, 39.1100)
NEW_OUTLINE = box(117.2290, 39.1110, 117.2310, 39.1125)


@pytest.fixture
def store(tmp_path):
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


def test_seeded_from_bundled_catalogue_and_readable_by_gdal(store):
    bundled = query.bundled_sites()
    got = store.sites()
    assert list(got["site_id"]) == sorted(bundled["site_id"])
    assert (got["version"] == 1).all()
    assert store.path == store_path(store.path.parent)
    # the store is a real GeoPackage: GDAL reads the same features
    via_gdal = gpd.read_file(store.path, layer="sites")
    assert via_gdal.crs.to_epsg() == 4326
    assert len(via_gdal) == len(bundled)
    a = via_gdal.set_index("site_id").sort_index()
    b = bundled.set_index("site_id").sort_index()
    assert a.geometry.geom_equals_exact(b.geometry, tolerance=1e-9).all()
    assert (a["plan_text"] == b["plan_text"]).all()


def test_current_sites_reads_the_store(store):
    props, geom, v = store.site("RS-005")
    store.save_site("RS-005", {**props, "name": "一冷（已核实）"}, geom, expected_version=v)
    got = storage.current_sites(store.path.parent).set_index("site_id")
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
    assert after.geometry.geom_equals(before.geometry).all()
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


def test_undo_refused_when_site_changed_again_by_someone_else(store):
    bob = Store(store.path, session="bob")
    props, geom, v = store.site("RS-012")
    store.save_site("RS-012", {**props, "name": "A"}, geom, expected_version=v)
    bob.save_site("RS-012", {**props, "name": "B"}, geom, expected_version=v + 1)
    with pytest.raises(ConflictError):
        store.undo(session="alice")
    assert store.site("RS-012")[0]["name"] == "B"


def test_concurrent_edit_second_save_refused(store):
    bob = Store(store.path, session="bob")
    pa, ga, va = store.site("RS-006")
    pb, gb, vb = bob.site("RS-006")
    store.save_site("RS-006", {**pa, "name": "Alice 的名称"}, ga, expected_version=va)
    state = snapshot(store.path)
    with pytest.raises(ConflictError) as ei:
        bob.save_site("RS-006", {**pb, "name": "Bob 的名称"}, gb, expected_version=vb)
    assert "alice" in ei.value.message_en and "refused" in ei.value.message_en
    assert "其他会话" in ei.value.message_zh
    assert snapshot(store.path) == state
    assert store.site("RS-006")[0]["name"] == "Alice 的名称"


def test_failure_in_the_middle_of_a_save_leaves_previous_state(store):
    props, geom, v = store.site("RS-009")
    state = snapshot(store.path)

    def boom():
        raise OSError("disk full (simulated)")

    store.before_commit = boom
    with pytest.raises(OSError):
        store.save_site("RS-009", {**props, "name": "half"}, NEW_OUTLINE, expected_version=v)
    assert snapshot(store.path) == state
    store.before_commit = None
    assert store.site("RS-009")[0]["name"] == props["name"]


def test_process_crash_in_the_middle_of_a_save_leaves_previous_state(store):
    """Kill the process (no cleanup at all) after the row is written, before COMMIT."""
    state = snapshot(store.path)
    code = textwrap.dedent(f"""
        import os
        from renewal.storage.gpkg import GpkgStore as Store
        s = Store({str(store.path)!r}, session="crasher")
        p, g, v = s.site("RS-009")
        s.before_commit = lambda: os._exit(9)
        s.save_site("RS-009", {{**p, "name": "half-written"}}, g.buffer(0.001), expected_version=v)
    """)
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 9, proc.stderr
    assert snapshot(store.path) == state
    assert store.site("RS-009")[0]["name"] == "四号台"


def test_bad_input_changes_nothing(store):
    props, geom, v = store.site("RS-005")
    state = snapshot(store.path)
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
    assert snapshot(store.path) == state


def test_read_only_file_refused(store):
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


def test_locked_file_refused(store):
    props, geom, v = store.site("RS-005")
    store.timeout = 0.2
    other = sqlite3.connect(store.path, isolation_level=None)
    other.execute("BEGIN EXCLUSIVE")
    try:
        with pytest.raises(StoreError) as ei:
            store.save_site("RS-005", {**props, "name": "x"}, geom, expected_version=v)
        assert "locked" in ei.value.message_en and "锁定" in ei.value.message_zh
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert store.site("RS-005")[0]["name"] == props["name"]


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


def test_workspace_env_var_is_honoured(tmp_path, monkeypatch):
    monkeypatch.setenv("RENEWAL_WORKSPACE", str(tmp_path / "ws"))
    s = open_store()
    assert s.path == tmp_path / "ws" / "sites.gpkg"
    assert s.path.exists()
    assert not list((tmp_path / "ws").glob(".*.tmp"))  # the temp file was renamed, not left behind


def test_reading_a_damaged_or_locked_store_raises_store_error(store, tmp_path):
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


def test_a_store_that_vanished_raises_store_error_when_writing(store, monkeypatch):
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

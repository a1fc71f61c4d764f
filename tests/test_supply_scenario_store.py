"""Scenarios in the store (renewal/storage/scenarios.py), on both backends: saved and listed with a
history row, a taken name refused, an overwrite with the version seen, a stale one refused, a viewer
refused, and the old workspace JSON moved in once on first open."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from renewal.analysis.supply_scenarios import scenario_record, scenarios_path
from renewal.auth import VIEWER
from renewal.errors import ConflictError, InputError
from renewal.storage.access import Actor, ViewerRefused
from renewal.storage.scenarios import open_scenarios
from tests.store_backends import BACKENDS
from tests.store_backends import backend as make_backend
from tests.test_supply_scenarios import _run

WHEN = datetime(2026, 12, 3, 13, 5, tzinfo=UTC)
ZHANG, LI = Actor("张三"), Actor("李四")


@pytest.fixture(params=BACKENDS)
def where(request, tmp_path):
    with make_backend(request.param, tmp_path / "db") as b:
        # the workspace (old JSON) is always a folder; the store is the GeoPackage there or the database
        yield {"workspace": tmp_path, "database": b.url}


def _open(where, actor=ZHANG):
    return open_scenarios(where["workspace"], database=where["database"], actor=actor)


def test_save_list_history_and_refusals(where):
    rec = scenario_record(_run(), "现状", who="ignored", when=WHEN)
    rec["changes"] = [{"action": "新增", "name": "新小学", "places": 50.0}]
    store = _open(where)
    assert store.list() == []
    assert store.save(rec, actor=ZHANG) == 1
    [back] = _open(where, LI).list(rec["set"])
    assert back["version"] == 1 and back["who"] == "张三" and back["zones"] == rec["zones"]
    assert back["indicators"] == rec["indicators"] and back["changes"] == rec["changes"]
    with pytest.raises(InputError, match="exists already"):
        store.save(rec, actor=LI)
    # 李四 overwrites version 1; 张三, who also saw version 1, is refused and nothing changes
    assert _open(where, LI).save({**rec, "zones": []}, actor=LI, expected_version=1) == 2
    with pytest.raises(ConflictError, match="version 2, you saw version 1"):
        store.save(rec, actor=ZHANG, expected_version=1)
    with pytest.raises(ConflictError, match="no longer exists"):
        store.save({**rec, "name": "没有的"}, actor=ZHANG, expected_version=1)
    [now] = store.list()
    assert (now["version"], now["who"], now["zones"]) == (2, "李四", [])
    hist = store.history("现状")
    assert [(h["action"], h["who"], h["version"]) for h in hist] == [
        ("overwrite", "李四", 2),
        ("save", "张三", 1),
    ]


def test_viewer_and_bad_name_refused_nothing_written(where):
    rec = scenario_record(_run(), "现状", who="x", when=WHEN)
    viewer = Actor("王五", VIEWER)
    store = _open(where, viewer)  # a viewer may open and read
    with pytest.raises(ViewerRefused):
        store.save(rec, actor=viewer)
    with pytest.raises(InputError, match="1 to 40"):
        store.save({**rec, "name": "  "}, actor=ZHANG)
    assert store.list() == [] and store.history() == []


def test_old_json_moved_in_once(where):
    ws = where["workspace"]
    old = [scenario_record(_run(), n, who="赵六", when=WHEN) for n in ("现状", "新增学校")]
    path = scenarios_path(ws)  # as older versions wrote it
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps(old, ensure_ascii=False), encoding="utf-8")
    store = _open(where, Actor("王五", VIEWER))  # moving the file in is setting up: a viewer's open does it
    assert not path.exists() and path.with_name("scenarios.json.migrated").exists()
    listed = store.list(old[0]["set"])
    assert sorted(d["name"] for d in listed) == ["新增学校", "现状"]
    assert {d["who"] for d in listed} == {"赵六"}
    assert [h["action"] for h in store.history()] == ["migrate", "migrate"]
    # a JSON file that reappears (an old copy restored) adds only names not stored yet
    path.write_text(json.dumps([{**old[0], "who": "旧"}, {**old[0], "name": "另一个"}]), encoding="utf-8")
    store = _open(where)
    assert sorted(d["name"] for d in store.list()) == ["另一个", "新增学校", "现状"]
    assert next(d for d in store.list() if d["name"] == "现状")["who"] == "赵六"

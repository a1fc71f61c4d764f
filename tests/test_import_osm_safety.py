"""import-osm keeps the workspace whole (issue 23, medium list): no replaced inventory without --replace,
nothing left behind by a killed import, a full disk is a message with exit code 2 and writes no file."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile

from cli.main import main
from renewal.analysis import osm_read
from renewal.analysis.facilities import (
    load_workspace_facilities,
    workspace_facilities_path,
)
from renewal.analysis.network_files import workspace_network_path
from renewal.storage.access import local_actor
from renewal.storage.shared_files import save_facilities
from tests.test_import_osm import extract  # noqa: F401  (fixture: a small synthetic Hedong extract)


def dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def files(ws):
    return {p: p.read_bytes() for p in (workspace_network_path(ws), workspace_facilities_path(ws))}


def test_import_osm_never_replaces_an_inventory_without_replace(extract, tmp_path, capsys):  # noqa: F811
    ws = tmp_path / "ws"
    assert main(["--workspace", str(ws), "import-osm", str(extract)]) == 0
    count = len(load_workspace_facilities(ws))
    assert main(["--workspace", str(ws), "import-osm", str(extract)]) == 0  # OSM over OSM: replaced
    edited = load_workspace_facilities(ws).iloc[:2]  # a planner saves an inventory of their own
    save_facilities(edited, actor=local_actor(), workspace=ws, source_file="我的设施清单.xlsx")
    before = workspace_facilities_path(ws).read_bytes()
    capsys.readouterr()
    assert main(["--workspace", str(ws), "import-osm", str(extract)]) == 2
    err = capsys.readouterr().err
    assert "--replace" in err and "facilities.gpkg" in err
    assert workspace_facilities_path(ws).read_bytes() == before
    assert main(["--workspace", str(ws), "import-osm", str(extract), "--replace"]) == 0
    assert len(load_workspace_facilities(ws)) == count


def test_what_a_killed_import_left_is_removed_by_the_next(extract, tmp_path):  # noqa: F811
    pid = dead_pid()
    cache = os.path.join(tempfile.gettempdir(), f"{osm_read.TEMP_PREFIX}{pid}-abc")
    os.makedirs(cache, exist_ok=True)
    with open(os.path.join(cache, "locations.bin"), "wb") as fh:
        fh.write(b"\0" * 1024)
    ws = tmp_path / "ws"
    stale = workspace_facilities_path(ws).parent / f".facilities.{pid}.deadbeef.tmp.gpkg"
    stale.parent.mkdir(parents=True)
    stale.write_bytes(b"half written")
    assert main(["--workspace", str(ws), "import-osm", str(extract)]) == 0
    assert not os.path.exists(cache) and not stale.exists()
    assert workspace_facilities_path(ws).exists()


def test_a_full_disk_is_a_message_and_changes_nothing(extract, tmp_path, monkeypatch, capsys):  # noqa: F811
    """GDAL reports a full disk as 'no such table: gpkg_contents' (a traceback, exit 1); simulated here:
    every GeoPackage write fails that way and the disk reports no free space."""
    import shutil
    from collections import namedtuple

    import pyogrio
    from pyogrio.errors import FeatureError

    def full(*args, **kwargs):
        raise FeatureError("sqlite3_exec(INSERT INTO gpkg_contents ...) failed: no such table: gpkg_contents")

    usage = namedtuple("usage", "total used free")
    monkeypatch.setattr(pyogrio, "write_dataframe", full)
    monkeypatch.setattr("pyogrio.geopandas.write_dataframe", full, raising=False)
    monkeypatch.setattr(shutil, "disk_usage", lambda p: usage(10**9, 10**9, 0))
    ws = tmp_path / "ws"
    ws.mkdir()
    args = ["--workspace", str(ws), "import-osm", str(extract)]
    assert main(args) == 2
    err = capsys.readouterr().err
    assert "is full; nothing was changed" in err and "Traceback" not in err
    assert not workspace_facilities_path(ws).exists() and not workspace_network_path(ws).exists()
    assert not [p for p in ws.rglob("*") if ".tmp" in p.name]

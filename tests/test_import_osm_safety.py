"""import-osm and layer import keep the workspace whole (issue 23, medium list): no replaced inventory
without --replace (and a backup with it), network and facilities written together, nothing left behind by
a killed import, a full disk is a message with exit code 2 and changes nothing."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile

import pytest

from cli.main import main
from renewal.analysis import osm_import, osm_read
from renewal.analysis.facilities import load_workspace_facilities, workspace_facilities_path
from renewal.analysis.network_files import workspace_network_path
from tests.test_import_osm import extract  # noqa: F401  (fixture: a small synthetic Hedong extract)


def dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def files(ws):
    return {p: p.read_bytes() for p in (workspace_network_path(ws), workspace_facilities_path(ws))}


def test_import_osm_never_replaces_an_inventory_without_replace_and_keeps_a_backup(extract, tmp_path, capsys):  # noqa: F811
    ws = tmp_path / "ws"
    assert main(["--workspace", str(ws), "import-osm", str(extract)]) == 0
    first = files(ws)
    count = len(load_workspace_facilities(ws))
    workspace_facilities_path(ws).write_bytes(b"a planner's own inventory")  # edited since
    capsys.readouterr()
    assert main(["--workspace", str(ws), "import-osm", str(extract)]) == 2
    err = capsys.readouterr().err
    assert "--replace" in err and "facilities.gpkg" in err
    assert workspace_facilities_path(ws).read_bytes() == b"a planner's own inventory"
    assert main(["--workspace", str(ws), "import-osm", str(extract), "--replace"]) == 0
    assert len(load_workspace_facilities(ws)) == count
    (backup,) = (ws / ".backups").iterdir()
    assert (backup / "facilities" / "facilities.gpkg").read_bytes() == b"a planner's own inventory"
    assert (backup / "network" / "walk_network.gpkg").read_bytes() == first[workspace_network_path(ws)]


def test_a_failure_between_the_two_writes_leaves_the_old_pair(extract, tmp_path, monkeypatch, capsys):  # noqa: F811
    """A kill between the network and the facility writes left a new network with old facilities."""
    ws = tmp_path / "ws"
    assert main(["--workspace", str(ws), "import-osm", str(extract), "--buffer", "0"]) == 0
    before = files(ws)

    def killed(*args, **kwargs):
        raise OSError("killed while writing the facilities")

    monkeypatch.setattr(osm_import, "save_workspace_facilities", killed)
    import cli.commands.import_osm  # noqa: F401  (the command imports from osm_import at run time)

    assert main(["--workspace", str(ws), "import-osm", str(extract), "--replace"]) == 2
    assert files(ws) == before  # neither file changed: not a silent mix
    leftovers = [p.name for p in ws.rglob("*") if ".tmp" in p.name]
    assert not leftovers


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


@pytest.mark.parametrize("command", ["import-osm", "import"])
def test_a_full_disk_is_a_message_and_changes_nothing(extract, tmp_path, monkeypatch, capsys, command):  # noqa: F811
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
    if command == "import-osm":
        args = ["--workspace", str(ws), "import-osm", str(extract)]
    else:
        src = tmp_path / "ref.geojson"
        src.write_text(
            '{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"名称":"甲"},'
            '"geometry":{"type":"Point","coordinates":[117.2277,39.11]}}]}',
            encoding="utf-8",
        )
        args = ["--workspace", str(ws), "import", str(src), "--layer", "reference", "--yes"]
    assert main(args) == 2
    err = capsys.readouterr().err
    assert "No space left" in err and "Traceback" not in err
    assert not [p for p in ws.rglob("*") if p.is_file()]

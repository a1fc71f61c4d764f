"""A layer import on a full disk (issue 23: "Layer import and import-osm on a full disk end in a traceback
with exit code 1: exit 2, nothing half-written"). The workspace sits on a real, tiny tmpfs (POSIX, root),
filled up before the import: the CLI says so in English with exit code 2, the 数据管理 page in Chinese, and
the store keeps its layers and history, with no temporary or journal file left."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
from shapely.geometry import Point
from streamlit.testing.v1 import AppTest

from cli.main import main
from renewal.storage.layers import open_layers

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def small_disk(tmp_path):
    """A 4 MiB tmpfs, unmounted afterwards."""
    mnt = tmp_path / "disk"
    mnt.mkdir()
    if not hasattr(os, "geteuid") or os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root")
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(mnt)], capture_output=True)
    if done.returncode != 0:
        pytest.skip(f"no tmpfs here: {done.stderr.decode(errors='replace')}")
    try:
        yield mnt
    finally:
        subprocess.run(["umount", "-l", str(mnt)], check=False)


def _layer(path: Path, n: int, seed: int) -> Path:
    rng = np.random.default_rng(seed)
    pts = [Point(117.22 + rng.random() * 0.05, 39.10 + rng.random() * 0.04) for _ in range(n)]
    names = ["".join(chr(0x4E00 + int(c)) for c in rng.integers(0, 20000, 40)) for _ in range(n)]
    gpd.GeoDataFrame({"name": names}, geometry=pts, crs=4326).to_file(path, driver="GeoJSON")
    return path


def _fill(disk: Path, leave: int = 48 * 1024) -> None:
    """Fill the disk but ``leave`` bytes."""
    free = os.statvfs(disk).f_bavail * os.statvfs(disk).f_frsize
    with open(disk / "filler.bin", "wb") as f:
        f.write(b"\0" * max(0, free - leave))


def _state(ws: Path):
    store = open_layers(ws)
    files = sorted(p.name for p in ws.rglob("*") if p.name != "filler.bin")
    return [(e.name, e.version, e.count) for e in store.list()], store.history(), files, store.read("first")


def _import_first(ws: Path, tmp_path: Path) -> None:
    """A first layer imported while the disk still has room."""
    first = _layer(tmp_path / "first.geojson", 5, 1)
    args = ["--workspace", str(ws), "import", str(first), "--layer", "reference", "--name", "first", "--yes"]
    assert main(args) == 0


def test_cli_import_on_a_full_disk_exits_2_and_changes_nothing(small_disk, tmp_path, capsys):
    ws = small_disk / "workspace"
    _import_first(ws, tmp_path)
    before = _state(ws)
    _fill(small_disk)
    big = _layer(tmp_path / "big.geojson", 3000, 2)
    capsys.readouterr()
    code = main(
        ["--workspace", str(ws), "import", str(big), "--layer", "reference", "--name", "big", "--yes"]
    )
    out = capsys.readouterr()
    assert code == 2, out
    assert "The disk holding the workspace layers" in out.err and "nothing was changed" in out.err, out.err
    assert "Traceback" not in out.err
    after = _state(ws)
    assert after[:3] == before[:3]  # layers, history, files (no temp or journal file)
    assert after[3].equals(before[3])


def test_page_import_on_a_full_disk_says_so_in_chinese_and_changes_nothing(small_disk, tmp_path, monkeypatch):
    ws = small_disk / "workspace"
    monkeypatch.setenv("RENEWAL_WORKSPACE", str(ws))
    _import_first(ws, tmp_path)
    before = _state(ws)
    big = _layer(tmp_path / "big.geojson", 3000, 2).read_bytes()
    at = AppTest.from_file(str(ROOT / "pages" / "data.py"), default_timeout=120)
    at.run()
    at.file_uploader(key="data_file").set_value(("big.geojson", big, "application/geo+json")).run()
    at.text_input(key="data_name").set_value("big").run()
    _fill(small_disk)
    next(b for b in at.button if b.label == "确认导入").click().run()
    assert not at.exception
    errors = " ".join(e.value for e in at.error)
    assert "磁盘已满" in errors and "未做任何更改" in errors, errors
    after = _state(ws)
    assert after[:3] == before[:3]
    assert after[3].equals(before[3])

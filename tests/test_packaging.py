"""`python -m pip install .` gives a working package: the wheel built from the project's files holds
the code, the bundled data and the maps' offline assets, and its `renewal` command runs from another
folder on the installed copy (not on the source tree)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _tracked_files() -> list[str]:
    proc = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True)
    if proc.returncode != 0:
        pytest.skip("not a git checkout")
    return [f for f in proc.stdout.splitlines() if (ROOT / f).is_file()]


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """The project copied (tracked files only), built into a wheel and installed into a folder."""
    tmp = tmp_path_factory.mktemp("pkg")
    src = tmp / "src"
    for f in _tracked_files():
        (src / f).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / f, src / f)
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "--no-input"]
    build = subprocess.run(
        [*pip, "wheel", "--no-deps", "--no-build-isolation", "-q", ".", "-w", str(tmp / "dist")],
        cwd=src,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert build.returncode == 0, build.stdout + build.stderr
    (wheel,) = (tmp / "dist").glob("*.whl")
    site = tmp / "site"
    inst = subprocess.run(
        [*pip, "install", "--no-deps", "--no-index", "-q", "--target", str(site), str(wheel)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert inst.returncode == 0, inst.stdout + inst.stderr
    return wheel, site


def test_wheel_holds_code_data_and_offline_assets(installed):
    wheel, _ = installed
    names = set(zipfile.ZipFile(wheel).namelist())
    wanted = [
        f
        for f in _tracked_files()
        if f.split("/")[0] in ("cli", "renewal", "layers", "geodata", "pages")
        and not f.endswith("ruff.toml")
        and "/tests/" not in f
    ]
    missing = [f for f in wanted if f not in names]
    assert not missing, missing
    entry = next(n for n in names if n.endswith(".dist-info/entry_points.txt"))
    assert "renewal = cli.main:main" in zipfile.ZipFile(wheel).read(entry).decode()
    meta = zipfile.ZipFile(wheel).read(next(n for n in names if n.endswith(".dist-info/METADATA"))).decode()
    # the dependencies are the pinned runtime set
    pins = [
        line.split("#")[0].strip()
        for line in (ROOT / "requirements.txt").read_text(encoding="utf-8").splitlines()
        if line.split("#")[0].strip()
    ]
    for pin in pins:
        assert f"Requires-Dist: {pin}" in meta, pin


def test_the_renewal_command_runs_on_the_installed_copy(installed, tmp_path):
    _, site = installed
    script = site / "bin" / ("renewal.exe" if os.name == "nt" else "renewal")
    assert script.is_file()
    env = {**os.environ, "PYTHONPATH": str(site)}
    env.pop("RENEWAL_WORKSPACE", None)
    run = subprocess.run(
        [sys.executable, str(script), "--help"], cwd=tmp_path, env=env, capture_output=True, text=True
    )
    assert run.returncode == 0, run.stderr
    assert "export-map" in run.stdout and "import-osm" in run.stdout
    listed = subprocess.run(
        [sys.executable, str(script), "sites", "list"], cwd=tmp_path, env=env, capture_output=True, text=True
    )
    assert listed.returncode == 0, listed.stderr
    assert "RS-001" in listed.stdout
    # the installed copy, not the source tree, and no workspace written inside site-packages
    where = subprocess.run(
        [sys.executable, "-c", "import renewal, geodata; print(renewal.__file__); print(geodata.ROOT)"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
    )
    assert where.stdout.count(str(site)) == 2, where.stdout
    assert not (site / "workspace").exists()

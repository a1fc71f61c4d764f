"""Types are part of the test command (issue 21): mypy strict on renewal/ (every function typed, no bare
generics, no Any returned where a type was promised) and gradual on layers/, cli/, pages/, geodata/ and
app.py, with the configuration of pyproject.toml. A planted untyped function shows the strict check bites."""

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _mypy(*targets: str, cwd: Path = ROOT, strict: bool = False) -> subprocess.CompletedProcess:
    args = [
        sys.executable,
        "-m",
        "mypy",
        "--no-incremental",
        "--cache-dir",
        "/dev/null" if sys.platform != "win32" else "nul",
    ]
    if strict:
        args.append("--strict")
    return subprocess.run([*args, *targets], cwd=cwd, capture_output=True, text=True, timeout=600)


def test_renewal_is_strictly_typed():
    proc = _mypy("renewal", strict=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "Success: no issues found" in proc.stdout


def test_layers_cli_pages_and_geodata_pass_mypy():
    proc = _mypy("layers", "cli", "pages", "geodata", "app.py")
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_an_untyped_function_in_renewal_is_caught(tmp_path):
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    shutil.copytree(ROOT / "renewal", tmp_path / "renewal", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(
        ROOT / "geodata",
        tmp_path / "geodata",
        ignore=shutil.ignore_patterns("__pycache__", "*.gpkg", "*.geojson", "*.tif", "*.csv", "*.parquet"),
    )
    (tmp_path / "renewal" / "planted.py").write_text(
        "def area(shape):\n    return shape.area\n", encoding="utf-8"
    )
    proc = _mypy("renewal", cwd=tmp_path, strict=True)
    assert proc.returncode == 1
    assert "renewal/planted.py:1: error: Function is missing a type annotation" in proc.stdout.replace(
        "\\", "/"
    )

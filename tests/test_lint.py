"""Lint is part of the test command: ruff (style, imports, complexity, the banned-api rules of
pyproject.toml / layers/ruff.toml), ruff format, and the import-linter layering contracts."""

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("cli", "pages", "layers", "renewal", "geodata")


def _run(*args, cwd=ROOT, timeout=300):
    return subprocess.run(
        [sys.executable, "-m", *args], cwd=cwd, capture_output=True, text=True, timeout=timeout
    )


def test_ruff_check_passes():
    proc = _run("ruff", "check", "--no-cache", ".")
    assert proc.returncode == 0, f"ruff check failed:\n{proc.stdout}\n{proc.stderr}"


def test_ruff_format_is_applied():
    proc = _run("ruff", "format", "--check", "--no-cache", ".")
    assert proc.returncode == 0, f"run `ruff format .`:\n{proc.stdout}\n{proc.stderr}"


def _lint_imports(cwd: Path):
    return subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys; from importlinter.cli import lint_imports_command; sys.exit(lint_imports_command())",
            "--no-cache",
        ],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
        env={"PYTHONPATH": str(cwd), "PATH": ""},
    )


def test_import_contracts_are_kept():
    proc = _lint_imports(ROOT)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "0 broken" in proc.stdout


def _copy_tree(dst: Path) -> None:
    shutil.copy(ROOT / "pyproject.toml", dst / "pyproject.toml")
    for pkg in PACKAGES:
        shutil.copytree(
            ROOT / pkg,
            dst / pkg,
            ignore=shutil.ignore_patterns("*.pyc", "__pycache__", "vendor"),
            dirs_exist_ok=False,
        )


def _copy_with_import(tmp_path: Path, module: str, imported: str) -> Path:
    """A copy of the code in which ``module`` (a path under the root) also imports ``imported``."""
    _copy_tree(tmp_path)
    path = tmp_path / module
    path.write_text(path.read_text(encoding="utf-8") + f"\nimport {imported}  # noqa\n", encoding="utf-8")
    return tmp_path


def test_an_upward_import_breaks_the_contracts(tmp_path):
    """The contracts are real: a copy of the code with renewal importing layers fails the check."""
    proc = _lint_imports(_copy_with_import(tmp_path, "renewal/crs.py", "layers.styles"))
    assert proc.returncode != 0
    assert "BROKEN" in proc.stdout and "renewal.crs -> layers.styles" in proc.stdout


def test_storage_import_in_sites_breaks_the_contracts(tmp_path):
    proc = _lint_imports(_copy_with_import(tmp_path, "renewal/sites/schema.py", "renewal.storage"))
    assert proc.returncode != 0 and "renewal.sites.schema -> renewal.storage" in proc.stdout


_CYCLES = """
import json, sys
import grimp, networkx as nx
graph = grimp.build_graph(*sys.argv[1:], cache_dir=None)
g = nx.DiGraph()
for mod in graph.modules:
    for imported in graph.find_modules_directly_imported_by(mod):
        # a package's __init__ importing its own submodules is not a cycle of jobs
        if not (imported.startswith(mod + ".") or mod.startswith(imported + ".")):
            g.add_edge(mod, imported)
print(json.dumps([sorted(c) for c in nx.strongly_connected_components(g) if len(c) > 1]))
"""


def _module_cycles(root: Path) -> list[list[str]]:
    """Strongly connected groups of modules in the import graph (run apart, so ``root``'s code is read)."""
    proc = subprocess.run(
        [sys.executable, "-c", _CYCLES, *PACKAGES],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=300,
        env={"PYTHONPATH": str(root), "PATH": ""},
    )
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def test_no_import_cycles():
    assert _module_cycles(ROOT) == []


def test_a_cycle_is_found(tmp_path):
    cycles = _module_cycles(_copy_with_import(tmp_path, "renewal/sites/schema.py", "renewal.sites.validate"))
    assert ["renewal.sites.schema", "renewal.sites.validate"] in cycles


def test_the_error_types_importing_renewal_breaks_the_leaf_contract(tmp_path):
    proc = _lint_imports(_copy_with_import(tmp_path, "renewal/errors.py", "renewal.crs"))
    assert proc.returncode != 0
    assert (
        "the bilingual error types are a leaf" in proc.stdout
        and "renewal.errors -> renewal.crs" in proc.stdout
    )


def test_computing_importing_streamlit_breaks_the_contracts(tmp_path):
    proc = _lint_imports(_copy_with_import(tmp_path, "renewal/crs.py", "streamlit"))
    assert proc.returncode != 0
    assert "renewal.crs -> streamlit" in proc.stdout


def test_maps_importing_streamlit_breaks_the_contracts(tmp_path):
    proc = _lint_imports(_copy_with_import(tmp_path, "layers/styles.py", "streamlit"))
    assert proc.returncode != 0
    assert "maps never import streamlit" in proc.stdout and "layers.styles -> streamlit" in proc.stdout


def _ruff_on_copy(tmp_path: Path, module: str, extra: str) -> subprocess.CompletedProcess:
    """ruff check over a copy of the code in which ``module`` ends with ``extra``."""
    _copy_tree(tmp_path)
    path = tmp_path / module
    path.write_text(path.read_text(encoding="utf-8") + extra, encoding="utf-8")
    return _run("ruff", "check", "--no-cache", "--output-format", "concise", module, cwd=tmp_path)


@pytest.mark.parametrize(
    "module, imported",
    [("renewal/crs.py", "folium"), ("renewal/crs.py", "streamlit"), ("layers/styles.py", "streamlit")],
)
def test_a_banned_import_is_caught_by_ruff(tmp_path, module, imported):
    proc = _ruff_on_copy(tmp_path, module, f"\nimport {imported}  # noqa: F401, E402\n")
    assert proc.returncode != 0 and "TID251" in proc.stdout, proc.stdout + proc.stderr


@pytest.mark.parametrize(("n_if", "caught"), [(14, False), (15, True)])
def test_the_complexity_ceiling_of_15_is_caught_by_ruff(tmp_path, n_if, caught):
    """A function of complexity 15 (14 branches) passes, one of 16 is refused."""
    branches = "".join(f"    if x == {i}:\n        return {i}\n" for i in range(n_if))
    proc = _ruff_on_copy(tmp_path, "renewal/crs.py", f"\n\ndef _branchy(x):\n{branches}    return -1\n")
    assert ("C901" in proc.stdout and "_branchy" in proc.stdout) is caught, proc.stdout


@pytest.mark.parametrize(("n_args", "caught"), [(8, False), (9, True)])
def test_a_function_with_more_than_8_parameters_is_caught_by_ruff(tmp_path, n_args, caught):
    params = ", ".join(f"a{i}" for i in range(n_args))
    proc = _ruff_on_copy(tmp_path, "renewal/crs.py", f"\n\ndef _many({params}):\n    return None\n")
    assert ("PLR0913" in proc.stdout) is caught, proc.stdout  # the rest of the copy passes as it is

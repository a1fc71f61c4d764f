"""``python -m renewal export-map`` writes a standalone, offline map; bad input changes nothing."""

import re
import subprocess
import sys
from pathlib import Path

import pytest

from cli.main import main
from layers import registry

ROOT = Path(__file__).resolve().parent.parent


def _decoded(html: str) -> str:
    return re.sub(r"\\u([0-9a-fA-F]{4})", lambda m: chr(int(m.group(1), 16)), html)


def test_export_map_writes_standalone_html_with_every_layer(tmp_path):
    out = tmp_path / "layout.html"
    assert main(["export-map", "--out", str(out)]) == 0
    text = out.read_text(encoding="utf-8")
    # no script or stylesheet from the network: only inline code
    assert not re.search(r'<script[^>]+src=["\']https?:', text)
    assert not re.search(r'<link[^>]+href=["\']https?:', text)
    assert "L.map(" in text or "L.map (" in text
    decoded = _decoded(text)
    for key in registry.LAYOUT_MAP_KEYS:
        assert registry.REGISTRY[key].title_zh in decoded, key


def test_export_map_refuses_bad_extension_and_changes_nothing(tmp_path, capsys):
    out = tmp_path / "layout.txt"
    assert main(["export-map", "--out", str(out)]) == 2
    assert not out.exists()
    assert ".html" in capsys.readouterr().err


def test_export_map_into_missing_folder_is_a_clear_error(tmp_path, capsys):
    out = tmp_path / "nope" / "map.html"
    assert main(["export-map", "--out", str(out)]) == 2
    assert "does not exist" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


@pytest.mark.slow
def test_module_entry_point_runs(tmp_path):
    out = tmp_path / "jinmao.html"
    r = subprocess.run(
        [sys.executable, "-m", "renewal", "export-map", "--map", "jinmao", "--out", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert r.returncode == 0, r.stderr
    assert "金贸产业园东南片区" in _decoded(out.read_text(encoding="utf-8"))

"""Atomic writes: the target is either the old file or the complete new one, never half of it."""

import pytest

from renewal.io import atomic as fileio


def test_write_replaces_and_leaves_no_temp(tmp_path):
    out = tmp_path / "a.txt"
    out.write_text("old", encoding="utf-8")
    fileio.write_text_atomic(out, "新内容")
    assert out.read_text(encoding="utf-8") == "新内容"
    assert [p.name for p in tmp_path.iterdir()] == ["a.txt"]
    assert out.stat().st_mode & 0o777 == fileio.FILE_MODE


def test_failing_writer_keeps_the_old_file(tmp_path):
    out = tmp_path / "layers.gpkg"
    out.write_bytes(b"old")
    with pytest.raises(RuntimeError), fileio.atomic_output(out) as tmp:
        assert tmp.suffix == ".gpkg" and tmp.parent == tmp_path and not tmp.exists()
        tmp.write_bytes(b"half")
        raise RuntimeError("driver failed half way")
    assert out.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["layers.gpkg"]

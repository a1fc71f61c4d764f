"""The hostile corpus (tests/data/bad/io_*, made by tests/data/make_io_bad_corpus.py) through every importer:
each file is refused with a clear message naming the reason (CLI exit 2), nothing is written, no traceback."""

import json
from pathlib import Path

import pytest

from cli.main import main
from renewal.errors import InputError
from renewal.io.read import read_vector
from renewal.layer_import import check_layer
from renewal.sites.importing import read_sites_file

BAD = Path(__file__).parent / "data" / "bad"
EXPECT = json.loads((BAD / "io_EXPECT.json").read_text(encoding="utf-8"))
#: refused by the importers for where the data lies or for rows without geometry; the reader and a mechanical
#: convert accept these
PLACEMENT = {name for name, words in EXPECT.items() if words in ("hedong", "no geometry")}


def test_corpus_is_complete():
    files = sorted(p.name for p in BAD.glob("io_*") if p.name != "io_EXPECT.json")
    assert files == sorted(EXPECT) and len(files) >= 30


@pytest.mark.parametrize("name", sorted(EXPECT))
@pytest.mark.parametrize("layer", ["reference", "zones", "population", "sites"])
def test_cli_import_refuses(name, layer, tmp_path, capsys):
    ws = tmp_path / "ws"
    ws.mkdir()
    args = ["--workspace", str(ws), "import", str(BAD / name), "--layer", layer, "--yes"]
    if layer == "reference":
        args += ["--name", "bad"]
    assert main(args) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and "Traceback" not in err
    if layer == "reference":
        assert EXPECT[name] in err.lower(), err
    assert list(ws.iterdir()) == []  # nothing written


@pytest.mark.parametrize("name", sorted(set(EXPECT) - PLACEMENT))
def test_reader_and_convert_refuse(name, tmp_path, capsys):
    with pytest.raises(InputError) as exc:
        read_vector(BAD / name)
    assert exc.value.message_zh and exc.value.message_en
    # the same through the upload path (bytes + file name), as the page reads it
    with pytest.raises(InputError) as exc2:
        read_vector((BAD / name).read_bytes(), filename=name)
    # the same reason, whichever way the file arrives (the path-specific prefix aside)
    assert exc2.value.message_en.split(":")[-1] == exc.value.message_en.split(":")[-1], (
        exc.value.message_en,
        exc2.value.message_en,
    )
    out = tmp_path / "out.geojson"
    assert main(["convert", "--to", "wgs84", str(BAD / name), str(out)]) == 2
    assert not out.exists() and list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("name", sorted(EXPECT))
def test_page_importers_refuse_with_chinese(name):
    """What the data page calls: a bilingual error or a check with problems, in Chinese."""
    try:
        check = check_layer((BAD / name).read_bytes(), "reference", filename=name)
    except InputError as err:
        assert any("\u4e00" <= ch <= "\u9fff" for ch in err.message_zh)
    else:
        assert not check.ok and all(any("\u4e00" <= ch <= "\u9fff" for ch in zh) for _, zh in check.problems)
    result = read_sites_file(BAD / name) if (BAD / name).suffix != ".txt" else None
    if result is not None:
        assert not result.ok or name in PLACEMENT

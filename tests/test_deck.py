"""The meeting deck (layers/deck.py, ``python -m renewal deck``): slides with map pictures and
native tables; every Chinese run set as East Asian text."""

from __future__ import annotations

import io

import pytest
from pptx import Presentation
from pptx.enum.shapes import MSO_SHAPE_TYPE
from pptx.oxml.ns import qn

from cli.main import main
from layers.deck import EA_FONT, ROWS_PER_TABLE, deck_bytes
from renewal.storage import bundled_sites


@pytest.fixture(scope="module")
def deck():
    sites = bundled_sites().head(ROWS_PER_TABLE + 3)  # two table slides of sites
    return Presentation(io.BytesIO(deck_bytes(sites=sites)))


def _kinds(slide) -> set[str]:
    out = set()
    for shape in slide.shapes:
        if shape.shape_type == MSO_SHAPE_TYPE.PICTURE:
            out.add("picture")
        if shape.has_table:
            out.add("table")
    return out


def _texts(slide) -> str:
    parts = []
    for shape in slide.shapes:
        if shape.has_text_frame:
            parts.append(shape.text_frame.text)
        if shape.has_table:
            parts += [c.text for row in shape.table.rows for c in row.cells]
    return "\n".join(parts)


def test_deck_has_the_expected_slides_with_pictures_and_tables(deck):
    slides = list(deck.slides)
    # title, layout map, park map, zones table, sites map, 2 sites tables, coverage map, coverage table,
    # 2 indicator tables (19 rows)
    assert len(slides) == 11
    assert "河东区" in _texts(slides[0])
    assert [_kinds(s) for s in slides[1:3]] == [{"picture"}, {"picture"}]
    assert _kinds(slides[3]) == {"table"} and "东南" in _texts(slides[3])
    assert "约 0.5 平方公里" in _texts(slides[3]) and "㎡" not in _texts(slides[3])  # zone areas rounded
    assert _kinds(slides[4]) == {"picture"}
    assert _kinds(slides[5]) == _kinds(slides[6]) == {"table"}
    assert _kinds(slides[7]) == {"picture"} and "生活圈覆盖" in _texts(slides[7])
    coverage = _texts(slides[8])
    assert _kinds(slides[8]) == {"table"} and "小学" in coverage and "用地覆盖率（%）" in coverage
    assert all(_kinds(s) == {"table"} for s in slides[9:])
    indicators = "\n".join(_texts(s) for s in slides[9:11])
    assert "地区生产总值增速" in indicators and "约束性" in indicators
    table = next(s for s in slides[9].shapes if s.has_table).table
    assert len(table.rows) == ROWS_PER_TABLE + 1


def test_every_run_is_east_asian_text_in_the_deck_font(deck):
    runs = 0
    for slide in deck.slides:
        for r in slide._element.iter(qn("a:r")):
            if not (r.findtext(qn("a:t")) or "").strip():
                continue
            rpr = r.find(qn("a:rPr"))
            assert rpr is not None and rpr.get("lang") == "zh-CN"
            assert rpr.find(qn("a:ea")).get("typeface") == EA_FONT
            runs += 1
    assert runs > 100


def test_deck_command_writes_a_pptx_and_refuses_other_suffixes(tmp_path, capsys):
    bad = tmp_path / "deck.ppt"
    assert main(["deck", "--out", str(bad)]) == 2
    assert not bad.exists() and ".pptx" in capsys.readouterr().err
    out = tmp_path / "deck.pptx"
    assert main(["deck", "--out", str(out), "--no-sites"]) == 0
    prs = Presentation(str(out))
    assert len(prs.slides) == 8  # no sites slides

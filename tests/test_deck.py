"""The meeting deck (layers/deck.py, ``python -m renewal deck``): slides with map pictures and
native tables; every Chinese run set as East Asian text."""

from __future__ import annotations

import io
import json
import re

import pytest
from pptx import Presentation
from pptx.enum.shapes import MSO_SHAPE_TYPE
from pptx.oxml.ns import qn
from pptx.util import Pt

from cli.main import main
from layers.assets import external_loads
from layers.deck import EA_FONT, ROWS_PER_TABLE, TABLE_PT, deck_bytes
from layers.views import VIEWS
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


def _title(slide) -> str:
    return next(s.text_frame.text for s in slide.shapes if s.has_text_frame and s.text_frame.text.strip())


def test_deck_has_every_view_of_the_presentation_then_its_tables(deck):
    slides = list(deck.slides)
    # title; 全区, 一站, 一带 maps; 一园 map + zones table; sites map + 2 tables; coverage map + table;
    # 2 indicator tables (19 rows)
    assert len(slides) == 13
    assert "河东区" in _texts(slides[0])
    maps = [s for s in slides if _kinds(s) == {"picture"}]
    assert [_title(s) for s in maps] == [
        v.title for v in VIEWS.values()
    ]  # the presentation's views, in order
    for slide in maps:  # one title per slide: the slide's, the picture has none
        assert [t for t in _texts(slide).split("\n") if t.strip()] == [_title(slide)]
    assert _kinds(slides[5]) == {"table"} and "东南" in _texts(slides[5])
    assert "约 0.5 平方公里" in _texts(slides[5]) and "㎡" not in _texts(slides[5])  # zone areas rounded
    assert _kinds(slides[7]) == _kinds(slides[8]) == {"table"} and "城市更新项目" in _title(slides[7])
    coverage = _texts(slides[10])
    assert _kinds(slides[10]) == {"table"} and "小学" in coverage and "用地覆盖率（%）" in coverage
    assert all(_kinds(s) == {"table"} for s in slides[11:])
    indicators = "\n".join(_texts(s) for s in slides[11:13])
    assert "地区生产总值增速" in indicators and "约束性" in indicators
    table = next(s for s in slides[11].shapes if s.has_table).table
    assert len(table.rows) == ROWS_PER_TABLE + 1


def test_table_text_is_readable_from_the_back_of_the_room(deck):
    sizes = [
        r.font.size
        for slide in deck.slides
        for shape in slide.shapes
        if shape.has_table
        for row in shape.table.rows
        for cell in row.cells
        for para in cell.text_frame.paragraphs
        for r in para.runs
    ]
    assert len(sizes) > 100 and min(sizes) >= Pt(TABLE_PT) == Pt(18)


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
    assert len(prs.slides) == 10  # no sites slides


def test_deck_command_writes_the_same_views_as_pdf_and_offline_html(tmp_path):
    from pypdf import PdfReader

    pdf, html = tmp_path / "deck.pdf", tmp_path / "deck.html"
    assert main(["deck", "--out", str(pdf), "--no-sites"]) == 0
    assert main(["deck", "--out", str(html), "--no-sites"]) == 0
    titles = [v.title for k, v in VIEWS.items() if k != "sites"]
    pages = [p.extract_text().replace("\n", "") for p in PdfReader(str(pdf)).pages]
    assert len(pages) == len(titles) and all(t in page for t, page in zip(titles, pages, strict=True))
    raw = html.read_text(encoding="utf-8")
    shown = re.findall(r'<h1 class="rp-title">(.*?)</h1>', raw)
    assert shown == titles
    data = json.loads(
        raw.split('<script type="application/json" id="rp-data">', 1)[1].split("</script>", 1)[0]
    )
    assert [slide["key"] for slide in data] == [k for k in VIEWS if k != "sites"]
    for doc in [raw] + [slide["map"] for slide in data]:  # every asset inline: opens from a USB stick
        assert not external_loads(doc)
        assert "<script src=" not in doc and "stylesheet" not in doc


def test_map_pictures_carry_no_title_of_their_own(monkeypatch):
    """One title per slide: the slide's text title; the sheet drawn as its picture has none (it had the same
    title drawn again)."""
    import layers.deck as deck_module
    from layers.presentation import presentation_slides

    drawn = []
    real = deck_module.draw_sheet

    def recording(scene, **kw):
        drawn.append(scene.title)
        return real(scene, **kw)

    monkeypatch.setattr(deck_module, "draw_sheet", recording)
    slides = presentation_slides(None)[:2]
    prs = deck_module.build_deck(slides=slides)
    assert drawn == ["", ""]
    assert [_title(s) for s in list(prs.slides)[1:3]] == [s.title for s in slides]

"""The meeting deck: one PPTX (python-pptx) of the layout story, ready to edit, and the same views as a
multi-page PDF.

The map slides are exactly the views of the presentation (:func:`layers.presentation.presentation_slides`:
全区, 一站, 一带, 一园, 更新项目, 生活圈覆盖 — those that can be drawn), in its order, each after a title
slide; native tables follow the view they belong to (金贸产业园's zones, the sites, coverage by category) and
the 18 main indicators close the deck. Maps are pictures of the print back-end's sheets
(:mod:`layers.render_print`, the same scenes as every other map) drawn without their own title: the slide
title is the one title of each slide. Table text is at least :data:`TABLE_PT` (readable from the back of a
room). Every run of text sets its East Asian font (``<a:ea>``) and ``lang="zh-CN"``, so PowerPoint and WPS
show the Chinese in :data:`EA_FONT` instead of a fallback.

:func:`deck_pdf_bytes`: the views as a PDF, one 16:9 map sheet per page (title, the plan's words, legend,
scale, notes; the CJK font subset embedded).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
from collections.abc import Sequence

import geopandas as gpd
import pandas as pd
from pptx import Presentation
from pptx.oxml.ns import qn
from pptx.presentation import Presentation as PptxPresentation
from pptx.slide import Slide as PptxSlide
from pptx.text.text import TextFrame, _Run
from pptx.util import Emu, Inches, Length, Pt

import geodata
from layers.presentation import Slide, presentation_slides
from layers.render_print import draw_sheet
from layers.styles import cell_text
from renewal.analysis.coverage_report import stats_zh
from renewal.analysis.facilities import known_coverage
from renewal.layout import jinmao_zone_table
from renewal.sites.query import with_measures
from renewal.sites.schema import FIELD_LABELS
from renewal.standards import load_standards

#: The East Asian (and Latin) typeface of every run: present on Windows and with WPS.
EA_FONT = "微软雅黑"
SLIDE_W, SLIDE_H = Inches(13.333), Inches(7.5)  # 16:9
PICTURE_DPI = 150
ROWS_PER_TABLE = 10
#: Table text size (points): header one point larger.
TABLE_PT = 18
SITE_COLUMNS = ("site_id", "name", "site_type", "renewal_area", "status", "precision")


def set_east_asian(run: _Run, typeface: str = EA_FONT) -> None:
    """Set a run's Latin and East Asian typefaces and its language to zh-CN."""
    run.font.name = typeface
    rpr = run._r.get_or_add_rPr()
    rpr.set("lang", "zh-CN")
    rpr.set("altLang", "en-US")
    ea = rpr.find(qn("a:ea"))
    if ea is None:
        ea = rpr.makeelement(qn("a:ea"), {})
        latin = rpr.find(qn("a:latin"))
        if latin is not None:
            latin.addnext(ea)
        else:
            rpr.append(ea)
    ea.set("typeface", typeface)


def _text(frame: TextFrame, text: str, size: float, *, bold: bool = False) -> None:
    frame.clear()
    para = frame.paragraphs[0]
    run = para.add_run()
    run.text = text
    run.font.size = Pt(size)
    run.font.bold = bold
    set_east_asian(run)


def _title(slide: PptxSlide, text: str) -> None:
    box = slide.shapes.add_textbox(Inches(0.4), Inches(0.2), Emu(SLIDE_W - Inches(0.8)), Inches(0.7))
    box.text_frame.word_wrap = True
    _text(box.text_frame, text, 26, bold=True)


def _note(slide: PptxSlide, text: str, top: Length, height: Length = Inches(0.5), size: float = 11) -> None:
    box = slide.shapes.add_textbox(Inches(0.4), top, Emu(SLIDE_W - Inches(0.8)), height)
    box.text_frame.word_wrap = True
    _text(box.text_frame, text, size)


def _sheet_png(slide: Slide) -> bytes:
    """The slide's map sheet as a picture, without the sheet's title (the slide has it)."""
    fig = draw_sheet(
        dataclasses.replace(slide.scene, title=""), paper="16:9", subtitle=slide.caption or slide.note
    )
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=PICTURE_DPI)
    return buf.getvalue()


def _map_slide(prs: PptxPresentation, slide: Slide) -> None:
    page = prs.slides.add_slide(prs.slide_layouts[6])  # blank
    _title(page, slide.title)
    height = SLIDE_H - Inches(1.0)
    width = int(height * 16 / 9)
    page.shapes.add_picture(
        io.BytesIO(_sheet_png(slide)), int((SLIDE_W - width) / 2), Inches(0.9), width, height
    )


def _table_slide(
    prs: PptxPresentation, title: str, frame: pd.DataFrame, widths: Sequence[float], note: str = ""
) -> None:
    slide = prs.slides.add_slide(prs.slide_layouts[6])
    _title(slide, title)
    rows, cols = len(frame) + 1, len(frame.columns)
    total = SLIDE_W - Inches(0.8)
    height = Inches(0.5) * rows
    shape = slide.shapes.add_table(rows, cols, Inches(0.4), Inches(1.0), total, height)
    table = shape.table
    scale = sum(widths)
    for j, w in enumerate(widths):
        table.columns[j].width = int(total * w / scale)
    for j, name in enumerate(frame.columns):
        _text(table.cell(0, j).text_frame, str(name), TABLE_PT + 1, bold=True)
    for i, row in enumerate(frame.itertuples(index=False), start=1):
        for j, value in enumerate(row):
            _text(table.cell(i, j).text_frame, cell_text(value), TABLE_PT)
    if note:
        _note(slide, note, Emu(SLIDE_H - Inches(0.6)), size=14)


def _chunks(frame: pd.DataFrame, size: int = ROWS_PER_TABLE) -> list[pd.DataFrame]:
    return [frame.iloc[i : i + size] for i in range(0, len(frame), size)] or [frame]


def sites_frame(sites: gpd.GeoDataFrame) -> pd.DataFrame:
    """The sites table of the deck: id, name, type, area, status, precision, computed area (㎡)."""
    m = with_measures(sites)
    out = pd.DataFrame(m[list(SITE_COLUMNS)]).reset_index(drop=True)
    out["status"] = out["status"].map(lambda v: geodata.STATUS_LABELS.get(v, v))
    out["precision"] = out["precision"].map(lambda v: geodata.PRECISION_LABELS.get(v, v))
    out["area_m2"] = m["area_m2"].map(lambda v: "" if pd.isna(v) or not v else f"{v:,.0f}").values
    return out.rename(columns=FIELD_LABELS)


def indicators_frame() -> pd.DataFrame:
    ind = geodata.load_table("indicators").fillna("")
    return pd.DataFrame(
        {
            "序号": ind["no"],
            "类别": ind["group"],
            "指标": ind["indicator"] + ind["sub_indicator"].map(lambda s: f"：{s}" if s else ""),
            "2025年": ind["value_2025"],
            "2030年目标值": ind["target_2030"],
            "属性": ind["attribute"],
        }
    )


COVERAGE_TABLE = ("设施类别", "生活圈", "距离（米）", "设施数", "用地覆盖率（%）", "距离核对状态")


def _coverage_table_slide(prs: PptxPresentation) -> None:
    """The statistics per category of the coverage view (the same facilities, by service radius)."""
    std = load_standards()
    result, facilities = known_coverage(standards=std)
    if facilities.empty:
        return
    stats = stats_zh(result.stats, std)
    _table_slide(
        prs,
        "生活圈覆盖：各类设施用地覆盖率（服务半径）",
        stats[[c for c in COVERAGE_TABLE if c in stats.columns]],
        (2, 1.5, 1.2, 1, 1.6, 1.6),
        "仅含规划纲要可定位的设施和工作区已导入的设施；现状设施未导入时不代表实际覆盖。距离标准见 GB 50180-2018。",
    )


def _chunked_table_slides(
    prs: PptxPresentation, title: str, frame: pd.DataFrame, widths: Sequence[float], note: str = ""
) -> None:
    parts = _chunks(frame)
    for i, part in enumerate(parts, start=1):
        suffix = f"（{i}/{len(parts)}）" if len(parts) > 1 else ""
        _table_slide(prs, f"{title}{suffix}", part, widths, note)


def _tables_after(prs: PptxPresentation, key: str, sites: gpd.GeoDataFrame | None) -> None:
    """The native tables that follow a view's map slide."""
    if key == "park":
        zones = jinmao_zone_table(geodata.load("layout"))[
            ["片区", "核心单位与项目", "目标产业与业态", "示意面积"]
        ]
        _table_slide(
            prs, "金贸产业园四个片区：核心单位与产业", zones, (1, 4, 5, 1.5), "片区为示意范围，面积仅供参考。"
        )
    elif key == "sites" and sites is not None and not sites.empty:
        _chunked_table_slides(prs, "城市更新项目", sites_frame(sites), (1.1, 3, 1.3, 1.6, 1, 1, 1.2))
    elif key == "coverage":
        _coverage_table_slide(prs)


def build_deck(
    *,
    sites: gpd.GeoDataFrame | None = None,
    date: dt.date | None = None,
    slides: Sequence[Slide] | None = None,
) -> PptxPresentation:
    """The deck as a python-pptx Presentation (``sites``: the renewal-site catalogue to show; ``slides``: the
    presentation's views, built from ``sites`` when not given)."""
    date = date or dt.date.today()
    slides = presentation_slides(sites) if slides is None else slides
    prs = Presentation()
    prs.slide_width, prs.slide_height = SLIDE_W, SLIDE_H
    first = prs.slides.add_slide(prs.slide_layouts[6])
    box = first.shapes.add_textbox(Inches(0.8), Inches(2.4), SLIDE_W - Inches(1.6), Inches(1.4))
    box.text_frame.word_wrap = True
    _text(box.text_frame, "河东区“十五五”总体布局与城市更新", 40, bold=True)
    _note(first, f"一站一带一园多点 · 金贸产业园 · 城市更新项目　　{date.isoformat()}", Inches(4.0), size=18)
    _note(
        first,
        "依据《天津市河东区国民经济和社会发展第十五个五年规划纲要》。规划要素按规划文字示意，未经测绘；"
        "虚线、空心符号表示位置示意。",
        Inches(6.4),
        size=14,
    )
    for slide in slides:
        _map_slide(prs, slide)
        _tables_after(prs, slide.key, sites)
    _chunked_table_slides(
        prs,
        "“十五五”时期主要指标",
        indicators_frame(),
        (0.6, 1.3, 5, 1.2, 1.4, 0.9),
        "注：[]为五年累计数，*为五年平均数，其余为规划末期数。",
    )
    return prs


def deck_bytes(
    *,
    sites: gpd.GeoDataFrame | None = None,
    date: dt.date | None = None,
    slides: Sequence[Slide] | None = None,
) -> bytes:
    """The deck as PPTX bytes (for a download button)."""
    buf = io.BytesIO()
    build_deck(sites=sites, date=date, slides=slides).save(buf)
    return buf.getvalue()


def deck_pdf_bytes(slides: Sequence[Slide], *, date: dt.date | None = None) -> bytes:
    """The presentation's views as one PDF: a 16:9 map sheet per view, in the presentation's order."""
    from matplotlib.backends.backend_pdf import PdfPages

    buf = io.BytesIO()
    with PdfPages(buf, metadata={"Title": "河东区“十五五”总体布局汇报"}) as pdf:
        for slide in slides:
            pdf.savefig(
                draw_sheet(slide.scene, paper="16:9", subtitle=slide.caption or slide.note, date=date)
            )
    return buf.getvalue()

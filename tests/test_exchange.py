"""Exports: every format reads back equal; files are written atomically."""

import math

import geopandas as gpd
import pytest
from geopandas.testing import assert_geoseries_equal
from openpyxl import load_workbook
from shapely.geometry import Point

from renewal.errors import InputError
from renewal.io import atomic as fileio
from renewal.sites import exchange, query, schema


@pytest.fixture(scope="module")
def cat():
    return query.bundled_sites()


def assert_same_sites(got, want):
    want = exchange.prepare(want)
    assert list(got.columns) == list(want.columns)
    assert len(got) == len(want)
    for f in schema.TEXT_FIELDS:
        assert list(got[f]) == list(want[f]), f
    for f in (*schema.NUMBER_FIELDS, *exchange.MEASURE_FIELDS):
        for a, b in zip(got[f], want[f], strict=True):
            assert (math.isnan(a) and math.isnan(b)) or a == pytest.approx(b, abs=1e-6), f
    assert_geoseries_equal(got.geometry, want.geometry)


@pytest.mark.parametrize("fmt", sorted(exchange.FORMATS))
def test_export_round_trip_bytes(cat, fmt):
    data = exchange.export_bytes(cat, fmt)
    assert len(data) > 100
    assert_same_sites(exchange.read_export(data, fmt), cat)


@pytest.mark.parametrize("fmt", sorted(exchange.FORMATS))
def test_export_round_trip_filtered_subset_via_file(cat, fmt, tmp_path):
    subset = query.filter_sites(cat, areas=["金贸产业园片区"])
    out = exchange.export_file(subset, tmp_path / f"sites{exchange.FORMATS[fmt][0]}")
    assert out.exists() and out.stat().st_mode & 0o044  # readable by others, not mkstemp's 0600
    assert [p.name for p in tmp_path.iterdir()] == [out.name]  # no temp file left behind
    assert_same_sites(exchange.read_export(out, fmt), subset)


def test_geojson_is_wgs84_and_keeps_chinese_text(cat):
    raw = exchange.export_bytes(cat, "geojson").decode("utf-8")
    assert "金贸产业园片区" in raw  # not \\u escaped
    gdf = gpd.read_file(raw)
    assert gdf.crs.to_epsg() == 4326


def test_computed_measures_are_in_the_export(cat):
    back = exchange.read_export(exchange.export_bytes(cat, "csv"), "csv").set_index("name")
    assert back.loc["护仓河水质巩固提升项目", "length_m"] == pytest.approx(
        query.with_measures(cat).set_index("name").loc["护仓河水质巩固提升项目", "length_m"]
    )
    assert back.loc["金贸产业园片区", "area_m2"] > 1e6


def test_xlsx_has_chinese_headers_and_notes_sheet(cat):
    import io

    wb = load_workbook(io.BytesIO(exchange.export_bytes(cat, "xlsx")))
    assert wb.sheetnames == [exchange.XLSX_SHEET, exchange.XLSX_NOTES_SHEET]
    headers = [c.value for c in wb[exchange.XLSX_SHEET][1]]
    assert "名称（name）" in headers and "规划原文（plan_text）" in headers
    assert wb[exchange.XLSX_SHEET].max_row == len(cat) + 1
    assert any("EPSG:4548" in str(c.value) for row in wb[exchange.XLSX_NOTES_SHEET].iter_rows() for c in row)


def test_csv_opens_in_excel_with_bom(cat):
    assert exchange.export_bytes(cat, "csv").startswith(b"\xef\xbb\xbf")


def test_failed_write_leaves_the_old_file(cat, tmp_path, monkeypatch):
    out = tmp_path / "sites.csv"
    out.write_text("old content", encoding="utf-8")

    def boom(*a, **k):
        raise OSError("disk full (simulated)")

    monkeypatch.setattr(fileio.os, "replace", boom)
    with pytest.raises(OSError):
        exchange.export_file(cat, out)
    assert out.read_text(encoding="utf-8") == "old content"
    assert [p.name for p in tmp_path.iterdir()] == ["sites.csv"]  # no temp file left behind


def test_bad_format_and_folder(cat, tmp_path):
    with pytest.raises(InputError):
        exchange.format_for("a.docx")
    with pytest.raises(InputError):
        exchange.export_bytes(cat, "docx")
    with pytest.raises(InputError):
        exchange.export_file(cat, tmp_path / "missing" / "a.csv")
    with pytest.raises(InputError):
        exchange.export_bytes(cat.to_crs(4548), "csv")


def test_export_of_workspace_edits(tmp_path):
    from renewal.storage import open_store

    store = open_store(tmp_path)
    p, g, v = store.site("RS-004")
    store.save_site("RS-004", {**p, "name": "金贸（改）"}, g, expected_version=v)
    store.add_site({"name": "新地块", "status": "planned"}, Point(117.2277, 39.11))
    back = exchange.read_export(exchange.export_bytes(store.sites(), "gpkg"), "gpkg")
    assert "金贸（改）" in set(back["name"]) and "新地块" in set(back["name"])
    assert "version" not in back.columns


@pytest.fixture
def risky(cat):
    out = cat.head(4).copy()
    out["name"] = ["=1+1", "+SUM(A1:A9)", "@cmd", "'=quoted"]
    out["plan_note"] = ["-2+3", "普通备注", "", "'plain"]
    return out


def test_xlsx_text_starting_like_a_formula_is_not_a_formula(risky):
    data = exchange.export_bytes(risky, "xlsx")
    import io

    wb = load_workbook(io.BytesIO(data))
    cells = [c for row in wb[exchange.XLSX_SHEET].iter_rows() for c in row]
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    by_value = {c.value: c for c in cells}
    assert by_value["=1+1"].data_type == "s" and by_value["-2+3"].data_type == "s"
    assert_same_sites(exchange.read_export(data, "xlsx"), risky)


def test_csv_text_starting_like_a_formula_is_quoted_and_reads_back(risky):
    data = exchange.export_bytes(risky, "csv")
    text = data.decode("utf-8-sig")
    assert "'=1+1" in text and "'+SUM(A1:A9)" in text and "'@cmd" in text and "'-2+3" in text
    assert "''=quoted" in text and ",'plain," in text  # a leading quote before ordinary text is left alone
    assert not any(line.split(",")[1].startswith(("=", "+", "@")) for line in text.splitlines()[1:])
    assert_same_sites(exchange.read_export(data, "csv"), risky)

"""Import of sites from files: summary, refusal of bad files, write only with consent; the CLI."""

import json
import sqlite3

import geopandas as gpd
import pytest
from shapely.geometry import Point, box

from cli.main import main
from renewal import storage
from renewal.crs import wgs84_to_gcj02
from renewal.errors import InputError
from renewal.sites import exchange, query
from renewal.sites.importing import check_ids, read_sites_file
from renewal.storage import open_store, store_path
from renewal.storage.gpkg import GpkgStore as Store

INSIDE = (117.2277, 39.1100)


def fc(features):
    return {"type": "FeatureCollection", "features": features}


def feat(name="导入地块", geom=None, **props):
    g = geom if geom is not None else {"type": "Point", "coordinates": list(INSIDE)}
    return {"type": "Feature", "properties": {"name": name, **props}, "geometry": g}


def write_json(path, doc):
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    return path


@pytest.fixture
def good(tmp_path):
    return write_json(
        tmp_path / "good.geojson",
        fc(
            [
                feat("甲地块", status="planned"),
                feat(
                    "乙地块",
                    {
                        "type": "Polygon",
                        "coordinates": [
                            list(map(list, box(117.229, 39.111, 117.231, 39.1125).exterior.coords))
                        ],
                    },
                    status="已建成",
                ),
            ]
        ),
    )


def no_store(ws):
    return not store_path(ws).exists()


# ---- reading and checking ------------------------------------------------------


def test_good_file_summary(tmp_path):
    path = write_json(tmp_path / "a.geojson", fc([feat("甲", status="planned"), feat("乙", status="在建")]))
    r = read_sites_file(path)
    assert r.ok and r.count == 2 and len(r.records) == 2
    assert r.geom_types == {"Point": 2}
    assert r.bounds == pytest.approx((*INSIDE, *INSIDE))
    assert "name" in r.fields and "status" in r.fields
    assert "EPSG:4326" in r.crs or "WGS84" in r.crs
    assert r.records[1][0]["status"] == "under_construction"
    text = r.summary_en()
    assert "Features:  2" in text and "Problems:  none" in text


@pytest.mark.parametrize(
    "content, needle",
    [
        (b"", "empty"),
        (b'{"type": "FeatureCollection", "features": [{"type": "Feature", "prop', "not valid JSON"),
        (b"this is not json", "not valid JSON"),
        (b'{"type": "Topology"}', "not a GeoJSON"),
        (json.dumps(fc([])).encode(), "no features"),
    ],
)
def test_bad_geojson_files_are_refused(tmp_path, content, needle):
    path = tmp_path / "bad.geojson"
    path.write_bytes(content)
    r = read_sites_file(path)
    assert not r.ok
    assert any(needle in en for en, _ in r.problems), r.problems
    assert all(zh for _, zh in r.problems)


def test_null_geometries_are_refused(tmp_path):
    path = write_json(
        tmp_path / "n.geojson",
        fc([feat("甲"), {"type": "Feature", "properties": {"name": "乙"}, "geometry": None}]),
    )
    r = read_sites_file(path)
    assert not r.ok
    assert any("no geometry" in en for en, _ in r.problems)


def test_out_of_district_file_is_refused(tmp_path):
    path = write_json(
        tmp_path / "bj.geojson", fc([feat("北京", {"type": "Point", "coordinates": [116.4, 39.9]})])
    )
    r = read_sites_file(path)
    assert not r.ok
    assert any("outside Hedong" in en for en, _ in r.problems)


def test_missing_name_field_and_empty_name(tmp_path):
    p1 = write_json(
        tmp_path / "a.geojson",
        fc(
            [
                {
                    "type": "Feature",
                    "properties": {"title": "x"},
                    "geometry": {"type": "Point", "coordinates": list(INSIDE)},
                }
            ]
        ),
    )
    assert any("'name'" in en for en, _ in read_sites_file(p1).problems)
    p2 = write_json(tmp_path / "b.geojson", fc([feat("  ")]))
    assert any("name is empty" in en for en, _ in read_sites_file(p2).problems)


def test_non_numeric_plan_figure_is_a_problem_not_a_crash(tmp_path):
    path = write_json(
        tmp_path / "n.geojson",
        fc(
            [
                feat("甲", length_plan_m="约300"),
                feat("乙", depth_plan_m="N/A"),
                feat("丙", length_plan_m="300"),
            ]
        ),
    )
    r = read_sites_file(path)
    assert not r.ok and len(r.problems) == 2
    assert any("规划长度（米）不是数字：约300" in zh for _, zh in r.problems)
    assert any("规划水深（米）不是数字：N/A" in zh for _, zh in r.problems)
    assert any("not a number" in en and "约300" in en for en, _ in r.problems)
    assert [p["length_plan_m"] for p, _ in r.records] == [300.0]
    assert "规划长度（米）不是数字：约300" in r.error().message_zh


def test_cli_import_of_non_numeric_figure_exits_2(tmp_path, capsys):
    path = write_json(tmp_path / "n.geojson", fc([feat("甲", length_plan_m="300米")]))
    assert main(["--workspace", str(tmp_path / "ws"), "import", str(path), "--layer", "sites", "--yes"]) == 2
    assert "not a number" in capsys.readouterr().out
    assert no_store(tmp_path / "ws")


def test_gcj02_numbers_are_converted(tmp_path):
    glon, glat = wgs84_to_gcj02(*INSIDE)
    path = write_json(
        tmp_path / "amap.geojson",
        fc([feat("高德点", {"type": "Point", "coordinates": [float(glon), float(glat)]})]),
    )
    r = read_sites_file(path, coords="gcj02")
    assert r.ok
    pt = r.records[0][1]
    assert pt.x == pytest.approx(INSIDE[0], abs=1e-7) and pt.y == pytest.approx(INSIDE[1], abs=1e-7)


def test_geopackage_and_truncated_geopackage(tmp_path):
    cat = query.bundled_sites()
    sub = cat[cat["renewal_area"] == "富民路片区"].assign(site_id="")
    path = tmp_path / "s.gpkg"
    path.write_bytes(exchange.export_bytes(sub, "gpkg"))
    r = read_sites_file(path)
    assert r.ok and r.count == len(sub) and r.layer == "renewal_sites"
    assert {p["name"] for p, _ in r.records} == set(sub["name"])
    cut = tmp_path / "cut.gpkg"
    cut.write_bytes(path.read_bytes()[:3000])
    r2 = read_sites_file(cut)
    assert not r2.ok and r2.problems


def test_projected_file_is_converted(tmp_path):
    gdf = gpd.GeoDataFrame({"name": ["米制点"], "status": ["planned"]}, geometry=[Point(INSIDE)], crs=4326)
    path = tmp_path / "m.gpkg"
    gdf.to_crs(4548).to_file(path, driver="GPKG")
    r = read_sites_file(path)
    assert r.ok
    assert r.records[0][1].x == pytest.approx(INSIDE[0], abs=1e-6)


def test_unsupported_and_missing_file(tmp_path):
    with pytest.raises(InputError):
        read_sites_file(tmp_path / "none.geojson")
    (tmp_path / "a.txt").write_text("x")
    with pytest.raises(InputError):
        read_sites_file(tmp_path / "a.txt")


# ---- CLI ------------------------------------------------------------------------


def test_cli_import_dry_run_writes_nothing(good, tmp_path, capsys):
    ws = tmp_path / "ws"
    rc = main(["--workspace", str(ws), "import", str(good), "--layer", "sites"])
    out = capsys.readouterr().out
    assert rc == 0
    assert "Features:  2" in out and "nothing written" in out
    assert no_store(ws)


def test_cli_import_with_yes_writes_and_history(good, tmp_path, capsys):
    ws = tmp_path / "ws"
    rc = main(["--workspace", str(ws), "import", str(good), "--layer", "sites", "--yes"])
    out = capsys.readouterr().out
    assert rc == 0 and "Imported 2 site(s)" in out
    s = Store(store_path(ws))
    names = set(s.sites()["name"])
    assert {"甲地块", "乙地块"} <= names
    assert [h.action for h in s.history()][:2] == ["import", "import"]


def test_cli_import_prompt_yes_and_no(good, tmp_path, monkeypatch, capsys):
    ws = tmp_path / "ws"
    monkeypatch.setattr("sys.stdin.isatty", lambda: True, raising=False)
    monkeypatch.setattr("builtins.input", lambda prompt="": "n")
    assert main(["--workspace", str(ws), "import", str(good), "--layer", "sites"]) == 0
    assert no_store(ws)
    monkeypatch.setattr("builtins.input", lambda prompt="": "y")
    assert main(["--workspace", str(ws), "import", str(good), "--layer", "sites"]) == 0
    assert "乙地块" in set(Store(store_path(ws)).sites()["name"])


def test_cli_import_bad_file_never_writes_even_with_yes(tmp_path, capsys):
    ws = tmp_path / "ws"
    open_store(ws)  # an existing store must stay untouched
    con = sqlite3.connect(store_path(ws))
    before = con.execute("SELECT COUNT(*) FROM sites").fetchone()[0]
    con.close()
    bad = write_json(
        tmp_path / "bad.geojson",
        fc([feat("甲"), feat("北京", {"type": "Point", "coordinates": [116.4, 39.9]})]),
    )
    rc = main(["--workspace", str(ws), "import", str(bad), "--layer", "sites", "--yes"])
    captured = capsys.readouterr()
    assert rc == 2
    assert "outside Hedong" in captured.out and "nothing was imported" in captured.err
    con = sqlite3.connect(store_path(ws))
    assert con.execute("SELECT COUNT(*) FROM sites").fetchone()[0] == before
    con.close()


def test_cli_sites_list_show_export(tmp_path, capsys):
    ws = tmp_path / "ws"
    assert main(["--workspace", str(ws), "sites", "list", "--area", "富民路片区"]) == 0
    out = capsys.readouterr().out
    assert "郑庄子南北地块" in out and "3 site(s)" in out
    assert main(["--workspace", str(ws), "sites", "show", "RS-035"]) == 0
    out = capsys.readouterr().out
    assert "护仓河" in out and "计算长度" in out
    assert main(["--workspace", str(ws), "sites", "show", "RS-999"]) == 2
    assert "Unknown site" in capsys.readouterr().err
    out_file = tmp_path / "sites.xlsx"
    assert (
        main(["--workspace", str(ws), "sites", "export", "--out", str(out_file), "--type", "老旧厂房"]) == 0
    )
    back = exchange.read_export(out_file, "xlsx")
    assert set(back["site_type"]) == {"老旧厂房"} and len(back) == 5
    assert no_store(ws)  # reading and exporting never create a store


def test_cli_sites_reads_workspace_edits(tmp_path, capsys):
    ws = tmp_path / "ws"
    s = open_store(ws)
    p, g, v = s.site("RS-021")
    s.save_site("RS-021", {**p, "name": "管乐器厂（已核实）"}, g, expected_version=v)
    assert main(["--workspace", str(ws), "sites", "list", "--query", "管乐器"]) == 0
    assert "管乐器厂（已核实）" in capsys.readouterr().out


def test_upload_bytes_and_chinese_summary(good):
    from renewal.sites.importing import read_sites_bytes

    r = read_sites_bytes(good.read_bytes(), "上传.geojson")
    assert r.ok and r.file == "上传.geojson" and len(r.records) == 2
    zh = r.summary_zh()
    assert "要素数：2" in zh and "问题：无" in zh
    bad = read_sites_bytes(b'{"type": "FeatureCollection", "features": [', "坏.geojson")
    assert not bad.ok
    assert "不是有效的JSON" in bad.summary_zh()
    assert "未导入任何数据" in bad.error().message_zh


def test_cli_sites_history_and_undo(tmp_path, capsys):
    ws = tmp_path / "ws"
    assert main(["--workspace", str(ws), "sites", "history"]) == 2  # no store yet
    assert "No workspace store" in capsys.readouterr().err
    s = open_store(ws, session="web-1")
    p, g, v = s.site("RS-022")
    s.save_site("RS-022", {**p, "name": "第五印刷厂（改）"}, g, expected_version=v)
    assert main(["--workspace", str(ws), "sites", "history", "RS-022"]) == 0
    out = capsys.readouterr().out
    assert "update\tRS-022\t第五印刷厂（改）" in out and "1 change(s)" in out
    assert main(["--workspace", str(ws), "sites", "undo", "--session", "someone-else"]) == 0
    assert "nothing to undo" in capsys.readouterr().out
    assert main(["--workspace", str(ws), "sites", "undo"]) == 0
    assert "undid #1: update of RS-022" in capsys.readouterr().out
    assert s.site("RS-022")[0]["name"] == "第五印刷厂"


def test_cli_import_of_existing_ids_is_refused(tmp_path, capsys):
    ws = tmp_path / "ws"
    open_store(ws)
    cat = query.bundled_sites()
    path = tmp_path / "again.geojson"
    path.write_bytes(exchange.export_bytes(cat[cat["renewal_area"] == "富民路片区"], "geojson"))
    rc = main(["--workspace", str(ws), "import", str(path), "--layer", "sites", "--yes"])
    out = capsys.readouterr().out
    assert rc == 2 and "already exist in the workspace" in out
    assert len(Store(store_path(ws)).sites()) == 36


def test_cli_import_colliding_with_bundled_ids_into_fresh_workspace_creates_nothing(tmp_path, capsys):
    ws = tmp_path / "ws"
    cat = query.bundled_sites()
    path = tmp_path / "again.geojson"
    path.write_bytes(exchange.export_bytes(cat[cat["site_id"] == "RS-022"], "geojson"))
    rc = main(["--workspace", str(ws), "import", str(path), "--layer", "sites", "--yes"])
    out = capsys.readouterr().out
    assert rc == 2
    assert "already exist in the workspace (RS-022)" in out and "Problems:  none" not in out
    assert no_store(ws)
    assert not list(ws.glob("*")) if ws.exists() else True


def test_ids_repeated_within_the_file_are_refused(tmp_path, capsys):
    path = write_json(
        tmp_path / "dup.geojson",
        fc([feat("甲", site_id="X-1"), feat("乙", site_id="X-1"), feat("丙", site_id="X-2"), feat("丁")]),
    )
    r = check_ids(read_sites_file(path), storage.current_sites()["site_id"])
    assert not r.ok and len(r.problems) == 1
    en, zh = r.problems[0]
    assert "repeated in the file (X-1)" in en and "already exist" not in en
    assert "在文件中重复出现（X-1）" in zh and "工作区" not in zh
    ws = tmp_path / "ws"
    assert main(["--workspace", str(ws), "import", str(path), "--layer", "sites", "--yes"]) == 2
    assert "repeated in the file (X-1)" in capsys.readouterr().out
    assert no_store(ws)


def test_long_problem_lists_say_how_many_more_in_both_languages():
    from renewal.sites.importing import MAX_LISTED_PROBLEMS, ImportResult

    r = ImportResult(file="x.geojson")
    for i in range(MAX_LISTED_PROBLEMS + 3):
        r.problem(f"problem {i}", f"问题{i}")
    assert "and 3 more" in r.summary_en()
    assert "另有3处" in r.summary_zh()


def test_chinese_column_names_are_read_as_site_fields(tmp_path):
    """A planner's file with 名称/类型/状态/备注 columns (no English names) imports, values intact."""
    path = tmp_path / "中文字段.geojson"
    feature = feat("东局子小学改扩建")
    feature["properties"] = {"名称": "东局子小学改扩建", "类型": "市政设施", "状态": "规划", "备注": "待核实"}
    write_json(path, fc([feature]))
    r = read_sites_file(path)
    assert r.ok, r.problems
    props = r.records[0][0]
    assert (props["name"], props["site_type"], props["status"], props["plan_note"]) == (
        "东局子小学改扩建",
        "市政设施",
        "planned",
        "待核实",
    )
    assert any(zh.startswith("已识别的字段：名称") for _, zh in r.notes)


def test_an_english_field_wins_over_its_chinese_label(tmp_path):
    path = tmp_path / "both.geojson"
    feature = feat("英文名")
    feature["properties"]["名称"] = "中文名"
    write_json(path, fc([feature]))
    r = read_sites_file(path)
    assert r.ok and r.records[0][0]["name"] == "英文名"


def test_our_own_xlsx_export_imports_back(tmp_path):
    """The XLSX the sites page downloads (headers 名称（name）…) is itself importable (as new sites)."""
    cat = query.bundled_sites().head(3).copy()
    data = exchange.export_bytes(cat, "xlsx")
    path = tmp_path / "更新项目.xlsx"
    path.write_bytes(data)
    import pandas as pd

    sheet = pd.read_excel(path, sheet_name=exchange.XLSX_SHEET)
    sheet = sheet.drop(columns=[c for c in sheet.columns if c.endswith("（site_id）")])
    plain = tmp_path / "plain.xlsx"
    sheet.to_excel(plain, index=False)
    r = read_sites_file(plain)
    assert r.ok, r.problems
    assert [p["name"] for p, _ in r.records] == list(cat["name"])

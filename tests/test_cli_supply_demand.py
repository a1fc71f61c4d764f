"""Command line: supply-demand (places within reach per child, gaps per zone), XLSX and GeoPackage opened."""

from __future__ import annotations

import numpy as np
import openpyxl
import pandas as pd
import pyogrio
import pytest

from cli.main import main
from tests.coverage_fixtures import X0, Y0, box_gdf, grid_lines_gdf, points_gdf


@pytest.fixture()
def files(tmp_path):
    roads = tmp_path / "roads.geojson"
    grid_lines_gdf(11, crs=4326).to_file(roads)  # 100 m lattice, 1 km square
    fac = points_gdf([[X0, Y0], [X0 + 1000, Y0 + 1000], [X0 + 500, Y0 + 500]], crs=4326)
    fac_csv = tmp_path / "schools.csv"
    table = pd.DataFrame(
        {
            "名称": ["甲小学", "乙小学", "丙幼儿园"],
            "类别": ["小学", "小学", "幼儿园"],
            "经度": fac.geometry.x,
            "纬度": fac.geometry.y,
            "学位": [100, None, 999],
        }
    )
    table.to_csv(fac_csv, index=False, encoding="utf-8-sig")
    no_cap = tmp_path / "no_capacity.csv"
    table.drop(columns="学位").to_csv(no_cap, index=False, encoding="utf-8-sig")
    pop = tmp_path / "children.geojson"
    points_gdf(
        [[X0 + 300, Y0], [X0, Y0 + 200], [X0 + 1000, Y0 + 800]], crs=4326, **{"6-11岁": [60.0, 90.0, 40.0]}
    ).to_file(pop)
    zones = tmp_path / "streets.geojson"
    pd.concat(
        [
            box_gdf(X0 - 50, Y0 - 50, X0 + 550, Y0 + 1050, crs=4326, name=["甲街道"]),
            box_gdf(X0 + 550, Y0 - 50, X0 + 1050, Y0 + 1050, crs=4326, name=["乙街道"]),
        ]
    ).to_file(zones)
    return {"roads": roads, "fac": fac_csv, "no_cap": no_cap, "pop": pop, "zones": zones, "dir": tmp_path}


def _sheet(book, name):
    """A sheet with its English code row as the header (and the Chinese header kept aside)."""
    df = book[name]
    zh = list(df.columns)
    codes = df.iloc[0].tolist()
    body = df.iloc[1:].reset_index(drop=True)
    body.columns = codes
    return body, dict(zip(codes, zh, strict=True))


def _run(files, *extra):
    return main(
        [
            "supply-demand",
            "--category",
            "小学",
            "--facilities",
            str(files["fac"]),
            "--population",
            str(files["pop"]),
            "--zones",
            str(files["zones"]),
            "--roads",
            str(files["roads"]),
            *extra,
        ]
    )


def test_2sfca_network_xlsx_and_gpkg(files, capsys):
    out, gpkg = files["dir"] / "sd.xlsx", files["dir"] / "sd.gpkg"
    assert _run(files, "--method", "2sfca", "--out", str(out), "--gpkg", str(gpkg)) == 0
    printed = capsys.readouterr().out
    assert "1 of 2 facilities have no places" in printed
    book = pd.read_excel(out, sheet_name=None)
    assert list(book) == ["设施", "需求点", "分区", "说明"]
    fac, zh = _sheet(book, "设施")
    assert zh["ratio"] == "供需比（R）" and zh["capacity"] == "容量"
    assert fac["name"].tolist() == ["甲小学", "乙小学"]  # the 幼儿园 is not counted for 小学
    # 甲小学: 100 places for 60 + 90 children within 500 m of walk; 乙小学 has no 学位
    assert float(fac["ratio"][0]) == pytest.approx(100 / 150)
    assert pd.isna(fac["ratio"][1]) and pd.isna(fac["capacity"][1])
    cells, _ = _sheet(book, "需求点")
    assert cells["access"].astype(float).tolist() == pytest.approx([2 / 3, 2 / 3, 0])
    assert cells["n_unknown_in_reach"].astype(int).tolist() == [0, 0, 1]
    assert cells["zone"].tolist() == ["甲街道", "甲街道", "乙街道"]
    zones, zh = _sheet(book, "分区")
    assert zh["gap"] == "缺口"
    assert zones["zone"].tolist() == ["甲街道", "乙街道"]
    assert zones["gap"].astype(float).tolist() == pytest.approx([150 / 3, 40])
    assert zones["share_in_reach"].astype(float).tolist() == [1, 1]
    assert zones["n_no_capacity"].astype(int).tolist() == [0, 1]
    about, _ = _sheet(book, "说明")
    text = dict(zip(about["item"], about["value"], strict=True))
    assert "500米（步行路网距离）" == text["distance"]
    assert "6-11岁" in text["demand"] and "两步移动搜索法" in text["method"]
    assert "缺少学位" in text["note_1"]
    layers = {name for name, _ in pyogrio.list_layers(gpkg)}
    assert layers == {"facilities", "cells", "zones"}
    z = pyogrio.read_dataframe(gpkg, layer="zones")
    assert z["gap"].tolist() == pytest.approx([50, 40]) and z.crs.to_epsg() == 4326


def test_ledger_of_the_run(files, capsys):
    out, ledger = files["dir"] / "sd.xlsx", files["dir"] / "台账.xlsx"
    assert _run(files, "--method", "assign", "--out", str(out), "--ledger", str(ledger)) == 0
    assert "ledger to" in capsys.readouterr().out
    book = pd.read_excel(ledger, sheet_name=None)
    assert list(book) == ["小学学位", "小学学位·分区", "说明"]
    ind = book["小学学位"].set_index("指标")
    # 100 places (乙小学 has none) for 60 + 90 + 40 children; 50 + 40 left without a place within 500 m
    assert ind.at["小学学位总数", "数值"] == 100 and ind.at["小学学位缺口数", "数值"] == 90
    assert ind.at["小学学位缺口数", "单位"] == "个" and "按容量分配" in ind.at["小学学位缺口数", "定义"]
    # no resident total from an age column, and no target in the bundled standards
    assert ind.at["千人学位数", "目标值"] == "内置标准未给出"
    assert ind["计算时间（北京时间）"].str.match(r"^\d{4}年\d{1,2}月\d{1,2}日 \d\d:\d\d$").all()
    zones = book["小学学位·分区"].set_index("分区")
    assert zones["缺口"].tolist() == [50, 40]


def test_assignment_leaves_children_without_a_place(files):
    out = files["dir"] / "assign.xlsx"
    assert _run(files, "--method", "assign", "--out", str(out)) == 0
    book = pd.read_excel(out, sheet_name=None)
    cells, zh = _sheet(book, "需求点")
    assert zh["unplaced"] == "标准距离内无位人数"
    # the nearest children first: 90 at 200 m, then 10 of the 60 at 300 m
    assert cells["assigned"].astype(float).tolist() == [10, 90, 0]
    assert cells["unplaced"].astype(float).tolist() == [50, 0, 40]
    zones, _ = _sheet(book, "分区")
    assert zones["gap"].astype(float).tolist() == [50, 40]


def test_balance_radius(files):
    out = files["dir"] / "balance.xlsx"
    rc = main(
        [
            "supply-demand",
            "--category",
            "primary_school",
            "--method",
            "balance",
            "--facilities",
            str(files["fac"]),
            "--population",
            str(files["pop"]),
            "--out",
            str(out),
        ]
    )
    assert rc == 0
    book = pd.read_excel(out, sheet_name=None)
    assert "分区" not in book  # no --zones
    fac, _ = _sheet(book, "设施")
    assert fac["demand_in_reach"].astype(float).tolist() == [150, 40]
    assert float(fac["surplus"][0]) == -50


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"--population": None}, "No population"),
        ({"--facilities": "no_cap"}, "No capacity column or no capacity value"),
        ({"--category": "社区卫生服务中心"}, "not one with places or beds"),
        ({"--out": "x.csv"}, "must end in .xlsx"),
        ({"--ledger": "ledger.csv"}, "--ledger must end in .xlsx"),
    ],
)
def test_missing_inputs_exit_2_and_write_nothing(files, capsys, change, message):
    args = {
        "--category": "小学",
        "--facilities": str(files["fac"]),
        "--population": str(files["pop"]),
        "--out": str(files["dir"] / "never.xlsx"),
    }
    for k, v in change.items():
        args[k] = files.get(v, v) if v else None
    for flag in ("--out", "--ledger"):
        if change.get(flag):
            args[flag] = str(files["dir"] / change[flag])
    argv = ["supply-demand"] + [x for k, v in args.items() if v for x in (k, str(v))]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err
    assert not any(p.suffix in (".xlsx", ".gpkg") for p in files["dir"].iterdir())


def test_workspace_inventory_keeps_capacity_for_supply_demand(files, capsys, tmp_path):
    ws = tmp_path / "ws"
    assert main(["--workspace", str(ws), "import", str(files["fac"]), "--layer", "facilities", "--yes"]) == 0
    assert "Capacity:   2 with places (学位), 0 with beds (床位)" in capsys.readouterr().out
    out = files["dir"] / "ws.xlsx"
    argv = ["--workspace", str(ws), "supply-demand", "--category", "小学", "--population", str(files["pop"])]
    assert main([*argv, "--roads", str(files["roads"]), "--out", str(out)]) == 0
    fac, _ = _sheet(pd.read_excel(out, sheet_name=None), "设施")
    assert fac["capacity"].astype(float).tolist()[0] == 100 and pd.isna(fac["capacity"][1])
    assert float(fac["ratio"][0]) == pytest.approx(100 / 150)


def test_empty_workspace_exits_2(files, capsys, tmp_path):
    argv = ["--workspace", str(tmp_path / "empty"), "supply-demand", "--category", "小学"]
    assert main([*argv, "--population", str(files["pop"]), "--out", str(files["dir"] / "x.xlsx")]) == 2
    assert "No facilities in the workspace" in capsys.readouterr().err


def test_population_geotiff_elderly_beds_by_census_share(tmp_path):
    import rasterio
    from rasterio.transform import from_origin

    tif = tmp_path / "pop.tif"
    with rasterio.open(
        tif, "w", driver="GTiff", width=2, height=2, count=1, dtype="float32", crs="EPSG:4548",
        transform=from_origin(X0 - 50, Y0 + 50, 50, 50),
    ) as dst:  # fmt: skip
        dst.write(np.full((1, 2, 2), 1000, dtype="float32"))
    fac = points_gdf([[X0, Y0]], crs=4326)
    inv = tmp_path / "homes.csv"
    pd.DataFrame(
        {
            "名称": ['=HYPERLINK("http://x")'],
            "类别": ["养老院"],
            "经度": fac.geometry.x,
            "纬度": fac.geometry.y,
            "床位": [100],
        }
    ).to_csv(inv, index=False, encoding="utf-8-sig")
    out = tmp_path / "beds.xlsx"
    argv = ["supply-demand", "--category", "养老院", "--facilities", str(inv), "--population", str(tif)]
    assert main([*argv, "--out", str(out)]) == 0
    book = pd.read_excel(out, sheet_name=None)
    fac_t, zh = _sheet(book, "设施")
    # 4 pixels x 1,000 people x the 2020 census share of 60+ in Hedong (28.85 %), all within reach
    assert float(fac_t["weighted_demand"][0]) == pytest.approx(4000 * 0.2885)
    assert float(fac_t["ratio"][0]) == pytest.approx(100 / 1154)
    about, _ = _sheet(book, "说明")
    text = dict(zip(about["item"], about["value"], strict=True))
    assert "第七次人口普查河东区60岁及以上占比" in text["demand"] and "床位" == text["capacity"]
    # a name from the data is text in the workbook, never a formula
    ws = openpyxl.load_workbook(out)["设施"]
    cell = ws.cell(row=3, column=2)
    assert cell.value == '=HYPERLINK("http://x")' and cell.data_type == "s"


def _in_workspace(files, ws, *extra) -> list[str]:
    """supply-demand of 小学 on the fixture's files, the store in ``ws`` (never a team database)."""
    argv = ["--workspace", str(ws), "--database", "", "supply-demand", "--category", "小学", *extra]
    return argv + [
        "--facilities",
        str(files["fac"]),
        "--population",
        str(files["pop"]),
        "--zones",
        str(files["zones"]),
    ]


def test_save_scenario_in_the_store_and_taken_name_refused(files, capsys, tmp_path):
    from renewal.storage.access import local_actor
    from renewal.storage.scenarios import open_scenarios

    ws = tmp_path / "ws"
    out = files["dir"] / "s.xlsx"
    argv = _in_workspace(files, ws)
    assert main([*argv, "--out", str(out), "--save-scenario", "现状"]) == 0
    assert "saved scenario '现状'" in capsys.readouterr().out
    [saved] = open_scenarios(ws, database="", actor=local_actor()).list("小学学位")
    assert saved["name"] == "现状" and saved["version"] == 1 and saved["who"] == local_actor().label
    # 甲街道: 60 + 90 children, 甲小学's 100 places: 50 short; 乙街道: 40 children, 乙小学 has no 学位
    assert dict(saved["zones"]) == {"甲街道": pytest.approx(50.0), "乙街道": pytest.approx(40.0)}
    out.unlink()
    assert main([*argv, "--out", str(out), "--save-scenario", "现状"]) == 2  # taken: nothing written
    assert "exists already" in capsys.readouterr().err and not out.exists()
    assert main([*argv, "--out", str(out), "--save-scenario", " "]) == 2
    assert "1 to 40" in capsys.readouterr().err and not out.exists()


def test_siting_with_capacity_sheet_placeholders_and_scenario(files, capsys, tmp_path):
    from renewal.storage.access import local_actor
    from renewal.storage.scenarios import open_scenarios

    # 乙 (100 m from 甲小学, 50 children unplaced nearby) and a placeholder beside 乙小学's 40 children
    sites = points_gdf(
        [[X0 + 100, Y0 + 100], [X0 + 1000, Y0 + 900]],
        crs=4326,
        site_id=["S-2", "S-1"],
        name=["乙地块", "待定地块"],
        precision=["point", "placeholder"],
    )
    sites_file = tmp_path / "sites.geojson"
    sites.to_file(sites_file)
    ws, out = tmp_path / "ws", files["dir"] / "siting.xlsx"
    argv = _in_workspace(files, ws, "--method", "assign")
    argv += ["--sites", str(sites_file), "--site-k", "2", "--new-capacity", "45", "--out", str(out)]
    assert main(argv) == 0
    printed = capsys.readouterr().out
    assert "1 of K=2" in printed and "the other candidates place nobody more" in printed
    steps, zh = _sheet(pd.read_excel(out, sheet_name=None), "按容量选址")
    assert steps["site_id"].tolist() == ["S-2"] and float(steps["gain"][0]) == pytest.approx(45)
    assert zh["gain"] == "本步新增获得学位/床位人数"
    out.unlink()
    assert main([*argv, "--include-placeholders", "--save-scenario", "两所新校"]) == 0
    assert "1 candidate sites are placeholders" in capsys.readouterr().out
    steps, _ = _sheet(pd.read_excel(out, sheet_name=None), "按容量选址")
    assert steps["site_id"].tolist() == ["S-2", "S-1"]
    assert steps["gain"].astype(float).tolist() == pytest.approx([45, 40])
    assert float(steps["unplaced"].iat[-1]) == pytest.approx(5)  # 150 - 100 - 45 near 甲小学
    [saved] = open_scenarios(ws, database="", actor=local_actor()).list("小学学位")
    assert [c["site_id"] for c in saved["changes"]] == ["S-2", "S-1"]
    assert saved["parameters"]["new_capacity"] == 45 and saved["parameters"]["include_placeholders"]
    # the scenario's figures are the run with the two new schools: 5 short in 甲街道, none in 乙街道
    assert dict(saved["zones"]) == {"甲街道": pytest.approx(5), "乙街道": pytest.approx(0)}


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--site-k", "2"], "capacity must be a positive number"),
        (["--site-k", "0", "--new-capacity", "5"], "1 to 50"),
        (["--target-share", "2", "--new-capacity", "5"], "at most 1"),
        (["--new-capacity", "5"], "go with --site-k or --target-share"),
    ],
)
def test_bad_siting_options_exit_2_and_write_nothing(files, capsys, extra, message):
    assert _run(files, "--out", str(files["dir"] / "never.xlsx"), *extra) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err
    assert not (files["dir"] / "never.xlsx").exists()


def test_residential_land_coverage_in_the_ledger(files, capsys, tmp_path):
    import geopandas as gpd
    import shapely

    # two 100 m squares of 居住用地 (1 ha each): one 200-300 m east of 甲小学, one 2 km away; and a B1 square
    boxes = [shapely.box(X0 + 200, Y0, X0 + 300, Y0 + 100), shapely.box(X0 + 2000, Y0, X0 + 2100, Y0 + 100)]
    boxes.append(shapely.box(X0 + 100, Y0 + 100, X0 + 200, Y0 + 200))
    land = gpd.GeoDataFrame({"DLBM": ["0701", "R2", "B1"]}, geometry=boxes, crs=4548).to_crs(4326)
    land_file = tmp_path / "用地现状.geojson"
    land.to_file(land_file)
    ledger = files["dir"] / "ledger.xlsx"
    argv = ["--out", str(files["dir"] / "o.xlsx"), "--ledger", str(ledger), "--landuse", str(land_file)]
    assert _run(files, *argv, "--landuse-field", "DLBM") == 0
    assert "residential-land coverage: 50.0% (1.0 of 2.0 ha" in capsys.readouterr().out
    rows = pd.read_excel(ledger, sheet_name="小学学位").set_index("指标")
    row = rows.loc["小学服务半径覆盖率（居住用地）"]
    assert row["数值"] == pytest.approx(50.0) and "居住用地总面积" in row["定义"] and "DLBM" in row["定义"]
    ledger.unlink()
    assert _run(files, *argv) == 2  # no field: nothing written
    assert "--landuse needs --landuse-field" in capsys.readouterr().err and not ledger.exists()
    assert _run(files, *argv, "--landuse-field", "名称") == 2
    assert "no field '名称'" in capsys.readouterr().err and not ledger.exists()

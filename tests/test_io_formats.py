"""Every format in and out: round trips equal (geometry within tolerance, attributes equal), in every export CRS;
Shapefile encodings (.cpg, GBK), GeoPackage layer choice, tables with Chinese columns, KML escaping, plausibility."""

import io
import json
import zipfile

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import LineString, Point, Polygon

import geodata
from cli.main import main
from renewal import crs as crsmod
from renewal.errors import InputError
from renewal.io import plausibility
from renewal.io.export import layer_bytes, shapefile_field_names, write_layer
from renewal.io.read import read_vector

IN = (117.2277, 39.11)
HOSTILE = "<script>alert(1)</script> **粗体** [链接](http://x) '; DROP TABLE sites;-- \x07end"


def sample() -> gpd.GeoDataFrame:
    x, y = IN
    return gpd.GeoDataFrame(
        {
            "name": ["学校甲", HOSTILE, "公园"],
            "very_long_field_名称": ["一", "二", "三"],
            "count": [1, 2, 3],
        },
        geometry=[
            Point(x, y),
            LineString([(x, y), (x + 0.01, y + 0.005)]),
            Polygon([(x, y), (x + 0.01, y), (x + 0.01, y + 0.01), (x, y + 0.01)]),
        ],
        crs=4326,
    )


def _same(a: gpd.GeoDataFrame, b: gpd.GeoDataFrame, tol=1e-7, fields=("name",)):
    assert len(a) == len(b)
    a = a.sort_values("name").reset_index(drop=True)
    b = b.sort_values("name").reset_index(drop=True)
    for f in fields:
        assert list(a[f]) == list(b[f])
    for g1, g2 in zip(a.geometry, b.geometry, strict=True):
        assert g1.geom_type.replace("Multi", "") == g2.geom_type.replace("Multi", "")
        assert g1.equals_exact(g2, tol) or g1.hausdorff_distance(g2) < tol


@pytest.mark.parametrize("fmt", ["gpkg", "zip", "geojson", "kml"])
@pytest.mark.parametrize("target", ["wgs84", "cgcs2000", "EPSG:4548", "gcj02"])
def test_vector_round_trip(fmt, target, tmp_path):
    if fmt == "kml" and target == "EPSG:4548":
        with pytest.raises(InputError):
            layer_bytes(sample(), fmt, crs=target)
        return
    path = tmp_path / f"out.{fmt}"
    control = HOSTILE.replace("\x07", "")  # XML cannot hold control characters; the rest survives verbatim
    data = sample()
    if fmt == "kml":
        data = data.assign(name=data["name"].str.replace("\x07", ""))
    write_layer(data, path, crs=target)
    read = read_vector(path, crs="gcj02" if target == "gcj02" else None)
    back = read.gdf
    if fmt == "kml":
        assert control in set(back["name"])
    _same(data, back, tol=1e-6, fields=("name", "very_long_field_名称") if fmt != "kml" else ("name",))


def test_geopackage_has_one_layer_per_geometry_type(tmp_path):
    import pyogrio

    path = tmp_path / "r.gpkg"
    write_layer(sample(), path)
    layers = {str(n): str(t) for n, t in pyogrio.list_layers(path)}
    assert layers == {"r_points": "Point", "r_lines": "LineString", "r_polygons": "Polygon"}
    assert read_vector(path).layer == "r" and len(read_vector(path).gdf) == 3


def test_shapefile_zip_prj_cpg_field_map(tmp_path):
    path = tmp_path / "s.zip"
    write_layer(sample(), path, crs="EPSG:4548")
    with zipfile.ZipFile(path) as zf:
        names = set(zf.namelist())
        assert {"s_points.prj", "s_points.cpg", "s_polygons.shp", "fields.csv"} <= names
        assert zf.read("s_points.cpg").decode().strip().upper() in ("UTF-8", "UTF8")
        assert "CM_117E" in zf.read("s_points.prj").decode()
        table = pd.read_csv(io.BytesIO(zf.read("fields.csv")), encoding="utf-8-sig")
    mapping = dict(zip(table["full_name"], table["shapefile_field"], strict=True))
    assert all(len(v.encode("utf-8")) <= 10 for v in mapping.values())
    assert mapping["name"] == "name"
    # a planner's bureau Shapefile in CGCS2000 GK reads back to the same WGS84 place
    back = read_vector(path, layer="s_polygons").gdf
    assert back.geometry.iloc[0].hausdorff_distance(sample().geometry.iloc[2]) < 1e-7


def test_shapefile_field_names_unique_within_10_bytes():
    m = shapefile_field_names(["名称名称名称", "名称名称名称2", "abcdefghijk", "abcdefghijz"])
    assert len(set(v.lower() for v in m.values())) == 4
    assert all(len(v.encode("utf-8")) <= 10 for v in m.values())


def _gbk_shapefile_zip(tmp_path, with_cpg: bool) -> bytes:
    gdf = gpd.GeoDataFrame({"名称": ["河东区小学"]}, geometry=[Point(IN)], crs=4326)
    d = tmp_path / ("gbk_cpg" if with_cpg else "gbk")
    d.mkdir()
    gdf.to_file(d / "a.shp", encoding="GBK")
    if with_cpg:
        (d / "a.cpg").write_text("GBK")
    else:
        for p in d.glob("a.cpg"):
            p.unlink()
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for p in d.iterdir():
            zf.write(p, p.name)
    return buf.getvalue()


@pytest.mark.parametrize("with_cpg", [True, False])
def test_gbk_shapefile(tmp_path, with_cpg):
    read = read_vector(_gbk_shapefile_zip(tmp_path, with_cpg), filename="gbk.zip")
    assert list(read.gdf["名称"]) == ["河东区小学"]


def test_shapefile_without_prj_needs_crs_and_suggests(tmp_path):
    path = tmp_path / "m.zip"
    write_layer(sample(), path, crs="EPSG:4548")
    raw = zipfile.ZipFile(path)
    stripped = io.BytesIO()
    with zipfile.ZipFile(stripped, "w") as zf:
        for n in raw.namelist():
            if n.startswith("m_points") and not n.endswith(".prj"):
                zf.writestr(n, raw.read(n))
    with pytest.raises(InputError) as exc:
        read_vector(stripped.getvalue(), filename="m.zip")
    assert "EPSG:4548" in exc.value.message_en and "4548" in exc.value.message_zh
    ok = read_vector(stripped.getvalue(), filename="m.zip", crs="EPSG:4548").gdf
    assert ok.geometry.iloc[0].distance(Point(IN)) < 1e-7


def test_geopackage_with_several_layers_is_never_read_silently(tmp_path):
    path = tmp_path / "two.gpkg"
    sample().iloc[:1].to_file(path, layer="schools")
    sample().iloc[2:].to_file(path, layer="parks")
    with pytest.raises(InputError) as exc:
        read_vector(path)
    assert "schools" in exc.value.message_en and "parks" in exc.value.message_zh
    assert read_vector(path, layer="parks").gdf["name"].tolist() == ["公园"]
    assert read_vector(path, prefer_layers=("parks",)).layer == "parks"


@pytest.mark.parametrize(
    "header",
    [("名称", "经度", "纬度"), ("name", "lng", "lat"), ("name", "X", "Y"), ("名称", "longitude", "latitude")],
)
def test_table_columns_and_gbk(tmp_path, header):
    text = f"{header[0]},{header[1]},{header[2]},备注\n学校,{IN[0]},{IN[1]},河东\n"
    path = tmp_path / "t.csv"
    path.write_bytes(text.encode("gbk"))
    read = read_vector(path)
    assert read.gdf.geometry.iloc[0].equals(Point(IN)) and read.gdf["备注"].iloc[0] == "河东"
    assert any("GBK" in zh for _, zh in read.notes)


def test_xlsx_with_amap_coordinates(tmp_path):
    glon, glat = (float(v) for v in crsmod.wgs84_to_gcj02(*IN))
    path = tmp_path / "schools.xlsx"
    pd.DataFrame({"学校名称": ["甲小学"], "经度": [glon], "纬度": [glat]}).to_excel(path, index=False)
    pt = read_vector(path, crs="gcj02").gdf.geometry.iloc[0]
    assert pt.x == pytest.approx(IN[0], abs=1e-8) and pt.y == pytest.approx(IN[1], abs=1e-8)


def test_csv_xlsx_export_in_other_crs_with_chinese_labels(tmp_path):
    data = sample().assign(status=["planned", "existing", "planned"])
    raw = layer_bytes(
        data,
        "xlsx",
        crs="EPSG:4548",
        headers={"name": "名称", "status": "状态"},
        values={"status": geodata.STATUS_LABELS},
    )
    table = pd.read_excel(io.BytesIO(raw))
    assert "名称（name）" in table.columns and "状态说明" in table.columns
    assert set(table["状态说明"]) == {"规划", "已建成"}
    assert {"x", "y"} <= set(table.columns) and table["x"].iloc[0] == pytest.approx(
        float(crsmod.convert_xy(*IN, "wgs84", "EPSG:4548")[0]), abs=0.01
    )
    formula = '=HYPERLINK("http://x","点我")'
    csv = layer_bytes(data.assign(count=[formula, "+1", "@SUM(A1)"]), "csv", crs="gcj02").decode("utf-8-sig")
    first = pd.read_csv(io.StringIO(csv))
    # text a spreadsheet would run as a formula is guarded with a leading quote, never a live cell
    assert list(first["count"]) == ["'" + formula, "'+1", "'@SUM(A1)"]
    assert first["lon"].iloc[0] == pytest.approx(float(crsmod.wgs84_to_gcj02(*IN)[0]), abs=1e-6)


def test_kml_escapes_and_has_no_markup_from_data():
    raw = layer_bytes(sample(), "kml")
    text = raw.decode()
    assert "<script>" not in text and "&lt;script&gt;" in text and "\x07" not in text
    back = read_vector(raw, filename="x.kml").gdf
    assert HOSTILE.replace("\x07", "\ufffd") in set(back["name"])  # control character kept visible, XML valid


def test_geojson_projected_has_crs_member():
    doc = json.loads(layer_bytes(sample(), "geojson", crs="EPSG:4548"))
    assert doc["crs"]["properties"]["name"].endswith("4548")


def test_plausibility_gcj02_metro_stations_and_metres():
    metro = geodata.load("metro_stations")
    shifted = [crsmod.convert_geometry(g, "wgs84", "gcj02") for g in metro.geometry]
    v = plausibility.check(shifted, "wgs84")
    assert v.ok and v.suggestions and v.suggestions[0].name == "gcj02"
    assert 450 < v.declared.match_m < 650 and v.suggestions[0].match_m < 1
    assert plausibility.check(list(metro.geometry), "wgs84").suggestions == ()
    metres = [crsmod.convert_geometry(g, "wgs84", "EPSG:4548") for g in metro.geometry]
    places = plausibility.candidates(metres)
    assert places[0].name == "EPSG:4548" and places[0].match_m < 1
    swapped = [Point(g.y, g.x) for g in metro.geometry]
    assert plausibility.candidates(swapped)[0].name == plausibility.SWAPPED


def test_cli_import_gcj02_lookalike_needs_a_stated_crs(tmp_path, capsys):
    metro = geodata.load("metro_stations")
    gcj = metro.copy()
    gcj["geometry"] = [crsmod.convert_geometry(g, "wgs84", "gcj02") for g in metro.geometry]
    path = tmp_path / "stations.geojson"
    path.write_text(gcj[["name", "geometry"]].to_json(), encoding="utf-8")
    ws = tmp_path / "ws"
    assert (
        main(["--workspace", str(ws), "import", str(path), "--layer", "reference", "--name", "st", "--yes"])
        == 2
    )
    assert "GCJ-02" in capsys.readouterr().err and not ws.exists()
    args = ["--workspace", str(ws), "import", str(path), "--layer", "reference", "--name", "st", "--yes"]
    assert main([*args, "--crs", "gcj02"]) == 0
    out = tmp_path / "st.csv"
    assert main(["--workspace", str(ws), "layers", "export", "st", "--out", str(out)]) == 0
    back = pd.read_csv(out, encoding="utf-8-sig")
    assert back["lon"].iloc[0] == pytest.approx(metro.geometry.iloc[0].x, abs=1e-7)


def test_convert_table_keeps_every_column(tmp_path):
    src = tmp_path / "a.csv"
    src.write_text("序号,名称,lng,lat,备注\n1,甲,117.2277,39.11,=SUM(A1)\n2,乙,,,无坐标\n", encoding="utf-8")
    out = tmp_path / "b.xlsx"
    assert main(["convert", "--from", "wgs84", "--to", "gcj02", str(src), str(out)]) == 0
    t = pd.read_excel(out)
    assert list(t.columns) == ["序号", "名称", "lng", "lat", "备注"]
    assert t["lng"].iloc[0] == pytest.approx(float(crsmod.wgs84_to_gcj02(117.2277, 39.11)[0]), abs=1e-8)
    assert pd.isna(t["lng"].iloc[1]) and t["备注"].tolist() == ["=SUM(A1)", "无坐标"]
    back = tmp_path / "c.csv"
    assert main(["convert", "--from", "gcj02", "--to", "wgs84", str(out), str(back)]) == 0
    assert pd.read_csv(back, encoding="utf-8-sig")["lng"].iloc[0] == pytest.approx(117.2277, abs=1e-8)


def test_convert_refuses_bad_names_and_overwrite(tmp_path, capsys):
    src = tmp_path / "a.csv"
    src.write_text("name,lon,lat\n甲,117.2,39.1\n", encoding="utf-8")
    assert main(["convert", "--from", "mars", "--to", "wgs84", str(src), str(tmp_path / "b.csv")]) == 2
    assert main(["convert", "--from", "wgs84", "--to", "gcj02", str(src), str(src)]) == 2
    assert main(["convert", "--to", "gcj02", str(src), str(tmp_path / "b.csv")]) == 2  # a table needs --from
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.csv"]


def test_sites_export_shapefile_in_cgcs2000_gk(tmp_path):
    from renewal.sites import exchange, query

    out = tmp_path / "sites.zip"
    assert main(["sites", "export", "--out", str(out), "--crs", "EPSG:4548"]) == 0
    with zipfile.ZipFile(out) as zf:
        prjs = [n for n in zf.namelist() if n.endswith(".prj")]
        assert prjs and all("CM_117E" in zf.read(n).decode() for n in prjs)
        assert any(n.endswith("_fulltext.csv") for n in zf.namelist())  # long plan texts kept whole
    back = exchange.read_export(out, "zip")
    cat = exchange.prepare(query.bundled_sites())
    assert list(back["plan_text"]) == list(cat["plan_text"])
    assert all(a.hausdorff_distance(b) < 1e-7 for a, b in zip(back.geometry, cat.geometry, strict=True))
    assert main(["sites", "export", "--out", str(tmp_path / "s.kml"), "--crs", "EPSG:4548"]) == 2


def test_convert_table_to_shapefile_moves_the_coordinate_columns_too(tmp_path):
    src = tmp_path / "a.xlsx"
    glon, glat = (float(v) for v in crsmod.wgs84_to_gcj02(*IN))
    pd.DataFrame({"名称": ["甲"], "经度": [glon], "纬度": [glat]}).to_excel(src, index=False)
    out = tmp_path / "a.zip"
    assert main(["convert", "--from", "gcj02", "--to", "EPSG:4548", str(src), str(out)]) == 0
    back = read_vector(out).gdf
    x, y = (float(v) for v in crsmod.convert_xy(*IN, "wgs84", "EPSG:4548"))
    assert back["经度"].iloc[0] == pytest.approx(x, abs=0.01) and back["纬度"].iloc[0] == pytest.approx(
        y, abs=0.01
    )
    assert back.geometry.iloc[0].distance(Point(IN)) < 1e-8


def test_geodataframe_without_crs_is_refused():
    with pytest.raises(InputError):
        read_vector(gpd.GeoDataFrame(geometry=[Point(IN)]), what="facilities")


def test_xlsx_sheet_choice_and_title_row(tmp_path):
    path = tmp_path / "book.xlsx"
    with pd.ExcelWriter(path) as xw:
        pd.DataFrame({"说明": ["本表为河东区学校"]}).to_excel(xw, sheet_name="说明", index=False)
        # a title row above the header, as planners' spreadsheets often have
        pd.DataFrame(
            [["河东区学校名单", None, None], ["名称", "经度", "纬度"], ["甲小学", IN[0], IN[1]]]
        ).to_excel(xw, sheet_name="学校", index=False, header=False)
    read = read_vector(path)
    assert read.gdf["名称"].tolist() == ["甲小学"] and read.gdf.geometry.iloc[0].equals(Point(IN))
    with pd.ExcelWriter(path) as xw:
        for sheet in ("一", "二"):
            pd.DataFrame({"名称": ["甲"], "lon": [IN[0]], "lat": [IN[1]]}).to_excel(
                xw, sheet_name=sheet, index=False
            )
    with pytest.raises(InputError) as exc:
        read_vector(path)
    assert "一" in exc.value.message_zh and "二" in exc.value.message_zh
    assert len(read_vector(path, layer="二").gdf) == 1


def test_bureau_shapefile_of_sites_in_gauss_kruger_without_prj(tmp_path, capsys):
    """The issue's 'done when': a bureau Shapefile of renewal sites in CGCS2000 GK (no .prj) imports in place."""
    gdf = gpd.GeoDataFrame(
        {"名称": ["测试地块"], "name": ["测试地块"], "status": ["planned"]},
        geometry=[Polygon([(IN[0], IN[1]), (IN[0] + 0.004, IN[1]), (IN[0] + 0.004, IN[1] + 0.003)])],
        crs=4326,
    )
    d = tmp_path / "shp"
    d.mkdir()
    gdf.to_crs(4548).to_file(d / "sites.shp", encoding="UTF-8")
    (d / "sites.prj").unlink()
    path = tmp_path / "bureau.zip"
    with zipfile.ZipFile(path, "w") as zf:
        for p in d.iterdir():
            zf.write(p, p.name)
    ws = tmp_path / "ws"
    assert main(["--workspace", str(ws), "import", str(path), "--layer", "sites", "--yes"]) == 2
    assert "EPSG:4548" in capsys.readouterr().err  # suggested
    assert (
        main(["--workspace", str(ws), "import", str(path), "--layer", "sites", "--crs", "EPSG:4548", "--yes"])
        == 0
    )
    from renewal.storage import current_sites

    got = current_sites(ws)
    got = got[got["name"] == "测试地块"]
    assert len(got) == 1 and got.geometry.iloc[0].hausdorff_distance(gdf.geometry.iloc[0]) < 1e-7

"""A corpus of hostile input (issue 11), generated into a folder: every file a planner or an attacker
could hand the platform that once crashed it or silently changed data.

:data:`SITE_FILES` are files of sites (for ``import`` and the page's uploader); each must be
refused with a message and change nothing. :func:`cli_cases` adds command lines for the other
commands (coverage, export, export-map, a workspace that cannot be created).
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import geopandas as gpd
from shapely.geometry import Point

#: A point inside Hedong District (WGS84).
INSIDE = (117.2277, 39.1100)
#: The Markdown that must never become a link or an image.
LINK_NAME = "[钓鱼链接](http://evil.example/login)"
IMAGE_NAME = "![t](http://127.0.0.1:8629/t.png)"


def feature_collection(*props, coords=INSIDE) -> bytes:
    features = [
        {"type": "Feature", "properties": p, "geometry": {"type": "Point", "coordinates": list(coords)}}
        for p in props
    ]
    return json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False).encode("utf-8")


def _two_layer_gpkg() -> bytes:
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "x.gpkg"
        for layer in ("roads", "buildings"):
            gpd.GeoDataFrame({"name": ["一号楼"]}, geometry=[Point(*INSIDE)], crs=4326).to_file(
                path, layer=layer
            )
        return path.read_bytes()


#: name -> (file name, content). Every one must be refused; what the message must mention, in Chinese.
SITE_FILES: dict[str, tuple[str, bytes, str]] = {
    "control_characters_in_name": (
        "ctl.geojson",
        feature_collection({"name": "ctl\u0007\u001b[31mRED"}),
        "控制字符",
    ),
    "nul_in_name": ("nul.geojson", feature_collection({"name": "地块\u0000后半"}), "控制字符"),
    "nul_in_id": (
        "nulid.geojson",
        feature_collection({"name": "地块", "site_id": "RS-9\u00009"}),
        "控制字符",
    ),
    "number_as_name": ("num.geojson", feature_collection({"name": 12345}), "须为文字"),
    "unknown_site_type": (
        "type.geojson",
        feature_collection({"name": "地块", "site_type": "{{ 7*7 }}类型"}),
        "未知项目类型“{{ 7*7 }}类型”",
    ),
    "list_as_name": ("list.geojson", feature_collection({"name": ["甲", "乙"]}), "须为文字"),
    "object_as_name": ("obj.geojson", feature_collection({"name": {"zh": "甲"}}), "须为文字"),
    "html_id": ("htmlid.geojson", feature_collection({"name": "地块", "site_id": "<b>RS</b>"}), "编号须为"),
    "huge_id": ("longid.geojson", feature_collection({"name": "地块", "site_id": "9" * 5000}), "编号须为"),
    "escape_in_id": (
        "escid.geojson",
        feature_collection({"name": "地块", "site_id": "RS\u001b[2J"}),
        "控制字符",
    ),
    "deeply_nested_json": ("deep.geojson", b"[" * 200_000 + b"]" * 200_000, "嵌套"),
    "not_json": ("bad.geojson", b'{"type": "FeatureCollection", "features": [', "不是有效的JSON"),
    "empty_file": ("empty.geojson", b"", "为空"),
    "gpkg_without_sites_layer": ("layers.gpkg", _two_layer_gpkg(), "没有名为"),
    "garbage_gpkg": ("garbage.gpkg", b"SQLite format 3\x00" + b"\xff" * 500, "无法读取"),
    "outside_district": (
        "far.geojson",
        feature_collection({"name": "远处"}, coords=(116.40, 39.90)),
        "区界外",
    ),
    "link_in_file_name_and_name": (
        "[钓鱼链接](evil.example).geojson",
        feature_collection({"name": LINK_NAME + "\u0007"}),
        "控制字符",
    ),
    "image_in_file_name": (
        "![t](t.png).geojson",
        feature_collection({"name": IMAGE_NAME, "status": "??"}),
        "未知状态",
    ),
}


def write_site_files(folder: Path) -> dict[str, Path]:
    """Write :data:`SITE_FILES` into ``folder``; name -> path."""
    out = {}
    for key, (name, content, _) in SITE_FILES.items():
        sub = folder / key
        sub.mkdir(parents=True, exist_ok=True)
        (sub / name).write_bytes(content)
        out[key] = sub / name
    return out


def huge_raster(path: Path) -> Path:
    """A tiled, compressed GeoTIFF of 40,000 x 40,000 pixels over Hedong (a few KB; 12 GB if read whole)."""
    import rasterio
    from rasterio.transform import from_origin

    with rasterio.open(
        path,
        "w",
        driver="GTiff",
        width=40_000,
        height=40_000,
        count=1,
        dtype="float64",
        crs="EPSG:4548",
        transform=from_origin(510_000, 4_345_000, 0.5, 0.5),
        tiled=True,
        blockxsize=512,
        blockysize=512,
        compress="deflate",
        sparse_ok=True,
    ):
        pass
    return path


def cli_cases(folder: Path, workspace: Path) -> dict[str, list[str]]:
    """Command lines that must end with exit code 2 and change nothing (besides the site files)."""
    folder.mkdir(parents=True, exist_ok=True)
    fac = folder / "fac.geojson"
    fac.write_bytes(feature_collection({"category": "小学", "id": "P1"}))
    gbk = folder / "fac_gbk.csv"
    gbk.write_bytes("名称,category,lon,lat\n学校,小学,117.2277,39.11\n".encode("gbk"))
    xlsx = folder / "fac.xlsx"
    xlsx.write_bytes(b"PK\x03\x04 this is not a workbook" * 10)
    far_pop = folder / "far_pop.geojson"
    far_pop.write_text(
        json.dumps(
            {
                "type": "FeatureCollection",
                "features": [
                    {
                        "type": "Feature",
                        "properties": {"population": 1000},
                        "geometry": {
                            "type": "Polygon",
                            "coordinates": [[[116.3, 39.8], [116.4, 39.8], [116.4, 39.9], [116.3, 39.8]]],
                        },
                    }
                ],
            }
        )
    )
    raster = huge_raster(folder / "huge.tif")
    not_a_folder = folder / "plain.txt"
    not_a_folder.write_text("x")
    one_site = folder / "one_site.geojson"
    one_site.write_bytes(feature_collection({"name": "新地块"}))
    ws = ["--workspace", str(workspace)]
    out = str(folder / "out.gpkg")
    cases = {
        "coverage_garbage_xlsx": [*ws, "coverage", "--facilities", str(xlsx), "--out", out],
        "coverage_folder_as_file": [*ws, "coverage", "--facilities", str(folder), "--out", out],
        "coverage_out_folder_missing": [
            *ws,
            "coverage",
            "--facilities",
            str(fac),
            "--out",
            str(folder / "no" / "o.gpkg"),
        ],
        "coverage_population_outside": [
            *ws,
            "coverage",
            "--facilities",
            str(fac),
            "--population",
            str(far_pop),
            "--out",
            out,
        ],
        "coverage_distance_1e308": [
            *ws,
            "coverage",
            "--facilities",
            str(fac),
            "--distance",
            "小学=1e308",
            "--out",
            out,
        ],
        "coverage_huge_raster": [
            *ws,
            "coverage",
            "--facilities",
            str(fac),
            "--population",
            str(raster),
            "--out",
            out,
        ],
        "sites_export_out_folder_missing": [*ws, "sites", "export", "--out", str(folder / "no" / "x.xlsx")],
        "import_folder_as_file": [*ws, "import", str(folder), "--layer", "sites", "--yes"],
        "workspace_cannot_be_created": [
            "--workspace",
            str(not_a_folder / "ws"),
            "import",
            str(one_site),
            "--layer",
            "sites",
            "--yes",
        ],
    }
    return cases


def put_bad_text(store_file: Path, site_id: str, name: str) -> None:
    """Put ``name`` into a stored site behind the validation (data written by an older version)."""
    con = sqlite3.connect(store_file)
    with con:
        con.execute("UPDATE sites SET name = ? WHERE site_id = ?", (name, site_id))
    con.close()


# --------------------------------------------------------------------------------------------------
# Text that must never become code (issue 23): template markers, markup, script links, Markdown.
# --------------------------------------------------------------------------------------------------

#: Set by a payload's script if it ever runs in a browser.
PWNED = "window.__pwned"
#: name -> text. Each is plain text wherever it is shown; what it would turn into if evaluated is in
#: :data:`EVALUATED` (a Jinja2 expression, statement or comment; ``{{ 1/0 }}`` raises when compiled).
TEXT_PAYLOADS: dict[str, str] = {
    "jinja_expression": "模板{{7*7}}乙",
    "jinja_statement": "语句{% if 1 %}真{% endif %}乙",
    "jinja_comment": "注释{# 藏 #}乙",
    "jinja_raises": "出错{{ 1/0 }}乙",
    "st_folium_reference": "引用{{'map_div'}}乙",
    "script_close": f"</script><script>{PWNED}=1</script>",
    "img_onerror": f"<img src=x onerror={PWNED}=1>",
    "javascript_link": f"javascript:{PWNED}=1",
    "markdown_link": f"[点我](javascript:{PWNED}=1)",
    "markdown_image": "![图](http://127.0.0.1:9/x.png)",
}
#: What a payload would show if it had been compiled as a template (none may ever appear).
EVALUATED = ("模板49乙", "语句真乙", "注释乙", "引用map_div乙")


#: The environment variable naming the folder :data:`COMMAND_PAYLOAD` creates.
PWNED_ENV = "RENEWAL_TEST_PWNED"
#: A Jinja2 payload that runs code on the server if it is ever compiled: it creates the folder named by
#: ``$RENEWAL_TEST_PWNED`` (no quotes, so no JSON escaping on the way can stop it).
COMMAND_PAYLOAD = f"{{{{ lipsum.__globals__.os.mkdir(lipsum.__globals__.os.environ.{PWNED_ENV}) }}}}"


def file_name_safe(text: str) -> str:
    """``text`` usable as a file name (no ``/``, not too long)."""
    return text.replace("/", "／")[:80]

"""Resource bombs (issue 23, item 8): small files that would take the server's memory or minutes are
refused quickly, with a clear message, by the work and memory they would take."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import numpy as np
import pytest

#: The child's address-space limit: an import that builds the whole thing hits it (bad_alloc /
#: MemoryError) instead of taking the shared machine's memory.
CHILD_MEMORY = 3 * 2**30


def run_limited(code: str, timeout: float = 120) -> subprocess.CompletedProcess:
    """Run ``code`` in a child Python limited to CHILD_MEMORY of address space."""
    prelude = textwrap.dedent(
        f"""
        import resource
        resource.setrlimit(resource.RLIMIT_AS, ({CHILD_MEMORY}, {CHILD_MEMORY}))
        """
    )
    return subprocess.run(
        [sys.executable, "-c", prelude + textwrap.dedent(code)],
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def constant_raster(path, n: int, dtype: str = "float32") -> None:
    """A tiled, deflated GeoTIFF of n x n pixels over Hedong, every pixel 1 (a few hundred KB)."""
    import rasterio
    from rasterio.transform import from_origin
    from rasterio.windows import Window

    with rasterio.open(
        path, "w", driver="GTiff", width=n, height=n, count=1, dtype=dtype, crs="EPSG:4548",
        transform=from_origin(510_000, 4_345_000, 2, 2), tiled=True, blockxsize=512, blockysize=512,
        compress="deflate",
    ) as dst:  # fmt: skip
        for top in range(0, n, 512):
            h = min(512, n - top)
            dst.write(np.ones((h, n), dtype), 1, window=Window(0, top, n, h))


def test_a_small_raster_of_49_million_populated_pixels_is_refused_within_bounded_memory(tmp_path):
    """A few hundred KB GeoTIFF of 7000 x 7000 populated float32 pixels (under the old 50 M pixel limit)
    died with bad_alloc; now it is refused with a clear message while memory stays bounded."""
    path = tmp_path / "人口.tif"
    constant_raster(path, 7000)
    assert path.stat().st_size < 1_000_000
    done = run_limited(
        f"""
        import resource
        from renewal.errors import InputError
        from renewal.io.read import read_vector
        try:
            read_vector({str(path)!r}, what="population")
        except InputError as exc:
            print("REFUSED", exc.message_en)
            print("ZH", exc.message_zh)
        # this process's own peak: VmHWM is the high-water mark of its memory since exec; ru_maxrss also
        # counts the parent's (pytest's) peak, which Linux folds in at exec
        with open("/proc/self/status") as status:
            hwm = next(int(ln.split()[1]) for ln in status if ln.startswith("VmHWM:"))
        print("PEAK_MB", hwm // 1024)
        """
    )
    assert "REFUSED" in done.stdout, done.stderr[-2000:]
    assert "populated pixels" in done.stdout and "重采样" in done.stdout
    peak = int(done.stdout.split("PEAK_MB")[1])
    assert peak < 1024, peak  # imports (~250 MB) + one strip, not the raster


def test_a_raster_whose_band_would_not_fit_the_read_limit_is_refused_from_the_header(tmp_path):
    from renewal.errors import InputError
    from renewal.io.raster import MAX_READ_BYTES, read_population_raster

    path = tmp_path / "big.tif"
    constant_raster(path, 5200, "float64")  # 216 MB of float64: over the limit, only 27 M pixels
    assert 5200 * 5200 * 8 > MAX_READ_BYTES
    with pytest.raises(InputError) as err:
        read_population_raster(path)
    assert "MiB" in err.value.message_en and "内存" in err.value.message_zh


def test_a_normal_population_raster_is_read_in_strips_exactly(tmp_path, monkeypatch):
    import rasterio
    from rasterio.transform import from_origin

    from renewal.io import raster

    values = np.zeros((50, 40), "float32")
    values[3, 5], values[17, 39], values[49, 0] = 12.5, 3.0, 7.0
    path = tmp_path / "pop.tif"
    with rasterio.open(
        path, "w", driver="GTiff", width=40, height=50, count=1, dtype="float32", crs="EPSG:4548",
        transform=from_origin(520_000, 4_330_000, 100, 100),
    ) as dst:  # fmt: skip
        dst.write(values, 1)
    monkeypatch.setattr(raster, "STRIP_PIXELS", 7 * 40)  # strips of 7 rows
    got = raster.read_population_raster(path)
    assert sorted(got["population"]) == [3.0, 7.0, 12.5]
    xy = {(round(p.x), round(p.y)): v for p, v in zip(got.geometry, got["population"], strict=True)}
    assert xy == {(520_550, 4_329_650): 12.5, (523_950, 4_328_250): 3.0, (520_050, 4_325_050): 7.0}


def raw_xlsx(path, rows: int, declared: int | None = None) -> None:
    """A workbook of ``rows`` data rows (lon, lat, name), written as raw sheet XML (openpyxl would take minutes
    for a million rows); ``declared`` is the row count its ``<dimension>`` claims (default: the truth)."""
    import zipfile

    declared = rows + 1 if declared is None else declared
    parts = {
        "[Content_Types].xml": '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>',
        "_rels/.rels": '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>',
        "xl/workbook.xml": '<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>',
        "xl/_rels/workbook.xml.rels": '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>',
    }  # fmt: skip
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as z:
        for name, text in parts.items():
            z.writestr(name, text)
        with z.open("xl/worksheets/sheet1.xml", "w") as f:
            f.write(
                b'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/'
                b'spreadsheetml/2006/main"><dimension ref="A1:C%d"/><sheetData>' % declared
            )
            f.write(b'<row r="1"><c r="A1" t="inlineStr"><is><t>lon</t></is></c><c r="B1" t="inlineStr"><is>'
                    b'<t>lat</t></is></c><c r="C1" t="inlineStr"><is><t>name</t></is></c></row>')  # fmt: skip
            row = b'<row r="%d"><c r="A%d"><v>117.22</v></c><c r="B%d"><v>39.11</v></c><c r="C%d"><v>%d</v></c></row>'
            for start in range(2, rows + 2, 50_000):
                f.write(b"".join(row % (i, i, i, i, i) for i in range(start, min(start + 50_000, rows + 2))))
            f.write(b"</sheetData></worksheet>")


def test_a_million_row_workbook_is_refused_in_seconds_from_its_declared_dimension(tmp_path):
    """A 1,048,576-row XLSX was accepted after 2 min 44 s and 1.24 GB; now refused from its <dimension>."""
    path = tmp_path / "设施.xlsx"
    raw_xlsx(path, 1_048_575)
    done = run_limited(
        f"""
        import time
        from renewal.errors import InputError
        from renewal.io.read import read_vector
        t = time.perf_counter()
        try:
            read_vector({str(path)!r}, what="facilities")
        except InputError as exc:
            print("REFUSED", exc.message_en, exc.message_zh)
        print("SECONDS", time.perf_counter() - t)
        """,
        timeout=60,
    )
    assert "REFUSED" in done.stdout and "1,048,576 rows" in done.stdout, done.stderr[-2000:]
    assert "超过上限200,000行" in done.stdout
    assert float(done.stdout.split("SECONDS")[1]) < 10


def test_a_workbook_that_under_declares_its_rows_and_a_long_csv_are_stopped_while_reading(
    tmp_path, monkeypatch
):
    from renewal.errors import InputError
    from renewal.io import read
    from renewal.io.read import read_vector

    MAX_ROWS = 5000  # the same logic at a smaller limit, so the test reads 5,000 rows, not 200,000
    monkeypatch.setattr(read, "MAX_ROWS", MAX_ROWS)

    lying = tmp_path / "lying.xlsx"
    raw_xlsx(lying, MAX_ROWS + 10, declared=3)
    with pytest.raises(InputError) as err:
        read_vector(lying)
    assert f"more than {MAX_ROWS:,} rows" in err.value.message_en
    long_csv = tmp_path / "long.csv"
    long_csv.write_text("lon,lat,name\n" + "117.22,39.11,点\n" * (MAX_ROWS + 10), encoding="utf-8")
    with pytest.raises(InputError) as err:
        read_vector(long_csv)
    assert "行" in err.value.message_zh and "rows" in err.value.message_en
    ok = tmp_path / "ok.xlsx"
    raw_xlsx(ok, 1000)
    assert len(read_vector(ok).gdf) == 1000


def test_too_many_features_or_vertices_are_refused(tmp_path, monkeypatch):
    import json

    import geopandas as gpd
    from shapely.geometry import Point

    from renewal.errors import InputError
    from renewal.io import read

    feats = [
        {
            "type": "Feature",
            "properties": {"n": i},
            "geometry": {"type": "Point", "coordinates": [117.22, 39.11]},
        }
        for i in range(read.MAX_ROWS + 1)
    ]  # the real limit: a GeoJSON's features are counted before geopandas reads them
    many = tmp_path / "many.geojson"
    many.write_text(json.dumps({"type": "FeatureCollection", "features": feats}), encoding="utf-8")
    with pytest.raises(InputError) as err:
        read.read_vector(many)
    assert "200,001 features" in err.value.message_en and "要素" in err.value.message_zh
    monkeypatch.setattr(read, "MAX_ROWS", 1000)  # a GeoPackage of 1,001 features at a limit of 1,000
    gpkg = tmp_path / "many.gpkg"  # counted from the GeoPackage's header, before reading
    gpd.GeoDataFrame({"n": range(1001)}, geometry=[Point(117.22, 39.11)] * 1001, crs=4326).to_file(gpkg)
    monkeypatch.setattr(gpd, "read_file", lambda *a, **k: pytest.fail("read past the header"))
    with pytest.raises(InputError):
        read.read_vector(gpkg)
    monkeypatch.undo()
    ring = [[117.22 + 0.001 * np.cos(t), 39.11 + 0.001 * np.sin(t)] for t in np.linspace(0, 6.28, 2000)]
    poly = tmp_path / "detailed.geojson"
    poly.write_text(json.dumps({"type": "Feature", "properties": {}, "geometry": {
        "type": "Polygon", "coordinates": [[*ring, ring[0]]]}}), encoding="utf-8")  # fmt: skip
    assert len(read.read_vector(poly).gdf) == 1
    monkeypatch.setattr(read, "MAX_VERTICES", 1000)
    with pytest.raises(InputError) as err:
        read.read_vector(poly)
    assert "2,001 vertices" in err.value.message_en and "简化" in err.value.message_zh


def test_an_uploaded_population_raster_is_read_in_memory_not_left_in_the_temp_folder(tmp_path):
    """The coverage page wrote each uploaded GeoTIFF to the temp folder and never removed it; the grid now
    reads the upload's bytes in memory, with the same result as from a file."""
    import geodata
    from renewal.analysis.grid import make_grid, population_to_cells
    from renewal.crs import METRIC_EPSG

    path = tmp_path / "pop.tif"
    import rasterio
    from rasterio.transform import from_origin

    with rasterio.open(
        path, "w", driver="GTiff", width=60, height=60, count=1, dtype="float32", crs="EPSG:4548",
        transform=from_origin(523_000, 4_334_000, 100, 100),
    ) as dst:  # fmt: skip
        dst.write(np.arange(3600, dtype="float32").reshape(60, 60), 1)
    grid = make_grid(geodata.load("district").to_crs(METRIC_EPSG).geometry.union_all(), 200.0)
    from_file, _ = population_to_cells(grid, str(path), cell=200.0)
    from_upload, _ = population_to_cells(grid, path.read_bytes(), cell=200.0)
    assert from_file.sum() > 0 and np.array_equal(from_file, from_upload)

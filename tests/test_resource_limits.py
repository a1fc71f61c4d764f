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
        print("PEAK_MB", resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024)
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

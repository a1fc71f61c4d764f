"""Load and faults for the site store, on the GeoPackage workspace and on PostGIS.

    python benchmarks/bench_store_load.py import [--n 100000] [--backend gpkg|postgis|both]
    python benchmarks/bench_store_load.py load [--seconds 60] [--procs 8] [--backend ...]
    python benchmarks/bench_store_load.py kill [--rounds 20] [--backend ...]

``--database URL`` names the PostGIS server (default ``$RENEWAL_TEST_DATABASE_URL`` or the
throw-away cluster of ``.ci/start-postgis.sh`` on port 55432); every run uses a schema of its
own, dropped afterwards. Everything runs on this machine only.

* ``import``: N point features written as GeoJSON, read and checked (``read_sites_file``), then
  ``add_sites`` (validation outside the lock, one insert transaction, timed on its own). Meanwhile a probe process
  saves one site every 20 ms and records how long each save took: the longest is how long the
  import locked other sessions out.
* ``load``: ``--procs`` processes save sites for ``--seconds``: half of them fight over the same
  two sites, the others each edit a site of their own; one save in ten is deliberately stale.
  Reported: saves, refused (conflicts), busy (a read or save that waited longer than the store's
  lock timeout and was refused with StoreError, nothing written), lost updates (two successful saves producing the same
  version, a stored version that is not 1 + successful saves, or a stored value that is not the
  newest successful save's: must be 0), deliberately stale saves accepted (must be 0), history
  rows vs successful saves (must be equal).
* ``kill``: each round starts a writer (alternately a save and an import of 500 sites) whose
  transaction pauses before COMMIT; it is killed with SIGKILL during the pause. After each round:
  the store still reads, the history matches the sites (every site's version is 1 + its updates,
  every imported site has its one import row, no rows of the killed transaction), a new save
  succeeds; for the GeoPackage also ``PRAGMA integrity_check``.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import multiprocessing as mp
import os
import random
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DEFAULT_URL = "postgresql://postgres@127.0.0.1:55432/renewal_test"
HOT = ("RS-005", "RS-006")  # the two sites everyone fights over


# ---- locations ------------------------------------------------------------------------------


@contextlib.contextmanager
def location(kind: str, base_url: str):
    """(workspace, url) of a fresh store of ``kind``; removed afterwards."""
    if kind == "gpkg":
        with tempfile.TemporaryDirectory(prefix="bench-store-") as d:
            yield Path(d), None
        return
    import psycopg

    schema = f"bench_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(base_url, autocommit=True) as con:
        con.execute(f"CREATE SCHEMA {schema}")
    sep = "&" if "?" in base_url else "?"
    try:
        yield None, f"{base_url}{sep}options={quote(f'-csearch_path={schema},public')}"
    finally:
        with psycopg.connect(base_url, autocommit=True) as con:
            con.execute(f"DROP SCHEMA {schema} CASCADE")


def open_at(workspace, url, session):
    from renewal.storage import open_store

    return open_store(workspace, session=session, database=url)


# ---- import ---------------------------------------------------------------------------------


def _points(n: int, path: Path) -> None:
    import geodata

    c = geodata.load("district").geometry.union_all().representative_point()
    rng = random.Random(1)
    feats = [
        {
            "type": "Feature",
            "properties": {"name": f"点{i}", "status": "planned"},
            "geometry": {
                "type": "Point",
                "coordinates": [c.x + rng.uniform(-0.003, 0.003), c.y + rng.uniform(-0.003, 0.003)],
            },
        }
        for i in range(n)
    ]
    path.write_text(json.dumps({"type": "FeatureCollection", "features": feats}), encoding="utf-8")


def _probe(workspace, url, stop, out) -> None:
    from renewal.errors import StoreError

    s = open_at(workspace, url, "probe")
    waits, failed = [], 0
    while not stop.is_set():
        t = time.perf_counter()
        try:
            p, g, v = s.site("RS-010")
        except StoreError:
            failed += 1
            continue
        try:
            s.save_site("RS-010", {**p, "plan_note": str(t)}, g, expected_version=v)
        except StoreError:
            failed += 1
        waits.append(time.perf_counter() - t)  # a read and a save: how long this session was held up
        time.sleep(0.02)
    out.put({"max": max(waits, default=0.0), "median": statistics.median(waits or [0]), "failed": failed})


def bench_import(kind: str, n: int, base_url: str) -> dict:
    from renewal.sites.importing import check_ids, read_sites_file

    with location(kind, base_url) as (ws, url), tempfile.TemporaryDirectory() as d:
        f = Path(d) / "points.geojson"
        _points(n, f)
        store = open_at(ws, url, "bench-import")
        ctx = mp.get_context("spawn")
        stop, out = ctx.Event(), ctx.Queue()
        probe = ctx.Process(target=_probe, args=(ws, url, stop, out))
        probe.start()
        time.sleep(3)  # the probe is saving before the import starts
        t0 = time.perf_counter()
        result = read_sites_file(f)
        check_ids(result, store.sites()["site_id"])
        t1 = time.perf_counter()
        held = []
        real_write = store._write

        def timed_write(fn, **kw):  # how long the import's transaction runs (holding the write lock)
            def timed(con):
                t = time.perf_counter()
                try:
                    return fn(con)
                finally:
                    held.append(time.perf_counter() - t)

            return real_write(timed, **kw)

        store._write = timed_write
        ids = store.add_sites(result.records)
        t2 = time.perf_counter()
        time.sleep(0.5)
        stop.set()
        probe_result = out.get(timeout=60)
        probe.join(30)
        assert len(ids) == n and not result.problems
        return {
            "backend": kind,
            "features": n,
            "read_check_s": round(t1 - t0, 1),
            "add_sites_s": round(t2 - t1, 1),
            "total_s": round(t2 - t0, 1),
            "insert_transaction_s": round(held[0], 1),
            "probe_longest_save_s": round(probe_result["max"], 2),
            "probe_median_save_s": round(probe_result["median"], 3),
            "probe_refused_locked": probe_result["failed"],
        }


# ---- load -----------------------------------------------------------------------------------


def _worker(i: int, workspace, url, seconds: float, out) -> None:
    from renewal.errors import ConflictError, StoreError

    s = open_at(workspace, url, f"w{i}")
    rng = random.Random(i)
    own = f"RS-{20 + i:03d}"
    ok, refused, stale_tries, stale_accepted, busy = [], 0, 0, 0, 0
    end = time.monotonic() + seconds
    n = 0
    while time.monotonic() < end:
        sid = rng.choice(HOT) if i % 2 == 0 else own
        try:
            p, g, v = s.site(sid)
        except StoreError:  # the GeoPackage's readers wait for a committing writer (at most its timeout)
            busy += 1
            continue
        stale = rng.random() < 0.1 and v > 1
        value = f"w{i}-{n}"
        n += 1
        time.sleep(rng.uniform(0, 0.005))  # think time between reading and saving: others may save meanwhile
        try:
            new_v = s.save_site(sid, {**p, "plan_note": value}, g, expected_version=v - 1 if stale else v)
            ok.append((sid, new_v, value))
            stale_accepted += stale
        except ConflictError:
            refused += 1
        except StoreError:
            busy += 1
        stale_tries += stale
    out.put(
        {
            "ok": ok,
            "refused": refused,
            "stale_tries": stale_tries,
            "stale_accepted": stale_accepted,
            "busy": busy,
        }
    )


def bench_load(kind: str, procs: int, seconds: float, base_url: str) -> dict:
    with location(kind, base_url) as (ws, url):
        store = open_at(ws, url, "check")
        ctx = mp.get_context("spawn")
        out = ctx.Queue()
        ps = [ctx.Process(target=_worker, args=(i, ws, url, seconds, out)) for i in range(procs)]
        for p in ps:
            p.start()
        results = [out.get(timeout=seconds + 300) for _ in ps]  # a worker that died raises queue.Empty here
        for p in ps:
            p.join(60)
        ok = [tuple(x) for r in results for x in r["ok"]]
        lost = len(ok) - len({(sid, v) for sid, v, _ in ok})  # two successes claiming one version
        sites = store.sites().set_index("site_id")
        for sid in {x[0] for x in ok}:
            mine = sorted((v, val) for s_, v, val in ok if s_ == sid)
            lost += int(sites.loc[sid, "version"]) != 1 + len(mine)
            lost += sites.loc[sid, "plan_note"] != mine[-1][1]
        history = store.history(limit=10**9)
        return {
            "backend": kind,
            "processes": procs,
            "seconds": seconds,
            "saves_ok": len(ok),
            "refused_conflicts": sum(r["refused"] for r in results),
            "stale_saves_tried": sum(r["stale_tries"] for r in results),
            "stale_saves_accepted": sum(r["stale_accepted"] for r in results),
            "busy_errors": sum(r["busy"] for r in results),
            "lost_updates": lost,
            "history_rows": len(history),
            "history_equals_saves": len(history) == len(ok),
        }


# ---- kill -9 --------------------------------------------------------------------------------

_WRITER = """
import sys, time
from shapely.geometry import Point
from renewal.storage import open_store
ws, url, op = sys.argv[1] or None, sys.argv[2] or None, sys.argv[3]
s = open_store(ws, session="killed", database=url)
def pause():
    print("in-transaction", flush=True)
    time.sleep(5)
s.before_commit = pause
if op == "save":
    p, g, v = s.site("RS-009")
    s.save_site("RS-009", {**p, "plan_note": "killed"}, g, expected_version=v)
else:
    s.add_sites([({"name": f"kill{i}", "status": "planned"}, Point(117.2277, 39.1100)) for i in range(500)])
print("committed", flush=True)
"""


def _consistent(store, workspace) -> list[str]:
    problems = []
    sites = store.sites().set_index("site_id")
    history = store.history(limit=10**9)
    updates: dict[str, int] = {}
    imports: dict[str, int] = {}
    for h in history:
        if h.action == "update":
            updates[h.site_id] = updates.get(h.site_id, 0) + 1
        elif h.action == "import":
            imports[h.site_id] = imports.get(h.site_id, 0) + 1
        if h.session == "killed":
            problems.append(f"history row #{h.id} of a killed transaction")
    for sid, row in sites.iterrows():
        if int(row["version"]) != 1 + updates.get(sid, 0):
            problems.append(f"{sid}: version {row['version']} but {updates.get(sid, 0)} updates")
        if row["plan_note"] == "killed" or row["name"].startswith("kill"):
            problems.append(f"{sid}: a killed transaction's data")
    if any(n != 1 for n in imports.values()) or not set(imports) <= set(sites.index):
        problems.append("import rows do not match the sites")
    if workspace is not None:
        import sqlite3

        con = sqlite3.connect(Path(workspace) / "sites.gpkg")
        check = con.execute("PRAGMA integrity_check").fetchone()[0]
        con.close()
        if check != "ok":
            problems.append(f"integrity_check: {check}")
    return problems


def bench_kill(kind: str, rounds: int, base_url: str) -> dict:
    with location(kind, base_url) as (ws, url):
        store = open_at(ws, url, "survivor")
        rng = random.Random(7)
        killed_in_tx, inconsistent, recovery = 0, 0, []
        for r in range(rounds):
            op = "save" if r % 2 == 0 else "import"
            proc = subprocess.Popen(
                [sys.executable, "-c", _WRITER, str(ws or ""), url or "", op],
                stdout=subprocess.PIPE,
                text=True,
                cwd=ROOT,
                env={**os.environ, "PYTHONPATH": str(ROOT)},
            )
            line = proc.stdout.readline().strip()
            time.sleep(rng.uniform(0, 0.3))
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait()
            killed_in_tx += line == "in-transaction"
            t = time.perf_counter()
            p, g, v = store.site("RS-011")
            store.save_site("RS-011", {**p, "plan_note": f"round {r}"}, g, expected_version=v)
            recovery.append(time.perf_counter() - t)
            problems = _consistent(store, ws)
            if problems:
                inconsistent += 1
                print(f"round {r}: {problems[:3]}", file=sys.stderr)
        return {
            "backend": kind,
            "rounds": rounds,
            "killed_mid_transaction": killed_in_tx,
            "inconsistent_after": inconsistent,
            "save_after_kill_median_s": round(statistics.median(recovery), 3),
            "save_after_kill_max_s": round(max(recovery), 3),
        }


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("mode", choices=("import", "load", "kill"))
    ap.add_argument("--backend", choices=("gpkg", "postgis", "both"), default="both")
    ap.add_argument("--database", default=os.environ.get("RENEWAL_TEST_DATABASE_URL") or DEFAULT_URL)
    ap.add_argument("--n", type=int, default=100_000, help="import: features")
    ap.add_argument("--seconds", type=float, default=60.0, help="load: duration")
    ap.add_argument("--procs", type=int, default=8, help="load: processes")
    ap.add_argument("--rounds", type=int, default=20, help="kill: rounds")
    args = ap.parse_args(argv)
    kinds = ("gpkg", "postgis") if args.backend == "both" else (args.backend,)
    print(
        f"# {args.mode} on {os.cpu_count()} cores, Python {sys.version.split()[0]}, {time.strftime('%Y-%m-%d')}"
    )
    for kind in kinds:
        if args.mode == "import":
            res = bench_import(kind, args.n, args.database)
        elif args.mode == "load":
            res = bench_load(kind, args.procs, args.seconds, args.database)
        else:
            res = bench_kill(kind, args.rounds, args.database)
        print(json.dumps(res, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Many planners at once: N headless-Chromium sessions against `streamlit run`
(not a test: it prints figures).

    python benchmarks/bench_load.py [--sessions 1 10] [--pages "" sites jinmao] [--rounds 2] [--limit 300]

Starts ``streamlit run app.py`` on a free localhost port with an empty
workspace (bundled data; its own process group, always stopped), then for each
N in ``--sessions`` opens N browser contexts at once (one Streamlit session
each) in the Debian Chromium (``/usr/bin/chromium``; never a downloaded
browser) and loads each page of ``--pages`` ``--rounds`` times. A page is
ready when the map is drawn inside the st_folium frame and the script has
finished (``data-test-script-state="notRunning"``). Reports p50/p90 page-ready
times, the server's CPU time per page load (from /proc, user + system of the
server process) and its resident memory (current and peak). Bounded: every
wait has a time limit and the whole run stops after ``--limit`` seconds.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
]
READY = '[data-testid="stApp"][data-test-script-state="notRunning"]'


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def proc_cpu_s(pid: int) -> float:
    """User + system CPU seconds of a process (and its finished children), from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    ticks = os.sysconf("SC_CLK_TCK")
    return sum(int(fields[i]) for i in (11, 12, 13, 14)) / ticks


def proc_mem_mb(pid: int) -> tuple[float, float]:
    """(current, peak) resident memory in MB."""
    rss = hwm = 0.0
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            rss = int(line.split()[1]) / 1024
        elif line.startswith("VmHWM:"):
            hwm = int(line.split()[1]) / 1024
    return rss, hwm


def start_server(tmp: Path) -> tuple[subprocess.Popen, str]:
    port = free_port()
    (tmp / "workspace").mkdir()
    env = {**os.environ, "RENEWAL_WORKSPACE": str(tmp / "workspace"), "PYTHONUNBUFFERED": "1"}
    cmd = [sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port)]
    cmd += [
        "--server.address",
        "127.0.0.1",
        "--server.headless",
        "true",
        "--browser.gatherUsageStats",
        "false",
    ]
    log = open(tmp / "streamlit.log", "wb")  # noqa: SIM115 - closed with the process
    proc = subprocess.Popen(
        cmd,
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}/"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url + "_stcore/health", timeout=2) as r:
                if r.read().strip() == b"ok":
                    return proc, url
        except OSError:
            time.sleep(0.3)
        if proc.poll() is not None:
            break
    stop_server(proc)
    raise SystemExit(f"streamlit did not start:\n{(tmp / 'streamlit.log').read_text()[-2000:]}")


def stop_server(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=15)


async def one_session(
    browser, url: str, pages: list[str], rounds: int, limit_ms: int, out: list, errors: list
):
    context = await browser.new_context(viewport={"width": 1920, "height": 1080})
    page = await context.new_page()
    try:
        for _ in range(rounds):
            for path in pages:
                t = time.perf_counter()
                try:
                    await page.goto(url + path, wait_until="domcontentloaded", timeout=limit_ms)
                    frame = page.frame_locator('iframe[src*="streamlit_folium"]').first
                    await frame.locator(".leaflet-container").wait_for(state="visible", timeout=limit_ms)
                    await page.locator(READY).wait_for(timeout=limit_ms)
                    out.append((path or "home", time.perf_counter() - t))
                except Exception as exc:  # noqa: BLE001 - a load benchmark counts failures, it does not stop
                    errors.append(f"{path or 'home'}: {type(exc).__name__}: {str(exc)[:120]}")
    finally:
        await context.close()


async def run_level(url: str, n: int, pages: list[str], rounds: int, limit_s: float):
    from playwright.async_api import async_playwright

    out: list = []
    errors: list = []
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            await asyncio.wait_for(
                asyncio.gather(
                    *(
                        one_session(browser, url, pages, rounds, int(limit_s * 1000), out, errors)
                        for _ in range(n)
                    )
                ),
                timeout=limit_s,
            )
        except TimeoutError:
            errors.append(f"level stopped after {limit_s:.0f} s")
        finally:
            await browser.close()
    return out, errors


def main(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument("--sessions", type=int, nargs="+", default=[1, 10])
    ap.add_argument(
        "--pages", nargs="+", default=["", "sites", "jinmao"], help='url paths ("" is the home page)'
    )
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--limit", type=float, default=300.0, help="seconds per level, at most")
    args = ap.parse_args(argv)

    print(
        f"# load benchmark {time.strftime('%Y-%m-%d %H:%M')}  cores {os.cpu_count()}  "
        f"load average {os.getloadavg()[0]:.2f}  pages {args.pages}  rounds {args.rounds}"
    )
    with tempfile.TemporaryDirectory() as td:
        proc, url = start_server(Path(td))
        try:
            # one warm-up load so imports and first-run caches are not charged to a level
            asyncio.run(run_level(url, 1, [""], 1, args.limit))
            for n in args.sessions:
                cpu0 = proc_cpu_s(proc.pid)
                t0 = time.perf_counter()
                out, errors = asyncio.run(run_level(url, n, args.pages, args.rounds, args.limit))
                wall = time.perf_counter() - t0
                cpu = proc_cpu_s(proc.pid) - cpu0
                rss, hwm = proc_mem_mb(proc.pid)
                times = np.array([t for _, t in out]) if out else np.array([np.nan])
                print(
                    f"{n:3d} sessions: {len(out)} page loads in {wall:.1f} s; ready p50 {np.percentile(times, 50):.2f} s, "
                    f"p90 {np.percentile(times, 90):.2f} s; server CPU {cpu:.1f} s = "
                    f"{cpu / max(len(out), 1):.2f} s per page load; server memory {rss:.0f} MB (peak {hwm:.0f} MB); "
                    f"failures {len(errors)} {errors[:2]}"
                )
                for path in dict.fromkeys(p for p, _ in out):
                    tp = np.array([t for q, t in out if q == path])
                    print(
                        f"      {path:8s} p50 {np.percentile(tp, 50):.2f} s  p90 {np.percentile(tp, 90):.2f} s"
                    )
        finally:
            stop_server(proc)


if __name__ == "__main__":
    main()

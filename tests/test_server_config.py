"""``streamlit run app.py`` as the README says listens on this machine only, with a stated upload limit
(issue 23: it listened on all interfaces)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import tomllib
import urllib.request
from pathlib import Path

from tests.e2e.harness import free_port

ROOT = Path(__file__).resolve().parent.parent


def listening_addresses(port: int) -> set[str]:
    """Local addresses (hex, as in /proc/net/tcp*) of the sockets listening on ``port``."""
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        if not os.path.exists(table):
            continue
        with open(table) as fh:
            next(fh)
            for line in fh:
                local, state = line.split()[1], line.split()[3]
                addr, hex_port = local.rsplit(":", 1)
                if state == "0A" and int(hex_port, 16) == port:  # 0A = LISTEN
                    found.add(addr)
    return found


def test_the_app_listens_on_loopback_only_by_default():
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    assert config["server"]["maxUploadSize"] == 100
    port = free_port()
    proc = subprocess.Popen(  # no --server.address: what `streamlit run app.py` does
        [sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port)],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise
                time.sleep(0.5)
        addresses = listening_addresses(port)
        assert addresses, "nothing listens on the port"
        loopback = {"0100007F", "00000000000000000000000001000000"}  # 127.0.0.1, ::1
        assert addresses <= loopback, addresses  # not 0.0.0.0 / ::
    finally:
        os.killpg(proc.pid, 15)
        proc.wait(timeout=30)


def test_the_server_skips_the_full_garbage_collection_after_every_page_run():
    """Streamlit's default ``gc.collect(2)`` after each run was about half of a page load's server CPU
    (issue 22): the project's config turns it off, as the server reads it (run from the project folder)."""
    out = subprocess.run(
        [
            sys.executable,
            "-c",
            "from streamlit import config; config.get_config_options(force_reparse=True); "
            "print(config.get_option('runner.postScriptGC'), config.get_option('server.fileWatcherType'))",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    assert out.stdout.split()[-2:] == ["False", "none"], out.stdout + out.stderr

"""A throw-away PostGIS cluster of a test's own (``.ci/start-postgis.sh PORT``), which the test may stop and
restart with ``pg_ctl`` (the shared test server is never touched)."""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from renewal.storage.postgis import close_pool

ROOT = Path(__file__).resolve().parent.parent


class Cluster:
    def __init__(self, url: str, data: str, port: int):
        self.url, self.data, self.port = url, data, port
        self.bin = sorted(Path("/usr/lib/postgresql").glob("*/bin"))[-1]

    def _pg_ctl(self, *args: str) -> None:
        cmd = [str(self.bin / "pg_ctl"), "-D", self.data, *args]
        if os.geteuid() == 0:
            cmd = ["su", "postgres", "-s", "/bin/bash", "-c", " ".join(f"'{c}'" for c in cmd)]
        subprocess.run(cmd, check=True, capture_output=True, timeout=120)

    def stop(self) -> None:
        self._pg_ctl("-m", "fast", "-w", "stop")

    def start(self) -> None:
        folder = str(Path(self.data).parent)
        opts = f"-c listen_addresses=127.0.0.1 -p {self.port} -k {folder} -c fsync=off -c max_connections=60"
        self._pg_ctl("-l", f"{folder}/server.log", "-w", "-t", "60", "-o", opts, "start")


@contextlib.contextmanager
def own_cluster(port: int):
    if not sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb")):
        pytest.skip("no PostgreSQL server binaries to start a throw-away cluster")
    run = subprocess.run(
        ["bash", str(ROOT / ".ci" / "start-postgis.sh"), str(port)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    if run.returncode != 0:
        pytest.skip(f"cannot start a throw-away PostGIS: {run.stderr[-500:]}")
    found = re.search(r"cluster in (\S+/data)", run.stderr)
    assert found, f"a server already listened on {port}: {run.stderr}"  # never stop someone else's server
    c = Cluster(run.stdout.strip().splitlines()[-1], found.group(1), port)
    try:
        yield c
    finally:
        close_pool(c.url)
        try:
            c.stop()
        except subprocess.CalledProcessError:
            pass
        shutil.rmtree(Path(c.data).parent, ignore_errors=True)


@contextlib.contextmanager
def fresh_schema(cluster: Cluster):
    """A URL on ``cluster`` whose tables live in a new schema."""
    import time

    import psycopg

    schema = f"down_{int(time.time() * 1000)}"
    with psycopg.connect(cluster.url, autocommit=True) as con:
        con.execute(f"CREATE SCHEMA {schema}")
    url = f"{cluster.url}?options=-csearch_path%3D{schema},public"
    try:
        yield url
    finally:
        close_pool(url)

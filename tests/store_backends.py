"""The store backends the contract tests run against: the GeoPackage workspace and PostGIS.

PostGIS needs a server: ``$RENEWAL_TEST_DATABASE_URL`` (``.ci/start-postgis.sh`` starts a
throw-away one and CI sets it), else ``postgresql://postgres@127.0.0.1:55432/renewal_test``.
Each test gets a schema of its own (dropped afterwards). Without a reachable server the
PostGIS runs are skipped, unless ``RENEWAL_REQUIRE_POSTGIS=1``: then they fail.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import uuid
from pathlib import Path
from urllib.parse import quote

import pytest
import shapely

from renewal.storage import open_store, store_path

DEFAULT_TEST_URL = "postgresql://postgres@127.0.0.1:55432/renewal_test"
BACKENDS = ("gpkg", "postgis")


def server_url() -> str:
    """The test server: ``$RENEWAL_TEST_DATABASE_URL``, else the local throw-away cluster's port."""
    return os.environ.get("RENEWAL_TEST_DATABASE_URL") or DEFAULT_TEST_URL


def require_postgis() -> str:
    """The test server's URL; skip (or fail when RENEWAL_REQUIRE_POSTGIS=1) if it does not answer."""
    from renewal.storage.postgis import reachable

    url = server_url()
    if not reachable(url):
        msg = f"no PostGIS server reachable at {url} (start one with .ci/start-postgis.sh)"
        if os.environ.get("RENEWAL_REQUIRE_POSTGIS") == "1":
            pytest.fail(msg + " but RENEWAL_REQUIRE_POSTGIS=1")
        pytest.skip(msg)
    return url


def with_schema(url: str, schema: str) -> str:
    sep = "&" if "?" in url else "?"
    return f"{url}{sep}options={quote(f'-csearch_path={schema},public')}"


class Backend:
    """One store location of one backend: opens stores there for different people."""

    def __init__(self, kind: str, *, workspace: Path | None = None, url: str | None = None):
        self.kind, self.workspace, self.url = kind, workspace, url

    def open(self, session: str | None = None):
        return open_store(self.workspace, session=session, database=self.url)

    @property
    def location_kwargs(self) -> dict:
        return {"database": self.url} if self.url else {"workspace": self.workspace}

    def open_code(self, session: str) -> str:
        """Python source that opens this store as ``s`` (for a subprocess)."""
        return (
            "from renewal.storage import open_store\n"
            f"s = open_store({str(self.workspace) if self.workspace else None!r}, session={session!r}, "
            f"database={self.url!r})\n"
        )

    @contextlib.contextmanager
    def hold_write_lock(self):
        """Another program holds the store's write lock meanwhile."""
        if self.kind == "gpkg":
            other = sqlite3.connect(store_path(self.workspace), isolation_level=None)
            other.execute("BEGIN EXCLUSIVE")
            try:
                yield
            finally:
                other.execute("ROLLBACK")
                other.close()
        else:
            import psycopg

            with psycopg.connect(self.url) as other, other.transaction():
                other.execute("SELECT pg_advisory_xact_lock(hashtext('renewal-write:' || current_schema()))")
                yield


@contextlib.contextmanager
def postgis_schema():
    """A URL whose tables live in a fresh schema, dropped afterwards."""
    import psycopg

    from renewal.storage.postgis import close_pool

    base = require_postgis()
    schema = f"t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(base, autocommit=True) as con:
        con.execute(f"CREATE SCHEMA {schema}")
    url = with_schema(base, schema)
    try:
        yield url
    finally:
        close_pool(url)
        with psycopg.connect(base, autocommit=True) as con:
            con.execute(f"DROP SCHEMA {schema} CASCADE")


@contextlib.contextmanager
def backend(kind: str, tmp_path: Path):
    if kind == "gpkg":
        yield Backend("gpkg", workspace=tmp_path)
    else:
        with postgis_schema() as url:
            yield Backend("postgis", url=url)


def state(store) -> tuple:
    """The whole logical state a store shows: every site (with version and geometry bytes) and every change."""
    sites = store.sites()
    rows = [
        (*(None if v != v else v for v in r[:-1]), shapely.to_wkb(r[-1], hex=True))  # NaN == NaN here
        for r in sites.drop(columns="geometry").assign(g=sites.geometry).itertuples(index=False)
    ]
    return rows, store.history(limit=10**9)

"""The one factory of the imported-layer store for pages and commands (like ``open_store`` for sites)."""

from __future__ import annotations

from pathlib import Path

from renewal.storage import resolve_database
from renewal.storage.layers import LayerCore, open_layers


def open_layer_store(workspace: Path | None = None, *, database: str | None = None) -> LayerCore:
    """The imported layers: the team database's when ``database`` (or ``$RENEWAL_DATABASE_URL``) names
    one (:class:`~renewal.storage.postgis_layers.TeamLayerStore`, tables created on its first use; made
    without touching the database, so a page can say when it does not answer), else the workspace's
    ``layers.gpkg``."""
    url = resolve_database(database)
    if url:
        from renewal.storage.postgis_layers import TeamLayerStore  # psycopg only when a database is used

        return TeamLayerStore(url)
    return open_layers(workspace)


def sync_shared_files(workspace: Path | None = None, *, database: str | None = None) -> list[str]:
    """With a team database, fetch the shared files it holds (facility inventory, walking network, study
    area, OSM review, colour table, the presentation folder) into this server's workspace folder where they
    differ (the kinds fetched); without one, settle a shared-files replace a killed writer left."""
    return open_layer_store(workspace, database=database).sync(workspace)

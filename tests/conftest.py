"""Shared test configuration: every test gets its own empty workspace folder,
so no test ever writes into the repository's workspace/."""

import pytest


@pytest.fixture(autouse=True)
def _isolated_workspace(tmp_path_factory, monkeypatch):
    ws = tmp_path_factory.mktemp("workspace")
    monkeypatch.setenv("RENEWAL_WORKSPACE", str(ws))
    return ws

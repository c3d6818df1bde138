"""Fixtures of the end-to-end suite: the dagworker server that e2e.sh started."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator

import pytest
import requests


@pytest.fixture(scope="session")
def base_url() -> str:
    return os.environ["DAGWORKER_E2E_URL"]


@pytest.fixture(scope="session")
def jwt(base_url: str) -> str:
    """A token from POST /auth/token with the configured user."""
    r = requests.post(
        f"{base_url}/auth/token",
        json={"username": os.environ["DAGWORKER_E2E_USER"], "password": os.environ["DAGWORKER_E2E_PASSWORD"]},
        timeout=10,
    )
    assert r.status_code == 201, r.text
    return str(r.json()["access_token"])


@pytest.fixture(scope="session")
def token() -> str:
    """The static API token the server was started with."""
    return os.environ["DAGWORKER_E2E_TOKEN"]


@pytest.fixture(scope="session")
def demo_site() -> Iterator[str]:
    """The demo site, served by `dagworker demo --serve-site` for the session."""
    proc = subprocess.Popen(
        [os.environ["DAGWORKER_E2E_BIN"], "demo", "--serve-site", "--timeout", "30m"],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        assert line.startswith("demo site: "), line
        yield line.removeprefix("demo site: ").strip()
    finally:
        proc.terminate()
        proc.wait(timeout=10)

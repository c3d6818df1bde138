"""Fixtures of the end-to-end suite: the dagworker server that e2e.sh started."""

from __future__ import annotations

import os

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

"""Call dagworker from Apache Airflow 3, or from plain Python.

``DagworkerClient`` needs only ``requests``; the hook, operators, sensor and
trigger need Airflow and are imported from their submodules.
"""

from __future__ import annotations

from typing import Any

from dagworker_airflow.client import DagworkerClient, DagworkerError, DagworkerRunFailed

__all__ = ["DagworkerClient", "DagworkerError", "DagworkerRunFailed", "get_provider_info"]
__version__ = "0.1.0"


def get_provider_info() -> dict[str, Any]:
    """Describe the package to Airflow's provider manager."""
    return {
        "package-name": "dagworker-airflow",
        "name": "dagworker",
        "description": "Trigger and watch dagworker DAG runs and tasks.",
        "versions": [__version__],
        "hook-class-names": ["dagworker_airflow.hooks.DagworkerHook"],
        "connection-types": [
            {"hook-class-name": "dagworker_airflow.hooks.DagworkerHook", "connection-type": "dagworker"}
        ],
    }

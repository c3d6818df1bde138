"""Call dagworker from plain Python, a notebook or Apache Airflow 3.

``Client`` (typed results, progress bars, outputs as DataFrames) and the
lower-level ``DagworkerClient`` it calls need only ``requests``; tqdm and
pandas are used when installed. The hook, operators, sensor and trigger
need Airflow and are imported from their submodules.
"""

from __future__ import annotations

from typing import Any

from dagworker_airflow.api import DAG, Client, Output, Run, Task, TaskInstance
from dagworker_airflow.client import DagworkerClient, DagworkerError, DagworkerRunFailed

__all__ = [
    "DAG",
    "Client",
    "DagworkerClient",
    "DagworkerError",
    "DagworkerRunFailed",
    "Output",
    "Run",
    "Task",
    "TaskInstance",
    "get_provider_info",
]
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

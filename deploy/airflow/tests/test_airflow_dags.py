"""Run the example Airflow DAGs in real Airflow (`airflow dags test`) against dagworker."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

AIRFLOW = str(Path(sys.executable).with_name("airflow"))


@pytest.mark.parametrize("dag_id", ["example_dagworker_http", "example_dagworker_provider"])
def test_dags_test(dag_id: str) -> None:
    res = subprocess.run(
        [AIRFLOW, "dags", "test", dag_id],
        capture_output=True,
        text=True,
        timeout=600,
        env=os.environ.copy(),
    )
    out = res.stdout + res.stderr
    assert res.returncode == 0, out[-5000:]
    assert "state=failed" not in out and "DagRunState.FAILED" not in out, out[-5000:]
    assert "success" in out.lower(), out[-5000:]

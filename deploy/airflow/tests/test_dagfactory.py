"""One YAML file from dagworker's dags/ folder, loaded by dag-factory in Airflow and by dagworker."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import requests
from airflow.sdk import DAG
from dagfactory import load_yaml_dags

from dagworker_airflow.operators import EchoOperator, NoopOperator

AIRFLOW = str(Path(sys.executable).with_name("airflow"))
DAG_ID = "example_dagfactory"


def shipped_yaml() -> Path:
    folder = os.environ.get("DAGWORKER_SHIPPED_DAGS") or Path(__file__).resolve().parents[3] / "dags"
    return Path(folder) / f"{DAG_ID}.yaml"


def run(cmd: list[str]) -> str:
    res = subprocess.run(cmd, capture_output=True, text=True, timeout=600, env=os.environ.copy())
    out = res.stdout + res.stderr
    assert res.returncode == 0, out[-5000:]
    return out


def test_dagfactory_builds_the_shipped_yaml() -> None:
    found: dict[str, object] = {}
    load_yaml_dags(globals_dict=found, config_filepath=str(shipped_yaml()))
    dag = found[DAG_ID]
    assert isinstance(dag, DAG)
    tasks = {t.task_id: t for t in dag.tasks}
    assert set(tasks) == {"start", "greetings.hello", "greetings.bye", "done"}
    assert isinstance(tasks["start"], NoopOperator) and isinstance(tasks["done"], NoopOperator)
    hello = tasks["greetings.hello"]
    assert isinstance(hello, EchoOperator)
    assert hello.task_type == "echo" and hello.args == {"msg": "{{ params.greeting }} from {{ run_id }}"}
    # dependencies: the group after start, bye after hello, done after the group.
    assert tasks["greetings.hello"].upstream_task_ids == {"start"}
    assert tasks["greetings.bye"].upstream_task_ids == {"greetings.hello"}
    assert tasks["done"].upstream_task_ids == {"greetings.bye"}
    # default_args and durations read the same way as dagworker reads them.
    assert hello.owner == "dagworker" and hello.retries == 1
    assert hello.retry_delay.total_seconds() == 5
    assert tasks["done"].execution_timeout.total_seconds() == 60


def test_airflow_dags_test_runs_it_against_dagworker(base_url: str) -> None:
    out = run([AIRFLOW, "dags", "test", DAG_ID])
    finished = [line for line in out.splitlines() if f"DagRun Finished: dag_id={DAG_ID}," in line]
    assert len(finished) == 1 and "state=success" in finished[0], out[-5000:]
    # Each task ran as an ad-hoc dagworker task; the echo got its rendered template.
    ids = re.findall(r"submitted dagworker (\w+) task (\S+)", out)
    assert sorted(t for t, _ in ids) == ["echo", "echo", "noop", "noop"], out[-5000:]
    headers = {"Authorization": f"Bearer {os.environ['DAGWORKER_E2E_TOKEN']}"}
    msgs = set()
    for task_type, task_id in ids:
        r = requests.get(f"{base_url}/api/dagworker/v1/tasks/{task_id}", headers=headers, timeout=10)
        assert r.status_code == 200, r.text
        assert r.json()["state"] == "success", r.text
        if task_type == "echo":
            msgs.add(r.json()["result"]["msg"])
    assert "bye" in msgs
    assert any(m.startswith("hello from manual__") for m in msgs), msgs


def test_dagworker_validates_and_runs_it(tmp_path: Path) -> None:
    binary = os.environ["DAGWORKER_E2E_BIN"]
    folder = str(shipped_yaml().parent)
    assert "DAG(s) valid" in run([binary, "dags", "validate", "--dags", folder])
    lake = f"file://{tmp_path}/lake"
    out = run([binary, "dags", "test", DAG_ID, "--dags", folder, "--blob-url", lake, "--conf", '{"greeting": "hi"}'])
    assert list((tmp_path / "lake").rglob("1.log")), "each task's log is written to the test's own lake"
    assert f"dag {DAG_ID} run" in out and ": success in" in out, out
    # Grouped task ids carry the group id in dagworker as in Airflow.
    for task in ("start", "greetings.hello", "greetings.bye", "done"):
        assert any(line.split()[:2] == [task, "success"] for line in out.splitlines()), out

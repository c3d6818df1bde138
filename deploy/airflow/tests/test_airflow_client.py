"""Drive dagworker with the official apache-airflow-client (strict models)."""

from __future__ import annotations

import time

import airflow_client.client as ac
import pytest


@pytest.fixture()
def api(base_url: str, jwt: str):  # type: ignore[no-untyped-def]
    with ac.ApiClient(ac.Configuration(host=base_url, access_token=jwt)) as client:
        yield client


def wait_run(runs: ac.DagRunApi, dag_id: str, run_id: str, timeout: float = 60) -> ac.DAGRunResponse:
    deadline = time.monotonic() + timeout
    while True:
        run = runs.get_dag_run(dag_id, run_id)
        if run.state in ("success", "failed"):
            return run
        assert time.monotonic() < deadline, f"{dag_id}/{run_id} still {run.state}"
        time.sleep(0.2)


def test_list_dags(api) -> None:  # type: ignore[no-untyped-def]
    dags = ac.DAGApi(api).get_dags()
    ids = {d.dag_id for d in dags.dags}
    assert {"e2e_hello", "e2e_flaky"} <= ids
    assert dags.total_entries >= 2


@pytest.mark.parametrize("logical_date", [None, "2026-11-27T00:00:00Z"])
def test_trigger_poll_tis_log_xcom(api, logical_date) -> None:  # type: ignore[no-untyped-def]
    runs = ac.DagRunApi(api)
    body = ac.TriggerDAGRunPostBody(conf={"greeting": "client"}, logical_date=logical_date)
    run = runs.trigger_dag_run("e2e_hello", body)
    assert run.dag_id == "e2e_hello"
    assert (run.logical_date is None) == (logical_date is None)
    done = wait_run(runs, "e2e_hello", run.dag_run_id)
    assert done.state == "success"

    tis = ac.TaskInstanceApi(api).get_task_instances("e2e_hello", run.dag_run_id)
    assert {ti.task_id for ti in tis.task_instances} == {"greet", "done"}
    assert all(ti.state == "success" for ti in tis.task_instances)

    log = ac.TaskInstanceApi(api).get_log("e2e_hello", run.dag_run_id, "greet", 1)
    assert log.content is not None

    xcom = ac.XComApi(api).get_xcom_entry("e2e_hello", "greet", run.dag_run_id, "return_value", stringify=False)
    assert "client" in str(xcom.actual_instance.value)


def test_clear_failed_run_reruns(api) -> None:  # type: ignore[no-untyped-def]
    runs = ac.DagRunApi(api)
    run = runs.trigger_dag_run("e2e_flaky", ac.TriggerDAGRunPostBody())
    assert wait_run(runs, "e2e_flaky", run.dag_run_id).state == "failed"
    runs.clear_dag_run("e2e_flaky", run.dag_run_id, ac.DAGRunClearBody(dry_run=False, only_failed=True))
    assert wait_run(runs, "e2e_flaky", run.dag_run_id).state == "success"
    ti = ac.TaskInstanceApi(api).get_task_instance("e2e_flaky", run.dag_run_id, "flaky")
    assert ti.try_number == 2

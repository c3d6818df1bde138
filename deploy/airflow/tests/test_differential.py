"""The same official-client script against a real Airflow 3.3 api-server and dagworker.

Both servers load ``dags/e2e_diff.yaml`` (Airflow through dag-factory, with a
real scheduler running the triggered runs on the LocalExecutor, each task an
ad-hoc dagworker task). Every call of the script runs against both; the
responses are normalized (ids, times, hostnames, versions) and compared field
by field. A difference fails the test unless ALLOWED lists it (each entry is in
the README's "Differences from Airflow"); an entry that no longer differs fails
too, so the list stays true. Operations that dagworker does not serve (absent
from its /api/v2/openapi.json) are counted, not compared.
"""

from __future__ import annotations

import fnmatch
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import airflow_client.client as ac
import pytest
import requests

AIRFLOW = str(Path(sys.executable).with_name("airflow"))
DAG_ID = "e2e_diff"

# Intended differences, keyed by a field path with list indices as [] and a
# list response's collection left out ("triggering_user_name" matches it in
# a run, in dag_runs[] and in task_instances[]; an entry covers the fields
# under it), or "call:path" for the calls matching a glob ("call:status" is
# the HTTP status, "call:client" whether the client's models accepted the
# answer). Each value says why; each is in the README's "Differences from
# Airflow" (deploy/airflow/README.md).
ALLOWED: dict[str, str] = {
    # dagworker starts a run's first tasks as it is triggered; Airflow's
    # scheduler picks a queued run up on its next loop.
    "trigger_*:state": "the trigger answers running, not queued",
    "trigger_*:start_date": "the trigger answers with the start date set",
    # Scheduler and parser details dagworker does not have.
    "last_scheduling_decision": "no scheduling decisions to record",
    "scheduled_when": "tasks are enqueued, not scheduled in a loop",
    "last_parsed_time": "DAG files are loaded at start and on change, not parsed in a loop",
    "timetable_description": "no timetable descriptions",
    # Rendered template fields are not kept (the rendered values are in the
    # task's log and result).
    "rendered_fields": "rendered_fields is empty",
    # The Airflow side runs no dag-processor here, so its health has no
    # dag_processor status; dagworker reports its DAG loader.
    "health:dag_processor": "a test-setup difference",
    # The DAG's definition as dagworker keeps it: no default_args, a bool
    # for is_paused_upon_creation, the run types it creates listed.
    "dag_details:default_args": "default_args is not reported",
    "dag_details:is_paused_upon_creation": "false, not null, when the YAML does not say",
    "allowed_run_types": "lists backfill, manual and scheduled, not null",
    "last_parsed": "DAG files are loaded at start and on change, not parsed in a loop",
    # What the operator class decides in Airflow (the provider's operators)
    # is dagworker's task type.
    "class_ref": "dagworker.tasks and the task type, not the operator's module and class",
    "template_fields": "empty: the task's arguments are templated as a whole",
    "ui_color": "one colour for every task",
    # The source is the file dagworker loaded: the YAML (Airflow's is the
    # Python loader file beside it).
    "dag_source:content": "the YAML, not Airflow's loader file",
    # Variables are stored in Redis as they are.
    "is_encrypted": "variables are not encrypted (false)",
    # The event log records the API's changing calls only (Airflow's also
    # holds its CLI's, scheduler's and UI's events) and no request body.
    "event_logs:total_entries": "only the API's changing calls are logged",
    "event_logs:extra": "no request body in extra",
    # A task instance's extra link is its run's outputs in the data lake
    # (Airflow's BashOperator has none).
    "links:extra_links": "an Outputs link to the run's outputs",
    "links:total_entries": "one link, Outputs",
}

# Not compared at all: ids, hostnames, process and version details.
VOLATILE_KEYS = {
    "id",
    "ti_id",
    "event_log_id",
    "hostname",
    "pid",
    "unixname",
    "version",
    "git_version",
    "bundle_name",
    "bundle_version",
    "bundle_url",
    "dag_version",
    "fileloc",
    "relative_fileloc",
    "file_token",
    "executor",
    "executor_config",
    "queued_by_job_id",
    "duration",
    "access_token",
}
_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:?\d{2})?$")
# The dates the script chooses are compared exactly; other times only for
# being there or not.
EXACT_TIME_KEYS = {"logical_date", "data_interval_start", "data_interval_end"}
# The collections of list responses (left out of ALLOWED's paths).
COLLECTIONS = {"dags", "dag_runs", "task_instances", "xcom_entries", "tasks", "dags_stats", "import_errors", "variables", "pools", "event_logs", "dag_versions", "backfills"}


def normalize(v: Any, key: str = "") -> Any:
    """A response with volatile fields dropped and times reduced.

    A null field and an absent one are the same (the client's models read
    both as None), so nulls are dropped.
    """
    if isinstance(v, dict):
        out = {}
        for k, x in sorted(v.items()):
            if k in VOLATILE_KEYS or x is None:
                continue
            out[k] = normalize(x, k)
        return out
    if isinstance(v, list):
        items = [normalize(x, key) for x in v]
        if key == "task_instances":  # asked in no order: compared in one
            items.sort(key=lambda t: (t.get("dag_run_id", ""), t.get("task_id", ""), t.get("try_number", 0)))
        return items
    if isinstance(v, str) and _TIME.match(v):
        if key in EXACT_TIME_KEYS:
            return re.sub(r"(\.0+)?(Z|\+00:?00)$", "Z", v)
        return "<time>"
    return v


def airflow_only(name: str, body: Any) -> Any:
    """What only the Airflow side's loader adds, taken out before comparing.

    dag-factory tags every DAG it builds with "dagfactory" and writes the
    YAML into doc_md when the DAG has none (loader details, not API ones):
    that tag and doc_md are dropped from Airflow's answers.
    """
    if isinstance(body, dict) and str(body.get("doc_md") or "").startswith("## YML DAG"):
        body = {k: v for k, v in body.items() if k != "doc_md"}
    if isinstance(body, dict):
        return {k: ([t for t in x if not (isinstance(t, dict) and t.get("name") == "dagfactory") and t != "dagfactory"] if k == "tags" and isinstance(x, list) else airflow_only(name, x)) for k, x in body.items()}
    if isinstance(body, list):
        return [airflow_only(name, x) for x in body]
    return body


def shape_of_log(body: Any) -> Any:
    """A log answer's shape: its text differs (Airflow's task runner writes its own lines), so only which keys its entries carry is compared."""
    if not isinstance(body, dict):
        return body
    content = body.get("content")
    keys: set[str] = set()
    if isinstance(content, list):
        for e in content:
            if isinstance(e, dict):
                keys |= {k for k in ("event", "timestamp", "level", "logger") if k in e}
    return {"content_type": type(content).__name__, "entry_keys": sorted(keys)}


def flatten(v: Any, prefix: str = "") -> dict[str, Any]:
    if isinstance(v, dict) and v:
        out: dict[str, Any] = {}
        for k, x in v.items():
            out.update(flatten(x, f"{prefix}.{k}" if prefix else k))
        return out
    if isinstance(v, list) and v:
        out = {}
        for i, x in enumerate(v):
            out.update(flatten(x, f"{prefix}.{i}" if prefix else str(i)))
        return out
    return {prefix or "*": v}


def generic(path: str) -> str:
    """dag_runs.0.dag_versions.1.name -> dag_versions[].name (the collection left out)."""
    parts = path.split(".")
    if len(parts) > 2 and parts[0] in COLLECTIONS and parts[1].isdigit():
        parts = parts[2:]
    return ".".join("[]" if p.isdigit() else p for p in parts).replace(".[]", "[]")


class Recorder(ac.ApiClient):
    """An ApiClient that keeps the last response's status and body."""

    last: tuple[int, bytes] | None = None

    def response_deserialize(self, response_data, response_types_map=None):  # type: ignore[no-untyped-def]
        self.last = (response_data.status, response_data.data)
        return super().response_deserialize(response_data, response_types_map)


class Side:
    """One server: its client and what each call answered."""

    def __init__(self, name: str, url: str, jwt: str, ops: set[str]) -> None:
        self.name = name
        self.client = Recorder(ac.Configuration(host=url, access_token=jwt))
        self.ops = ops  # operation ids the server's document serves
        self.results: dict[str, dict[str, Any]] = {}

    def call(self, name: str, fn: Callable[[ac.ApiClient], Any]) -> dict[str, Any]:
        self.client.last = None
        res: dict[str, Any] = {"ok": True, "error": ""}
        try:
            fn(self.client)
        except ac.ApiException as e:
            res.update(ok=False, error=f"{e.status}", status=e.status)
            res["body"] = _json(e.body)
        except Exception as e:  # the client's strict models rejected the answer
            res.update(ok=False, error=f"{type(e).__name__}: {str(e)[:300]}")
        if self.client.last is not None:
            res["status"] = self.client.last[0]
            res["body"] = _json(self.client.last[1])
        self.results[name] = res
        return res


def _json(raw: Any) -> Any:
    if raw is None:
        return None
    try:
        return json.loads(raw)
    except (ValueError, TypeError):
        return {"<text>": True}


def freeport() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)


@pytest.fixture(scope="module")
def airflow_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real Airflow api-server and scheduler on the e2e AIRFLOW_HOME, for this module only."""
    logs = tmp_path_factory.mktemp("airflow-logs")
    port = freeport()
    url = f"http://127.0.0.1:{port}"
    env = os.environ.copy()
    env["AIRFLOW__CORE__EXECUTION_API_SERVER_URL"] = f"{url}/execution/"
    env["AIRFLOW__API__BASE_URL"] = url
    env["AIRFLOW__CORE__PARALLELISM"] = "2"
    env["AIRFLOW__SCHEDULER__SCHEDULER_HEARTBEAT_SEC"] = "1"
    res = subprocess.run([AIRFLOW, "dags", "reserialize"], capture_output=True, text=True, timeout=300, env=env)
    assert res.returncode == 0, (res.stdout + res.stderr)[-3000:]
    procs: list[subprocess.Popen[bytes]] = []
    pidfile = os.environ.get("DAGWORKER_E2E_PIDS")
    try:
        for name, cmd in (
            ("api-server", [AIRFLOW, "api-server", "--host", "127.0.0.1", "--port", str(port), "--workers", "1"]),
            ("scheduler", [AIRFLOW, "scheduler"]),
        ):
            with open(logs / f"{name}.log", "wb") as out:
                p = subprocess.Popen(cmd, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
            procs.append(p)
            if pidfile:  # e2e.sh's trap stops these process groups too
                with open(pidfile, "a") as f:
                    f.write(f"{p.pid}\n")
        deadline = time.monotonic() + 180
        while True:
            try:
                if requests.get(f"{url}/api/v2/monitor/health", timeout=2).status_code == 200:
                    break
            except requests.RequestException:
                pass
            assert procs[0].poll() is None, (logs / "api-server.log").read_text()[-3000:]
            assert time.monotonic() < deadline, "Airflow api-server did not start"
            time.sleep(1)
        yield url
    finally:
        for p in procs:
            _stop(p)
        for name in ("api-server", "scheduler"):
            f = logs / f"{name}.log"
            if f.exists() and os.environ.get("DAGWORKER_E2E_VERBOSE"):
                print(f"--- {name} ---\n{f.read_text()[-3000:]}")


def _token(url: str, user: str, password: str) -> str:
    r = requests.post(f"{url}/auth/token", json={"username": user, "password": password}, timeout=30)
    assert r.status_code == 201, r.text
    return str(r.json()["access_token"])


def _ops(url: str, jwt: str) -> set[str]:
    r = requests.get(f"{url}/api/v2/openapi.json", headers={"Authorization": f"Bearer {jwt}"}, timeout=30)
    if r.status_code != 200:  # Airflow serves its document at /openapi.json
        r = requests.get(f"{url}/openapi.json", timeout=30)
    r.raise_for_status()
    return {op["operationId"] for item in r.json()["paths"].values() for op in item.values() if isinstance(op, dict) and "operationId" in op}


# The script: (name, operation id, call). Each runs once against each side, in order.
def script() -> list[tuple[str, str, Callable[[ac.ApiClient], Any]]]:
    d, r, ti, x = ac.DAGApi, ac.DagRunApi, ac.TaskInstanceApi, ac.XComApi
    since = "2026-11-01T00:00:00.000000+0000"  # the client's own datetime form
    steps: list[tuple[str, str, Callable[[ac.ApiClient], Any]]] = [
        ("version", "get_version", lambda c: ac.VersionApi(c).get_version()),
        ("health", "get_health", lambda c: ac.MonitorApi(c).get_health()),
        ("list_dags", "get_dags", lambda c: d(c).get_dags(dag_id_pattern=DAG_ID)),
        ("list_dags_tags", "get_dags", lambda c: d(c).get_dags(tags=["diff"], limit=5, order_by=["dag_id"])),
        ("get_dag", "get_dag", lambda c: d(c).get_dag(DAG_ID)),
        ("get_dag_missing", "get_dag", lambda c: d(c).get_dag("no_such_dag")),
        ("unpause", "patch_dag", lambda c: d(c).patch_dag(DAG_ID, ac.DAGPatchBody(is_paused=False))),
        (
            "trigger_1",
            "trigger_dag_run",
            lambda c: r(c).trigger_dag_run(
                DAG_ID, ac.TriggerDAGRunPostBody(dag_run_id="diff_1", conf={"greeting": "diff"}, logical_date="2026-11-27T00:00:00Z")
            ),
        ),
        (
            "trigger_dup",
            "trigger_dag_run",
            lambda c: r(c).trigger_dag_run(DAG_ID, ac.TriggerDAGRunPostBody(dag_run_id="diff_1", logical_date="2026-11-29T00:00:00Z")),
        ),
        ("wait_1", "get_dag_run", lambda c: wait_run_c(c, "diff_1")),
        (
            "trigger_2",
            "trigger_dag_run",
            lambda c: r(c).trigger_dag_run(DAG_ID, ac.TriggerDAGRunPostBody(dag_run_id="diff_2", logical_date="2026-11-28T00:00:00Z")),
        ),
        ("wait_2", "get_dag_run", lambda c: wait_run_c(c, "diff_2")),
        ("get_run", "get_dag_run", lambda c: r(c).get_dag_run(DAG_ID, "diff_1")),
        ("list_runs_state", "get_dag_runs", lambda c: r(c).get_dag_runs(DAG_ID, state=["success"], order_by=["logical_date"])),
        (
            "list_runs_dates",
            "get_dag_runs",
            lambda c: r(c).get_dag_runs(DAG_ID, logical_date_gte=since, logical_date_lte="2026-11-27T12:00:00.000000+0000"),
        ),
        ("list_runs_page", "get_dag_runs", lambda c: r(c).get_dag_runs(DAG_ID, order_by=["-logical_date"], limit=1, offset=1)),
        ("list_runs_bad_order", "get_dag_runs", lambda c: r(c).get_dag_runs(DAG_ID, order_by=["bogus"])),
        ("list_runs_bad_state", "get_dag_runs", lambda c: r(c).get_dag_runs(DAG_ID, state=["bogus"])),
        ("get_run_missing", "get_dag_run", lambda c: r(c).get_dag_run(DAG_ID, "no_such_run")),
        ("list_runs_all", "get_dag_runs", lambda c: r(c).get_dag_runs("~", dag_id_pattern=DAG_ID, order_by=["run_id"])),
        ("patch_note", "patch_dag_run", lambda c: r(c).patch_dag_run(DAG_ID, "diff_1", ac.DAGRunPatchBody(note="checked"), update_mask=["note"])),
        ("patch_state", "patch_dag_run", lambda c: r(c).patch_dag_run(DAG_ID, "diff_2", ac.DAGRunPatchBody(state="failed"))),
        ("get_run_2", "get_dag_run", lambda c: r(c).get_dag_run(DAG_ID, "diff_2")),
        ("clear_dry", "clear_dag_run", lambda c: r(c).clear_dag_run(DAG_ID, "diff_1", ac.DAGRunClearBody(dry_run=True))),
        ("list_tis", "get_task_instances", lambda c: ti(c).get_task_instances(DAG_ID, "diff_1")),
        ("list_tis_state", "get_task_instances", lambda c: ti(c).get_task_instances(DAG_ID, "~", state=["success"])),
        ("get_ti", "get_task_instance", lambda c: ti(c).get_task_instance(DAG_ID, "diff_1", "hello")),
        ("get_ti_missing", "get_task_instance", lambda c: ti(c).get_task_instance(DAG_ID, "diff_1", "nope")),
        ("tries", "get_task_instance_tries", lambda c: ti(c).get_task_instance_tries(DAG_ID, "diff_1", "hello")),
        ("log", "get_log", lambda c: ti(c).get_log(DAG_ID, "diff_1", "hello", 1)),
        ("try", "get_task_instance_try_details", lambda c: ti(c).get_task_instance_try_details(DAG_ID, "diff_1", "hello", 1)),
        ("try_missing", "get_task_instance_try_details", lambda c: ti(c).get_task_instance_try_details(DAG_ID, "diff_1", "hello", 7)),
        ("mapped_ti", "get_mapped_task_instance", lambda c: ti(c).get_mapped_task_instance(DAG_ID, "diff_1", "hello", -1)),
        ("mapped_ti_missing", "get_mapped_task_instance", lambda c: ti(c).get_mapped_task_instance(DAG_ID, "diff_1", "hello", 3)),
        ("mapped_tries", "get_mapped_task_instance_tries", lambda c: ti(c).get_mapped_task_instance_tries(DAG_ID, "diff_1", "hello", -1)),
        ("list_mapped", "get_mapped_task_instances", lambda c: ti(c).get_mapped_task_instances(DAG_ID, "diff_1", "hello")),
        ("dependencies", "get_task_instance_dependencies", lambda c: ti(c).get_task_instance_dependencies(DAG_ID, "diff_1", "hello")),
        ("links", "get_extra_links", lambda c: ac.ExtraLinksApi(c).get_extra_links(DAG_ID, "diff_1", "hello")),
        ("xcoms", "get_xcom_entries", lambda c: x(c).get_xcom_entries(DAG_ID, "diff_1", "hello", xcom_key="return_value")),
        ("xcom", "get_xcom_entry", lambda c: x(c).get_xcom_entry(DAG_ID, "hello", "diff_1", "return_value", deserialize=True)),
        (
            "runs_batch",
            "get_list_dag_runs_batch",
            lambda c: r(c).get_list_dag_runs_batch("~", ac.DAGRunsBatchBody(dag_ids=[DAG_ID], order_by="run_id", page_limit=10)),
        ),
        (
            "tis_batch",
            "get_task_instances_batch",
            lambda c: ti(c).get_task_instances_batch(
                "~", "~", ac.TaskInstancesBatchBody(dag_ids=[DAG_ID], task_ids=["hello"])
            ),
        ),
        ("delete_run", "delete_dag_run", lambda c: r(c).delete_dag_run(DAG_ID, "diff_2")),
        ("get_deleted", "get_dag_run", lambda c: r(c).get_dag_run(DAG_ID, "diff_2")),
        ("pause", "patch_dag", lambda c: d(c).patch_dag(DAG_ID, ac.DAGPatchBody(is_paused=True))),
        # The operations added since the first compatibility work: compared
        # once dagworker serves them, counted before.
        ("dag_details", "get_dag_details", lambda c: d(c).get_dag_details(DAG_ID)),
        ("tasks", "get_tasks", lambda c: ac.TaskApi(c).get_tasks(DAG_ID, order_by="task_id")),
        ("task", "get_task", lambda c: ac.TaskApi(c).get_task(DAG_ID, "hello")),
        ("dag_stats", "get_dag_stats", lambda c: ac.DagStatsApi(c).get_dag_stats(dag_ids=[DAG_ID])),
        ("import_errors", "get_import_errors", lambda c: ac.ImportErrorApi(c).get_import_errors()),
        ("dag_source", "get_dag_source", lambda c: ac.DagSourceApi(c).get_dag_source(DAG_ID)),
        ("dag_tags", "get_dag_tags", lambda c: d(c).get_dag_tags(tag_name_pattern="diff")),
        ("dag_versions", "get_dag_versions", lambda c: ac.DagVersionApi(c).get_dag_versions(DAG_ID)),
        ("event_logs", "get_event_logs", lambda c: ac.EventLogApi(c).get_event_logs(dag_id=DAG_ID, limit=1)),
        ("pools", "get_pools", lambda c: ac.PoolApi(c).get_pools(pool_name_pattern="default_pool")),
        ("pool", "get_pool", lambda c: ac.PoolApi(c).get_pool("default_pool")),
        ("var_create", "post_variable", lambda c: ac.VariableApi(c).post_variable(ac.VariableBody(key="diff_var", value="1"))),
        ("var_get", "get_variable", lambda c: ac.VariableApi(c).get_variable("diff_var")),
        ("var_list", "get_variables", lambda c: ac.VariableApi(c).get_variables(variable_key_pattern="diff_var")),
        (
            "var_patch",
            "patch_variable",
            lambda c: ac.VariableApi(c).patch_variable("diff_var", ac.VariableBody(key="diff_var", value="2")),
        ),
        ("var_delete", "delete_variable", lambda c: ac.VariableApi(c).delete_variable("diff_var")),
        ("var_deleted", "get_variable", lambda c: ac.VariableApi(c).get_variable("diff_var")),
        ("connection_missing", "get_connection", lambda c: ac.ConnectionApi(c).get_connection("no_such_conn")),
        ("dag_warnings", "list_dag_warnings", lambda c: ac.DagWarningApi(c).list_dag_warnings(dag_id=DAG_ID)),
        ("backfills", "list_backfills", lambda c: ac.BackfillApi(c).list_backfills(DAG_ID)),
    ]
    return steps


def wait_run_c(c: ac.ApiClient, run_id: str) -> Any:
    api = ac.DagRunApi(c)
    deadline = time.monotonic() + 240
    while True:
        run = api.get_dag_run(DAG_ID, run_id)
        if str(run.state.value) in ("success", "failed"):
            return run
        assert time.monotonic() < deadline, f"{run_id} still {run.state}"
        time.sleep(1)


def differences(name: str, a: dict[str, Any], w: dict[str, Any]) -> dict[str, str]:
    """Airflow's answer a against dagworker's w: "call path" -> what differs."""
    out: dict[str, str] = {}
    if a.get("status") != w.get("status"):
        out[f"{name}:status"] = f"airflow {a.get('status')} {a.get('error')} dagworker {w.get('status')} {w.get('error')}"
        return out
    if a["ok"] != w["ok"]:
        out[f"{name}:client"] = f"airflow ok={a['ok']} {a['error']} dagworker ok={w['ok']} {w['error']}"
    if (a.get("status") or 0) >= 400:
        return out  # error bodies: the status is what is compared
    ba, bw = airflow_only(name, a.get("body")), w.get("body")
    if name == "log":
        ba, bw = shape_of_log(ba), shape_of_log(bw)
    fa, fw = flatten(normalize(ba)), flatten(normalize(bw))
    for path in sorted(set(fa) | set(fw)):
        if path not in fw:
            what = f"missing in dagworker (airflow: {fa[path]!r})"
        elif path not in fa:
            what = f"only in dagworker ({fw[path]!r})"
        elif fa[path] != fw[path]:
            what = f"airflow {fa[path]!r} dagworker {fw[path]!r}"
        else:
            continue
        out[f"{name} {path}"] = what
    return out


def allowed(key: str) -> bool:
    return any(allowed_by(key, entry) for entry in ALLOWED)


def test_same_script_same_answers(airflow_url: str, base_url: str, jwt: str) -> None:
    user, password = os.environ["DAGWORKER_E2E_USER"], os.environ["DAGWORKER_E2E_PASSWORD"]
    ajwt = _token(airflow_url, user, password)
    airflow = Side("airflow", airflow_url, ajwt, _ops(airflow_url, ajwt))
    dagworker = Side("dagworker", base_url, jwt, _ops(base_url, jwt))
    # Airflow creates a DAG paused (dags_are_paused_at_creation), dagworker
    # loads it unpaused (the README lists it): paused here first, so the
    # script starts from the same state.
    ac.DAGApi(dagworker.client).patch_dag(DAG_ID, ac.DAGPatchBody(is_paused=True))
    found: dict[str, str] = {}
    unserved: list[str] = []
    for name, op, fn in script():
        ra = airflow.call(name, fn)
        if op not in dagworker.ops:
            unserved.append(name)
            dagworker.results[name] = {"ok": False, "error": "not served"}
            continue
        rw = dagworker.call(name, fn)
        found.update(differences(name, ra, rw))
    ok_a = sum(r["ok"] for r in airflow.results.values())
    ok_w = sum(r["ok"] for r in dagworker.results.values())
    # The counts for the record (pytest -s shows them; the report quotes them).
    print(f"\ndifferential: {len(airflow.results)} calls; ok against Airflow {ok_a}, against dagworker {ok_w}; not served by dagworker: {unserved}")
    bad = {n: r["error"] for n, r in airflow.results.items() if not r["ok"] and n not in EXPECTED_ERRORS}
    print(f"failed against Airflow (unexpectedly): {bad}")
    print("failed against dagworker: " + str({n: r["error"] for n, r in dagworker.results.items() if not r["ok"] and n not in EXPECTED_ERRORS}))
    unlisted = {k: v for k, v in found.items() if not allowed(k)}
    used = {a for a in ALLOWED if any(allowed_by(k, a) for k in found)}
    stale = sorted(set(ALLOWED) - used - {a for a in ALLOWED if a.split(":")[0] in unserved})
    report = "\n".join(f"  {k}: {v}" for k, v in sorted(unlisted.items()))
    assert not unlisted, f"{len(unlisted)} differences from Airflow not in ALLOWED:\n{report}"
    assert not stale, f"ALLOWED entries that no longer differ (remove them here and in the README): {stale}"
    # Airflow itself answered the script as the client expects (but for the
    # calls meant to fail), so the comparison compared answers.
    assert not bad, f"Airflow failed calls of the script: {bad}"


# Calls meant to fail (404, 409, 400, 422), and clear_dry: the client 3.3.2
# cannot read Airflow's own answer to a dry-run clear (its oneOf of
# NewTaskResponse and TaskInstanceResponse matches twice), so it fails on
# both sides; its body is still compared.
EXPECTED_ERRORS = {
    "get_dag_missing",
    "trigger_dup",
    "get_ti_missing",
    "get_deleted",
    "var_deleted",
    "list_runs_bad_order",
    "list_runs_bad_state",
    "get_run_missing",
    "clear_dry",
    "try_missing",
    "mapped_ti_missing",
    "list_mapped",
    "connection_missing",
}


def allowed_by(key: str, entry: str) -> bool:
    """Whether an ALLOWED entry covers a difference ("call path" or "call:status"); an entry covers the fields under it too."""
    if ":" in entry:
        calls, field = entry.split(":", 1)
        if not fnmatch.fnmatchcase(key.split(" ", 1)[0] if " " in key else key.split(":", 1)[0], calls):
            return False
    else:
        field = entry
    if ":" in key:  # "call:status" or "call:client": only a call's entry covers it
        return ":" in entry and field == key.split(":", 1)[1]
    g = generic(key.split(" ", 1)[1])
    return g == field or g.startswith(field + ".") or g.startswith(field + "[]")


def test_the_comparison_sees_differences() -> None:
    """The normalizer and the allowlist on made-up answers: a changed value, a
    missing field and a status are differences; ids, times, nulls against
    absent fields and allowlisted fields are not."""
    run = {"dag_run_id": "r", "id": 1, "state": "success", "end_date": "2026-12-01T00:00:00.123+00:00", "note": None}
    same = {"dag_run_id": "r", "id": 2, "state": "success", "end_date": "2026-12-02T10:00:00Z"}
    ok = {"ok": True, "error": "", "status": 200}
    assert differences("x", {**ok, "body": run}, {**ok, "body": same}) == {}
    found = differences("x", {**ok, "body": {"dag_runs": [run]}}, {**ok, "body": {"dag_runs": [{**same, "state": "failed", "end_date": None}]}})
    assert set(found) == {"x dag_runs.0.state", "x dag_runs.0.end_date"}
    assert not any(allowed(k) for k in found)
    assert allowed("x dag_runs.0.scheduled_when") and allowed("trigger_2 start_date") and not allowed("get_run start_date")
    assert differences("x", {**ok, "body": run}, {"ok": False, "error": "404", "status": 404}) == {"x:status": "airflow 200  dagworker 404 404"}
    assert not allowed("x:status") and allowed("health dag_processor.status")

"""Airflow operators that trigger dagworker DAG runs and run dagworker tasks."""

from __future__ import annotations

import inspect
from collections.abc import Sequence
from typing import Any

from airflow.sdk import BaseOperator, Context

from dagworker_airflow.client import DagworkerRunFailed
from dagworker_airflow.hooks import DagworkerHook
from dagworker_airflow.triggers import DagworkerTrigger

try:  # Airflow 3 task SDK
    from airflow.sdk.exceptions import AirflowException
except ImportError:  # pragma: no cover
    from airflow.exceptions import AirflowException

_BASE_ARGS = set(inspect.signature(BaseOperator.__init__).parameters) - {"self", "kwargs", "args"}

# How long a plain (not deferrable) task operator lets the server hold its
# submit request for the task to finish before it falls back to polling.
_SUBMIT_WAIT = 30.0


def _idempotency_key(context: Context) -> str:
    ti = context["ti"]
    return f"airflow/{ti.dag_id}/{ti.run_id}/{ti.task_id}/{ti.map_index}"


def _finish(event: dict[str, Any], what: str) -> dict[str, Any]:
    if event["status"] == "success":
        return dict(event["body"])
    if event["status"] == "failed":
        raise DagworkerRunFailed(what, event["body"] or {})
    raise AirflowException(f"dagworker {what}: {event.get('http_status', '')} {event.get('body')}")


class DagworkerTriggerDagRunOperator(BaseOperator):
    """Trigger a dagworker DAG run, wait for it and push the run and its outputs to XCom.

    The return value (XCom ``return_value``) is ``{"dag_run_id", "state",
    "outputs"}``. A retry of the Airflow task does not trigger a second run:
    the POST carries an Idempotency-Key derived from the task instance.
    With ``deferrable=True`` the wait happens in the triggerer.
    """

    template_fields: Sequence[str] = ("trigger_dag_id", "conf", "dag_run_id", "logical_date")
    template_fields_renderers = {"conf": "json"}
    ui_color = "#d9ecff"

    def __init__(
        self,
        *,
        trigger_dag_id: str,
        conf: dict[str, Any] | None = None,
        dag_run_id: str | None = None,
        logical_date: str | None = None,
        wait_for_completion: bool = True,
        poke_interval: float = 5.0,
        timeout: float | None = None,
        deferrable: bool = False,
        dagworker_conn_id: str = DagworkerHook.default_conn_name,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.trigger_dag_id = trigger_dag_id
        self.conf = conf
        self.dag_run_id = dag_run_id
        self.logical_date = logical_date
        self.wait_for_completion = wait_for_completion
        self.poke_interval = poke_interval
        self.timeout_seconds = timeout
        self.deferrable = deferrable
        self.dagworker_conn_id = dagworker_conn_id

    def execute(self, context: Context) -> dict[str, Any]:
        hook = DagworkerHook(self.dagworker_conn_id)
        client = hook.get_conn()
        run = client.trigger_dag_run(
            self.trigger_dag_id,
            conf=self.conf,
            dag_run_id=self.dag_run_id,
            logical_date=self.logical_date,
            idempotency_key=_idempotency_key(context),
        )
        run_id = run["dag_run_id"]
        context["ti"].xcom_push(key="dag_run_id", value=run_id)
        self.log.info("triggered dagworker run %s of %s", run_id, self.trigger_dag_id)
        if not self.wait_for_completion:
            return {"dag_run_id": run_id, "state": run["state"], "outputs": {}}
        if self.deferrable:
            url, headers = hook.settings()
            self.defer(
                trigger=DagworkerTrigger(
                    base_url=url,
                    headers=headers,
                    kind="run",
                    dag_id=self.trigger_dag_id,
                    run_id=run_id,
                    poll_interval=self.poke_interval,
                    timeout=self.timeout_seconds,
                ),
                method_name="execute_complete",
            )
        done = client.wait_for_dag_run(self.trigger_dag_id, run_id, self.poke_interval, self.timeout_seconds)
        return self._result(done)

    def execute_complete(self, context: Context, event: dict[str, Any]) -> dict[str, Any]:
        """Resume after the trigger fired."""
        return self._result(_finish(event, f"run of {self.trigger_dag_id}"))

    def _result(self, done: dict[str, Any]) -> dict[str, Any]:
        self.log.info("dagworker run %s ended %s", done["dag_run_id"], done["state"])
        return {"dag_run_id": done["dag_run_id"], "state": done["state"], "outputs": done.get("outputs", {})}


class DagworkerTaskOperator(BaseOperator):
    """Run one dagworker task (ad hoc, outside any dagworker DAG) and wait for it.

    Keyword arguments that are not BaseOperator's are the task's arguments
    (so a dag-factory YAML task maps one to one). The return value is the
    task's output URI; the whole result is pushed under the key ``result``.
    """

    task_type: str = ""
    template_fields: Sequence[str] = ("args",)
    template_fields_renderers = {"args": "json"}
    ui_color = "#e8f7e4"

    def __init__(
        self,
        *,
        task_type: str | None = None,
        args: dict[str, Any] | None = None,
        queue_name: str | None = None,
        poke_interval: float = 2.0,
        timeout: float | None = None,
        deferrable: bool = False,
        dagworker_conn_id: str = DagworkerHook.default_conn_name,
        **kwargs: Any,
    ) -> None:
        base = {k: v for k, v in kwargs.items() if k in _BASE_ARGS}
        extra = {k: v for k, v in kwargs.items() if k not in _BASE_ARGS}
        super().__init__(**base)
        self.task_type = task_type or self.task_type
        if not self.task_type:
            raise ValueError("task_type is required")
        self.args = {**(args or {}), **extra}
        self.queue_name = queue_name
        self.poke_interval = poke_interval
        self.timeout_seconds = timeout
        self.deferrable = deferrable
        self.dagworker_conn_id = dagworker_conn_id

    def execute(self, context: Context) -> Any:
        hook = DagworkerHook(self.dagworker_conn_id)
        client = hook.get_conn()
        wait = None if self.deferrable else min(_SUBMIT_WAIT, self.timeout_seconds or _SUBMIT_WAIT)
        t = client.run_task(self.task_type, self.args, queue=self.queue_name, wait=wait)
        self.log.info("submitted dagworker %s task %s", self.task_type, t["id"])
        if self.deferrable and t["state"] not in ("success", "failed"):
            url, headers = hook.settings()
            self.defer(
                trigger=DagworkerTrigger(
                    base_url=url,
                    headers=headers,
                    kind="task",
                    task_id=t["id"],
                    poll_interval=self.poke_interval,
                    timeout=self.timeout_seconds,
                ),
                method_name="execute_complete",
            )
        if t["state"] == "failed":
            raise DagworkerRunFailed(f"task {t['id']}", t)
        done = t if t["state"] == "success" else client.wait_for_task(t["id"], self.poke_interval, self.timeout_seconds)
        return self._result(context, done)

    def execute_complete(self, context: Context, event: dict[str, Any]) -> Any:
        """Resume after the trigger fired."""
        return self._result(context, _finish(event, f"{self.task_type} task"))

    def _result(self, context: Context, done: dict[str, Any]) -> Any:
        if done.get("log"):
            self.log.info("dagworker task log:\n%s", done["log"])
        context["ti"].xcom_push(key="result", value=done.get("result"))
        return done.get("output_uri") or done.get("result")


class ScrapeOperator(DagworkerTaskOperator):
    """Run dagworker's ``scrape`` task (urls, max_pages, selector, ...)."""

    task_type = "scrape"


class ClassifyOperator(DagworkerTaskOperator):
    """Run dagworker's ``classify`` task (model, pipeline, labels, ...)."""

    task_type = "classify"


class RenderOperator(DagworkerTaskOperator):
    """Run dagworker's ``render`` task (title, input, ...)."""

    task_type = "render"


class EchoOperator(DagworkerTaskOperator):
    """Run dagworker's ``echo`` task: its arguments come back as the result."""

    task_type = "echo"


class NoopOperator(DagworkerTaskOperator):
    """Run dagworker's ``noop`` task (a fan-out or fan-in point that succeeds at once)."""

    task_type = "noop"

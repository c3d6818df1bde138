"""The dagworker HTTP API's calls, over ``requests`` only (no Airflow).

``DagworkerClient`` is the one implementation of the HTTP calls: the Airflow
hook and operators use it, and so does the notebook-friendly
:class:`dagworker_airflow.Client` (typed results, progress bars, outputs as
DataFrames), which most callers want instead::

    from dagworker_airflow import DagworkerClient

    c = DagworkerClient("http://127.0.0.1:8080", token="...")
    run = c.trigger_dag_run("nightly_sites", conf={"sites": ["https://example.org"]})
    run = c.wait_for_dag_run("nightly_sites", run["dag_run_id"])
    print(c.outputs("nightly_sites", run["dag_run_id"]))
"""

from __future__ import annotations

import json
import time
import uuid
from typing import Any
from urllib.parse import quote

import requests

FINISHED = ("success", "failed")

# A 503 is retried this many times, after its Retry-After (capped) or 1s.
RETRIES_503 = 3
MAX_RETRY_AFTER = 30.0


def _retry_after(r: requests.Response) -> float:
    """Seconds to wait before retrying a 503: Retry-After (delta seconds), capped."""
    v = r.headers.get("Retry-After", "")
    try:
        return min(max(float(v), 0.0), MAX_RETRY_AFTER)
    except ValueError:
        return 1.0


class DagworkerError(Exception):
    """An API call failed; ``status`` is the HTTP status and ``detail`` Airflow's detail."""

    def __init__(self, status: int, detail: Any, url: str) -> None:
        super().__init__(f"dagworker {url}: HTTP {status}: {detail}")
        self.status = status
        self.detail = detail
        self.url = url


class DagworkerRunFailed(Exception):
    """A DAG run or an ad-hoc task ended in the failed state."""

    def __init__(self, what: str, body: dict[str, Any]) -> None:
        super().__init__(f"dagworker {what} failed")
        self.body = body


def _q(s: str) -> str:
    return quote(s, safe="")


class DagworkerClient:
    """Client of dagworker's HTTP API (Airflow REST v2 subset plus ad-hoc tasks).

    Authenticate with a static or JWT ``token`` (Bearer), or ``username`` and
    ``password`` (HTTP Basic), or :meth:`login` for a JWT. A 503 (dagworker's
    Redis is unreachable) is retried ``retries_503`` times after its
    ``Retry-After`` (at most 30 s); a trigger carries an Idempotency-Key, so a
    retried POST creates one run.
    """

    def __init__(
        self,
        base_url: str,
        token: str | None = None,
        username: str | None = None,
        password: str | None = None,
        timeout: float = 30.0,
        session: requests.Session | None = None,
        retries_503: int = RETRIES_503,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.retries_503 = retries_503
        # Set by login: a 401 (the JWT expired) logs in again once and retries.
        self._credentials: tuple[str, str] | None = None
        self.session = session or requests.Session()
        if token:
            self.session.headers["Authorization"] = f"Bearer {token}"
        elif username is not None and password is not None:
            self.session.auth = (username, password)

    def _request(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        params: Any = None,
        headers: dict[str, str] | None = None,
        timeout: float | None = None,
        stream: bool = False,
    ) -> requests.Response:
        """Send one request; a 503 is retried after its Retry-After, at most retries_503 times."""
        url = self.base_url + path
        relogin = self._credentials is not None and path != "/auth/token"
        for attempt in range(self.retries_503 + 1):
            r = self.session.request(
                method, url, json=json, params=params, headers=headers, timeout=timeout or self.timeout, stream=stream
            )
            if r.status_code == 401 and relogin and self._credentials is not None:
                relogin = False
                r.close()
                self.login(*self._credentials)
                r = self.session.request(
                    method, url, json=json, params=params, headers=headers, timeout=timeout or self.timeout, stream=stream
                )
            if r.status_code != 503 or attempt == self.retries_503:
                return r
            delay = _retry_after(r)
            r.close()
            time.sleep(delay)
        raise AssertionError("unreachable")

    @staticmethod
    def _error(r: requests.Response) -> DagworkerError:
        body: Any = None
        try:
            body = r.json()
        except ValueError:
            body = r.text
        detail = body.get("detail") if isinstance(body, dict) else body
        return DagworkerError(r.status_code, detail, r.url)

    def _call(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        params: Any = None,
        headers: dict[str, str] | None = None,
        ok: tuple[int, ...] = (200, 201, 202),
        timeout: float | None = None,
    ) -> tuple[int, Any]:
        url = self.base_url + path
        r = self._request(method, path, json=json, params=params, headers=headers, timeout=timeout)
        body: Any = None
        if r.content:
            try:
                body = r.json()
            except ValueError:
                body = r.text
        if r.status_code not in ok:
            detail = body.get("detail") if isinstance(body, dict) else body
            raise DagworkerError(r.status_code, detail, url)
        return r.status_code, body

    # Authentication and DAGs ---------------------------------------------

    def login(self, username: str, password: str) -> str:
        """Exchange a user's password for a JWT (POST /auth/token) and use it from now on.

        When the JWT expires (a 401), the client logs in again once and retries the call.
        """
        self.session.auth = None
        self.session.headers.pop("Authorization", None)
        _, body = self._call("POST", "/auth/token", json={"username": username, "password": password}, ok=(200, 201))
        token = str(body["access_token"])
        self.session.headers["Authorization"] = f"Bearer {token}"
        self._credentials = (username, password)
        return token

    def list_dags(self, limit: int = 100, offset: int = 0, **filters: Any) -> dict[str, Any]:
        """Return one page of DAGs (Airflow's DAGCollectionResponse)."""
        params = {"limit": limit, "offset": offset, **filters}
        return dict(self._call("GET", "/api/v2/dags", params=params)[1])

    def set_paused(self, dag_id: str, paused: bool) -> dict[str, Any]:
        """Pause or unpause a DAG (a paused DAG gets no scheduled runs; triggered ones still run)."""
        _, body = self._call("PATCH", f"/api/v2/dags/{_q(dag_id)}", json={"is_paused": paused}, params={"update_mask": "is_paused"})
        return dict(body)

    # DAG runs -----------------------------------------------------------

    def trigger_dag_run(
        self,
        dag_id: str,
        conf: dict[str, Any] | None = None,
        dag_run_id: str | None = None,
        logical_date: str | None = None,
        note: str | None = None,
        wait: float | None = None,
        idempotency_key: str | None = None,
    ) -> dict[str, Any]:
        """Trigger a run; with ``wait`` (seconds) the server waits for its end.

        An ``idempotency_key`` (default: a fresh UUID) makes a retried POST
        return the same run instead of creating a second one.
        """
        body: dict[str, Any] = {"conf": conf or {}}
        if dag_run_id:
            body["dag_run_id"] = dag_run_id
        if logical_date:
            body["logical_date"] = logical_date
        if note:
            body["note"] = note
        params = {"wait": f"{wait}s"} if wait else None
        headers = {"Idempotency-Key": idempotency_key or str(uuid.uuid4())}
        _, run = self._call(
            "POST",
            f"/api/v2/dags/{_q(dag_id)}/dagRuns",
            json=body,
            params=params,
            headers=headers,
            timeout=(wait or 0) + self.timeout,
        )
        return dict(run)

    def get_dag_run(self, dag_id: str, run_id: str) -> dict[str, Any]:
        """Return one run (Airflow's DAGRunResponse)."""
        return dict(self._call("GET", f"/api/v2/dags/{_q(dag_id)}/dagRuns/{_q(run_id)}")[1])

    def list_dag_runs(
        self,
        dag_id: str,
        state: str | list[str] | None = None,
        limit: int = 100,
        offset: int = 0,
        order_by: str = "-run_after",
    ) -> dict[str, Any]:
        """Return one page of a DAG's runs (``~`` for every DAG), newest first by default."""
        params: list[tuple[str, Any]] = [("limit", limit), ("offset", offset), ("order_by", order_by)]
        for s in [state] if isinstance(state, str) else state or []:
            params.append(("state", s))
        return dict(self._call("GET", f"/api/v2/dags/{_q(dag_id)}/dagRuns", params=params)[1])

    def sensor(self, dag_id: str, run_id: str) -> dict[str, Any] | None:
        """Return the finished run with its outputs, None while it runs; raise if it failed."""
        status, body = self._call(
            "GET", f"/api/v2/dags/{_q(dag_id)}/dagRuns/{_q(run_id)}/sensor", ok=(200, 404, 424)
        )
        if status == 404:
            if isinstance(body, dict) and "not found" in str(body.get("detail", "")):
                raise DagworkerError(status, body.get("detail"), run_id)
            return None
        if status == 424:
            raise DagworkerRunFailed(f"run {dag_id}/{run_id}", body if isinstance(body, dict) else {})
        return dict(body)

    def wait_for_dag_run(
        self, dag_id: str, run_id: str, poll_interval: float = 2.0, timeout: float | None = None
    ) -> dict[str, Any]:
        """Poll until the run finishes; return it with ``outputs``, raise if it failed."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            done = self.sensor(dag_id, run_id)
            if done is not None:
                return done
            if deadline is not None and time.monotonic() > deadline:
                raise TimeoutError(f"dagworker run {dag_id}/{run_id} not finished after {timeout}s")
            time.sleep(poll_interval)

    def outputs(self, dag_id: str, run_id: str) -> dict[str, Any]:
        """Return the return value of each task of a successful run."""
        done = self.sensor(dag_id, run_id)
        return dict(done["outputs"]) if done else {}

    def task_instances(self, dag_id: str, run_id: str) -> list[dict[str, Any]]:
        """Return the task instances of a run."""
        _, body = self._call("GET", f"/api/v2/dags/{_q(dag_id)}/dagRuns/{_q(run_id)}/taskInstances")
        return list(body["task_instances"])

    def get_log(self, dag_id: str, run_id: str, task_id: str, try_number: int = 1) -> str:
        """Return the log of one try as text."""
        path = f"/api/v2/dags/{_q(dag_id)}/dagRuns/{_q(run_id)}/taskInstances/{_q(task_id)}/logs/{try_number}"
        _, body = self._call("GET", path)
        return "\n".join(_log_line(line) if isinstance(line, dict) else str(line) for line in body["content"])

    # Data lake outputs --------------------------------------------------

    def list_outputs(self, dag_id: str, run_id: str, task_id: str | None = None) -> list[dict[str, Any]]:
        """Return the data lake objects a run (or one of its tasks) wrote: name, size, url, uri..."""
        path = f"/api/dagworker/v1/outputs/{_q(dag_id)}/{_q(run_id)}"
        if task_id:
            path += f"/{_q(task_id)}"
        return list(self._call("GET", path)[1]["outputs"])

    def get_output(
        self, dag_id: str, run_id: str, task_id: str, name: str, start: int | None = None, end: int | None = None
    ) -> requests.Response:
        """Open one output for streaming (the caller closes the response).

        ``start`` and ``end`` (inclusive) ask for a byte range; the answer
        is then 206 with those bytes.
        """
        path = f"/api/dagworker/v1/outputs/{_q(dag_id)}/{_q(run_id)}/{_q(task_id)}/{_q(name)}"
        headers = {}
        if start is not None or end is not None:
            headers["Range"] = f"bytes={start or 0}-{'' if end is None else end}"
        r = self._request("GET", path, headers=headers, stream=True)
        if r.status_code not in (200, 206):
            err = self._error(r)
            r.close()
            raise err
        return r

    # Ad-hoc tasks -------------------------------------------------------

    def run_task(
        self, task_type: str, args: dict[str, Any] | None = None, queue: str | None = None, wait: float | None = None
    ) -> dict[str, Any]:
        """Submit one ad-hoc task (scrape, classify, render, ...); ``wait`` seconds for its end."""
        body: dict[str, Any] = {"type": task_type, "args": args or {}}
        if queue:
            body["queue"] = queue
        if wait:
            body["wait"] = f"{wait}s"
        _, t = self._call("POST", "/api/dagworker/v1/tasks", json=body, timeout=(wait or 0) + self.timeout)
        return dict(t)

    def get_task(self, task_id: str) -> dict[str, Any]:
        """Return an ad-hoc task: state, result, output_uri, error, log."""
        return dict(self._call("GET", f"/api/dagworker/v1/tasks/{_q(task_id)}")[1])

    def wait_for_task(self, task_id: str, poll_interval: float = 1.0, timeout: float | None = None) -> dict[str, Any]:
        """Poll until the task finishes; return it, raise if it failed."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            t = self.get_task(task_id)
            if t["state"] == "success":
                return t
            if t["state"] == "failed":
                raise DagworkerRunFailed(f"task {task_id}", t)
            if deadline is not None and time.monotonic() > deadline:
                raise TimeoutError(f"dagworker task {task_id} not finished after {timeout}s")
            time.sleep(poll_interval)


def _log_value(v: Any) -> str:
    """A value as slog's text handler writes it: quoted when it needs to be."""
    v = str(v)
    if v == "" or any(c in v for c in ' ="\\\t\n'):
        return json.dumps(v, ensure_ascii=False)
    return v


def _log_line(entry: dict[str, Any]) -> str:
    """A structured log entry (timestamp, level, logger, event and the
    record's other attributes) as the worker's slog text line."""
    parts = []
    if entry.get("timestamp"):
        parts.append(f"time={entry['timestamp']}")
    parts.append(f"level={str(entry.get('level', 'info')).upper()}")
    parts.append(f"msg={_log_value(entry.get('event', ''))}")
    for k in sorted(entry):
        if k not in ("timestamp", "level", "logger", "event"):
            parts.append(f"{k}={_log_value(entry[k])}")
    return " ".join(parts)

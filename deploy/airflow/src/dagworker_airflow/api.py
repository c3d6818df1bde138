"""A dagworker client that feels native in a notebook or a script.

::

    from dagworker_airflow import Client

    c = Client()  # DAGWORKER_API_URL, DAGWORKER_TOKEN (or DAGWORKER_USER/DAGWORKER_PASSWORD)
    run = c.trigger("nightly_sites", conf={"sites": ["https://example.org"]})  # waits, with a progress bar
    df = c.read_jsonl(run, "classify")          # a pandas DataFrame when pandas is installed
    c.download(run, "report", "report.pdf", "report.pdf")

Every HTTP call goes through :class:`~dagworker_airflow.client.DagworkerClient`
(the same calls the Airflow provider makes). Results are typed dataclasses
that keep the server's JSON in ``raw``; a failed call raises
:class:`~dagworker_airflow.client.DagworkerError` with the server's
``status`` and ``detail``.
"""

from __future__ import annotations

import io
import json
import os
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Union

from dagworker_airflow.client import FINISHED, DagworkerClient, DagworkerError, DagworkerRunFailed

if TYPE_CHECKING:
    import pandas

DEFAULT_URL = "http://127.0.0.1:8080"

# A run is a Run, or a (dag_id, run_id) pair.
RunRef = Union["Run", tuple[str, str]]


@dataclass(frozen=True)
class DAG:
    """One DAG (Airflow's DAGResponse, the fields most callers read)."""

    dag_id: str
    is_paused: bool
    description: str | None
    tags: list[str]
    schedule: str | None
    raw: dict[str, Any] = field(repr=False, compare=False)

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> DAG:
        return cls(
            dag_id=d["dag_id"],
            is_paused=bool(d.get("is_paused")),
            description=d.get("description"),
            tags=[t["name"] if isinstance(t, dict) else str(t) for t in d.get("tags") or []],
            schedule=d.get("timetable_summary"),
            raw=d,
        )


@dataclass(frozen=True)
class Run:
    """One DAG run (Airflow's DAGRunResponse)."""

    dag_id: str
    run_id: str
    state: str
    conf: dict[str, Any]
    logical_date: str | None
    start_date: str | None
    end_date: str | None
    duration: float | None
    raw: dict[str, Any] = field(repr=False, compare=False)

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> Run:
        return cls(
            dag_id=d["dag_id"],
            run_id=d["dag_run_id"],
            state=d.get("state") or "queued",
            conf=dict(d.get("conf") or {}),
            logical_date=d.get("logical_date"),
            start_date=d.get("start_date"),
            end_date=d.get("end_date"),
            duration=d.get("duration"),
            raw=d,
        )

    @property
    def finished(self) -> bool:
        """Whether the run ended (success or failed)."""
        return self.state in FINISHED


@dataclass(frozen=True)
class TaskInstance:
    """One task instance of a run (Airflow's TaskInstanceResponse)."""

    dag_id: str
    run_id: str
    task_id: str
    state: str | None
    try_number: int
    operator: str | None
    start_date: str | None
    end_date: str | None
    duration: float | None
    raw: dict[str, Any] = field(repr=False, compare=False)

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> TaskInstance:
        return cls(
            dag_id=d["dag_id"],
            run_id=d["dag_run_id"],
            task_id=d["task_id"],
            state=d.get("state"),
            try_number=int(d.get("try_number") or 0),
            operator=d.get("operator"),
            start_date=d.get("start_date"),
            end_date=d.get("end_date"),
            duration=d.get("duration"),
            raw=d,
        )


@dataclass(frozen=True)
class Task:
    """One ad-hoc task (POST /api/dagworker/v1/tasks)."""

    id: str
    type: str
    state: str
    result: Any
    output_uri: str | None
    error: str | None
    log: str | None
    raw: dict[str, Any] = field(repr=False, compare=False)

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> Task:
        return cls(
            id=d["id"],
            type=d["type"],
            state=d["state"],
            result=d.get("result"),
            output_uri=d.get("output_uri") or None,
            error=d.get("error") or None,
            log=d.get("log") or None,
            raw=d,
        )

    @property
    def run(self) -> tuple[str, str]:
        """The (dag_id, run_id) the task's outputs are listed under."""
        return ("adhoc", self.id)


@dataclass(frozen=True)
class Output:
    """One object a task wrote to the data lake."""

    dag_id: str
    run_id: str
    task_id: str
    name: str
    size: int
    content_type: str
    url: str
    uri: str
    raw: dict[str, Any] = field(repr=False, compare=False)

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> Output:
        return cls(
            dag_id=d["dag_id"],
            run_id=d["dag_run_id"],
            task_id=d["task_id"],
            name=d["name"],
            size=int(d.get("size") or 0),
            content_type=d.get("content_type") or "application/octet-stream",
            url=d.get("url") or "",
            uri=d.get("uri") or "",
            raw=d,
        )


def _ref(run: RunRef | Task) -> tuple[str, str]:
    if isinstance(run, Run):
        return run.dag_id, run.run_id
    if isinstance(run, Task):
        return run.run
    dag_id, run_id = run
    return str(dag_id), str(run_id)


def _in_notebook() -> bool:
    """Whether this runs in a Jupyter kernel (where tqdm's widget shows)."""
    try:
        from IPython import get_ipython
    except ImportError:
        return False
    shell = get_ipython()
    return shell is not None and "IPKernelApp" in getattr(shell, "config", {})


class _Progress:
    """A progress bar over a run's tasks: tqdm's widget in Jupyter, text elsewhere, none without tqdm."""

    def __init__(self, enabled: bool, desc: str) -> None:
        self.desc = desc
        self.bar: Any = None
        self.factory: Any = None
        if not enabled:
            return
        try:
            if _in_notebook():
                try:
                    import ipywidgets  # noqa: F401  (tqdm.notebook needs it)
                    from tqdm.notebook import tqdm
                except ImportError:
                    from tqdm import tqdm
            else:
                from tqdm import tqdm
        except ImportError:
            return
        self.factory = tqdm

    def update(self, done: int, total: int, status: str) -> None:
        if self.factory is None:
            return
        if self.bar is None:  # made at the first poll, when the number of tasks is known
            self.bar = self.factory(total=total, desc=self.desc, unit="task")
        if self.bar.total != total:
            self.bar.total = total
        self.bar.n = done
        self.bar.set_postfix_str(status, refresh=False)
        self.bar.refresh()

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


class Client:
    """dagworker's API from Python: DAGs, runs, task instances, logs, ad-hoc tasks and outputs.

    ``url`` defaults to ``DAGWORKER_API_URL`` (else ``http://127.0.0.1:8080``);
    credentials to ``token`` or ``DAGWORKER_TOKEN`` (a static API token or a
    JWT), else ``user``/``password`` or ``DAGWORKER_USER``/``DAGWORKER_PASSWORD``,
    exchanged for a JWT through ``POST /auth/token``.
    """

    def __init__(
        self,
        url: str | None = None,
        token: str | None = None,
        user: str | None = None,
        password: str | None = None,
        *,
        timeout: float = 30.0,
        retries_503: int = 3,
    ) -> None:
        url = url or os.environ.get("DAGWORKER_API_URL") or DEFAULT_URL
        if token is None and user is None:
            token = os.environ.get("DAGWORKER_TOKEN") or None
        if token is None:
            user = user or os.environ.get("DAGWORKER_USER") or None
            password = password if password is not None else os.environ.get("DAGWORKER_PASSWORD")
        self.api = DagworkerClient(url, token=token, timeout=timeout, retries_503=retries_503)
        self._user = user
        self._password = password
        if token is None and user is not None:
            if password is None:
                raise ValueError("dagworker: a user needs a password (or DAGWORKER_PASSWORD)")
            self.api.login(user, password)

    @property
    def url(self) -> str:
        """The server's base URL."""
        return self.api.base_url

    def __repr__(self) -> str:
        return f"Client({self.url!r})"

    def version(self) -> dict[str, Any]:
        """The server's version (GET /api/v2/version)."""
        return dict(self.api._call("GET", "/api/v2/version")[1])

    # DAGs and runs ---------------------------------------------------------

    def dags(self) -> list[DAG]:
        """Every DAG the server loaded."""
        out: list[DAG] = []
        while True:
            page = self.api.list_dags(limit=100, offset=len(out))
            out += [DAG.from_json(d) for d in page["dags"]]
            if not page["dags"] or len(out) >= page["total_entries"]:
                return out

    def pause(self, dag_id: str, paused: bool = True) -> DAG:
        """Pause a DAG (``paused=False``: unpause): no scheduled runs; triggered runs still run."""
        return DAG.from_json(self.api.set_paused(dag_id, paused))

    def run(self, dag_id: str, run_id: str) -> Run:
        """One run."""
        return Run.from_json(self.api.get_dag_run(dag_id, run_id))

    def runs(self, dag_id: str = "~", state: str | list[str] | None = None, limit: int = 100) -> list[Run]:
        """The newest runs of a DAG (``~``: of every DAG), optionally only in ``state``."""
        page = self.api.list_dag_runs(dag_id, state=state, limit=limit)
        return [Run.from_json(r) for r in page["dag_runs"]]

    def trigger(
        self,
        dag_id: str,
        conf: dict[str, Any] | None = None,
        *,
        wait: bool = True,
        progress: bool = True,
        timeout: float | None = None,
        poll_interval: float = 1.0,
        run_id: str | None = None,
        logical_date: str | None = None,
        check: bool = True,
    ) -> Run:
        """Trigger a run; with ``wait`` poll until it ends, showing a bar of its tasks.

        A failed run raises :class:`DagworkerRunFailed` (its ``body`` is the
        run) unless ``check=False``; ``timeout`` seconds raise TimeoutError.
        """
        run = Run.from_json(self.api.trigger_dag_run(dag_id, conf=conf, dag_run_id=run_id, logical_date=logical_date))
        if wait:
            run = self.wait(run, progress=progress, timeout=timeout, poll_interval=poll_interval, check=check)
        return run

    def wait(
        self,
        run: RunRef,
        *,
        progress: bool = True,
        timeout: float | None = None,
        poll_interval: float = 1.0,
        check: bool = True,
    ) -> Run:
        """Poll a run until it ends (see :meth:`trigger`)."""
        dag_id, run_id = _ref(run)
        deadline = None if timeout is None else time.monotonic() + timeout
        bar = _Progress(progress, f"{dag_id}")
        try:
            while True:
                r = self.run(dag_id, run_id)
                tis = self.task_instances(r)
                done = sum(1 for t in tis if t.state in ("success", "failed", "skipped", "upstream_failed", "removed"))
                running = [t.task_id for t in tis if t.state == "running"]
                bar.update(done, len(tis), r.state + (f": {', '.join(running)}" if running else ""))
                if r.finished:
                    break
                if deadline is not None and time.monotonic() > deadline:
                    raise TimeoutError(f"dagworker run {dag_id}/{run_id} still {r.state} after {timeout}s")
                time.sleep(poll_interval)
        finally:
            bar.close()
        if check and r.state != "success":
            raise DagworkerRunFailed(f"run {dag_id}/{run_id}", r.raw)
        return r

    def task_instances(self, run: RunRef) -> list[TaskInstance]:
        """The task instances of a run."""
        return [TaskInstance.from_json(t) for t in self.api.task_instances(*_ref(run))]

    def log(self, run: RunRef, task_id: str, try_number: int = 1) -> str:
        """The log of one try of a task, as text."""
        return self.api.get_log(*_ref(run), task_id, try_number)

    def xcom(self, run: RunRef) -> dict[str, Any]:
        """The return value of each task of a finished, successful run."""
        dag_id, run_id = _ref(run)
        return self.api.outputs(dag_id, run_id)

    # Ad-hoc tasks ----------------------------------------------------------

    def run_task(
        self,
        type: str,
        args: dict[str, Any] | None = None,
        *,
        wait: bool = True,
        timeout: float | None = None,
        queue: str | None = None,
        poll_interval: float = 1.0,
        check: bool = True,
    ) -> Task:
        """Run one ad-hoc task (``scrape``, ``classify``, ``render``, ``echo``...).

        With ``wait`` it returns the finished task; a failed one raises
        :class:`DagworkerRunFailed` unless ``check=False``.
        """
        server_wait = None
        if wait:
            server_wait = 60.0 if timeout is None else min(60.0, timeout)
        t = Task.from_json(self.api.run_task(type, args or {}, queue=queue, wait=server_wait))
        if wait and t.state not in FINISHED:
            remaining = None if timeout is None else max(timeout - (server_wait or 0), 0.0)
            deadline = None if remaining is None else time.monotonic() + remaining
            while t.state not in FINISHED:
                if deadline is not None and time.monotonic() > deadline:
                    raise TimeoutError(f"dagworker task {t.id} still {t.state} after {timeout}s")
                time.sleep(poll_interval)
                t = self.task(t.id)
        if wait and check and t.state == "failed":
            raise DagworkerRunFailed(f"{type} task {t.id}: {t.error}", t.raw)
        return t

    def task(self, id: str) -> Task:
        """One ad-hoc task."""
        return Task.from_json(self.api.get_task(id))

    # Outputs ---------------------------------------------------------------

    def outputs(self, run: RunRef | Task, task_id: str | None = None) -> list[Output]:
        """The data lake objects a run (or one of its tasks, or an ad-hoc task) wrote."""
        return [Output.from_json(o) for o in self.api.list_outputs(*_ref(run), task_id)]

    def _output_name(self, run: RunRef | Task, task_id: str, name: str | None, suffix: str) -> str:
        if name:
            return name
        names = [o.name for o in self.outputs(run, task_id)]
        fits = [n for n in names if n.endswith(suffix)]
        if len(fits) != 1:
            dag_id, run_id = _ref(run)
            raise ValueError(f"dagworker: task {task_id} of {dag_id}/{run_id} has outputs {names}: name the one to read")
        return fits[0]

    def read_bytes(
        self,
        run: RunRef | Task,
        task_id: str,
        name: str,
        start: int | None = None,
        end: int | None = None,
    ) -> bytes:
        """One output's bytes (``start``..``end`` inclusive: only that range)."""
        with self.api.get_output(*_ref(run), task_id, name, start=start, end=end) as r:
            return bytes(r.content)

    def iter_jsonl(self, run: RunRef | Task, task_id: str, name: str | None = None) -> Iterator[dict[str, Any]]:
        """Stream the records of a JSONL output one by one (``name``: the task's only .jsonl output)."""
        name = self._output_name(run, task_id, name, ".jsonl")
        with self.api.get_output(*_ref(run), task_id, name) as r:
            for line in r.iter_lines():
                if line.strip():
                    yield json.loads(line)

    def read_jsonl(
        self,
        run: RunRef | Task,
        task_id: str,
        name: str | None = None,
        *,
        as_frame: bool | None = None,
    ) -> pandas.DataFrame | list[dict[str, Any]]:
        """The records of a JSONL output: a pandas DataFrame when pandas is installed, else a list of dicts.

        ``as_frame=False`` always gives the list; ``True`` requires pandas.
        """
        records = list(self.iter_jsonl(run, task_id, name))
        if as_frame is False:
            return records
        try:
            import pandas
        except ImportError:
            if as_frame:
                raise
            return records
        return pandas.DataFrame.from_records(records)

    def download(
        self, run: RunRef | Task, task_id: str, name: str, path: str | os.PathLike[str] | None = None
    ) -> Path:
        """Save one output to ``path`` (a file, or a folder to put ``name`` in; default: ``name`` here)."""
        dest = Path(path) if path is not None else Path(name)
        if dest.is_dir():
            dest = dest / name
        tmp = dest.with_name(dest.name + ".part")
        try:
            with self.api.get_output(*_ref(run), task_id, name) as r, open(tmp, "wb") as f:
                for chunk in r.iter_content(chunk_size=1 << 16):
                    f.write(chunk)
            os.replace(tmp, dest)
        finally:
            tmp.unlink(missing_ok=True)
        return dest

    def open(self, run: RunRef | Task, task_id: str, name: str) -> io.BytesIO:
        """One output in memory as a binary file object."""
        return io.BytesIO(self.read_bytes(run, task_id, name))


__all__ = [
    "DAG",
    "Client",
    "DagworkerError",
    "DagworkerRunFailed",
    "Output",
    "Run",
    "Task",
    "TaskInstance",
]

"""The standalone Python client (dagworker_airflow.Client) against a real serve; no Airflow imported."""

from __future__ import annotations

import hashlib
import http.server
import subprocess
import sys
import threading
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas
import pytest

from dagworker_airflow import Client, DagworkerError, DagworkerRunFailed, Output, Run, TaskInstance


@pytest.fixture()
def client(base_url: str, token: str) -> Client:
    return Client(base_url, token=token)


@pytest.fixture(scope="module")
def nightly(base_url: str, token: str, demo_site: str) -> Run:
    """One run of the shipped nightly DAG against the demo site."""
    c = Client(base_url, token=token)
    conf = {"sites": [demo_site + "/"], "allow_private": True, "max_pages": 30}
    return c.trigger("nightly_sites", conf=conf, progress=False, timeout=600)


def test_env_and_dags(monkeypatch: pytest.MonkeyPatch, base_url: str, token: str) -> None:
    monkeypatch.setenv("DAGWORKER_API_URL", base_url)
    monkeypatch.setenv("DAGWORKER_TOKEN", token)
    c = Client()
    assert c.url == base_url
    dags = {d.dag_id: d for d in c.dags()}
    assert {"e2e_hello", "e2e_flaky", "nightly_sites"} <= set(dags)
    assert dags["nightly_sites"].is_paused  # e2e.sh paused it
    assert "nightly" in dags["nightly_sites"].tags
    assert c.pause("e2e_flaky").is_paused
    assert {d.dag_id: d.is_paused for d in c.dags()}["e2e_flaky"]
    assert not c.pause("e2e_flaky", False).is_paused
    with pytest.raises(DagworkerError) as e:
        c.pause("no_such_dag")
    assert e.value.status == 404


def test_client_needs_no_airflow() -> None:
    code = "import sys, dagworker_airflow; dagworker_airflow.Client; assert 'airflow' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)


def test_user_password_logs_in(monkeypatch: pytest.MonkeyPatch, base_url: str) -> None:
    import os

    c = Client(base_url, user=os.environ["DAGWORKER_E2E_USER"], password=os.environ["DAGWORKER_E2E_PASSWORD"])
    auth = c.api.session.headers["Authorization"]
    assert isinstance(auth, str) and auth.startswith("Bearer ") and auth.count(".") == 2, "a JWT"
    assert c.api.session.auth is None
    assert any(d.dag_id == "e2e_hello" for d in c.dags())

    # An expired (here: spoilt) JWT: the client logs in again once and the call goes through.
    c.api.session.headers["Authorization"] = "Bearer not-a-jwt"
    assert any(d.dag_id == "e2e_hello" for d in c.dags())
    assert c.api.session.headers["Authorization"] != "Bearer not-a-jwt"
    # A token given by the caller is not replaced: a 401 is an error.
    with pytest.raises(DagworkerError) as e401:
        Client(base_url, token="not-a-token").dags()
    assert e401.value.status == 401

    monkeypatch.delenv("DAGWORKER_TOKEN", raising=False)
    monkeypatch.setenv("DAGWORKER_USER", os.environ["DAGWORKER_E2E_USER"])
    monkeypatch.setenv("DAGWORKER_PASSWORD", "wrong")
    with pytest.raises(DagworkerError) as e:
        Client(base_url)
    assert e.value.status == 401
    assert e.value.detail


def test_trigger_with_progress_runs_tis_log(client: Client, capsys: pytest.CaptureFixture[str]) -> None:
    run = client.trigger("e2e_hello", conf={"greeting": "py"}, progress=True, timeout=120, poll_interval=0.2)
    assert isinstance(run, Run) and run.state == "success" and run.finished
    assert run.conf == {"greeting": "py"}
    err = capsys.readouterr().err
    assert "e2e_hello" in err and "2/2" in err, err  # tqdm's text bar on stderr

    assert run.run_id in {r.run_id for r in client.runs("e2e_hello", state="success")}
    assert run.run_id not in {r.run_id for r in client.runs("e2e_hello", state=["failed", "queued"])}
    tis = client.task_instances(run)
    assert all(isinstance(t, TaskInstance) for t in tis)
    assert {t.task_id: t.state for t in tis} == {"greet": "success", "done": "success"}
    assert client.xcom(run)["greet"]["msg"].startswith("py from ")
    log = client.log(run, "greet", 1)
    assert "task_id=greet" in log and "succeeded" in log, log
    assert client.log((run.dag_id, run.run_id), "greet") == log


def test_no_progress_bar(client: Client, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    queued = client.trigger("e2e_hello", wait=False)
    assert queued.state in ("queued", "running", "success")
    run = client.wait(queued, progress=False, timeout=120, poll_interval=0.2)
    assert run.state == "success" and run.run_id == queued.run_id
    assert "e2e_hello" not in capsys.readouterr().err
    # Without tqdm installed the client still waits, with no bar.
    monkeypatch.setitem(sys.modules, "tqdm", None)
    run = client.trigger("e2e_hello", progress=True, timeout=120, poll_interval=0.2)
    assert run.state == "success"
    assert "e2e_hello" not in capsys.readouterr().err


def test_failed_run_and_errors(client: Client) -> None:
    with pytest.raises(DagworkerRunFailed) as e:
        client.trigger("e2e_flaky", progress=False, timeout=120, poll_interval=0.2)
    assert e.value.body["state"] == "failed"
    run = client.trigger("e2e_flaky", progress=False, timeout=120, poll_interval=0.2, check=False)
    assert run.state == "failed"
    assert [t.state for t in client.task_instances(run)] == ["failed"]

    with pytest.raises(DagworkerError) as nf:
        client.run("e2e_hello", "no-such-run")
    assert nf.value.status == 404 and "not found" in str(nf.value.detail)
    with pytest.raises(DagworkerError) as bad:
        client.trigger("no_such_dag", progress=False)
    assert bad.value.status == 404
    with pytest.raises(DagworkerError) as unproc:
        client.outputs(("e2e_hello", ".."))
    assert unproc.value.status in (404, 422)


def test_outputs_read_jsonl_download(client: Client, nightly: Run, tmp_path: Path) -> None:
    assert nightly.state == "success"
    outs = client.outputs(nightly)
    assert all(isinstance(o, Output) for o in outs)
    names = {(o.task_id, o.name) for o in outs}
    assert {("scrape", "pages.jsonl"), ("classify", "classified.jsonl"), ("report", "report.pdf")} <= names
    xcom = client.xcom(nightly)

    df = client.read_jsonl(nightly, "classify")
    assert isinstance(df, pandas.DataFrame)
    assert len(df) == xcom["classify"]["output"]["records"] > 10
    assert {"url", "lang", "label", "score", "text"} <= set(df.columns)
    labelled = df["label"].dropna().value_counts().to_dict()
    assert labelled == xcom["classify"]["labels"]
    records = client.read_jsonl(nightly, "classify", "classified.jsonl", as_frame=False)
    assert isinstance(records, list) and records[0]["url"] == df["url"][0]
    assert len(client.outputs(nightly, "classify")) == 1

    pdf = client.download(nightly, "report", "report.pdf", tmp_path)
    assert pdf == tmp_path / "report.pdf"
    data = pdf.read_bytes()
    report = xcom["report"]["output"]
    assert data.startswith(b"%PDF-") and len(data) == report["size"]
    assert hashlib.sha256(data).hexdigest() == report["sha256"]
    assert not list(tmp_path.glob("*.part"))
    assert client.read_bytes(nightly, "report", "report.pdf", 0, 4) == data[:5]
    assert client.read_bytes(nightly, "report", "report.pdf", 10) == data[10:]

    with pytest.raises(DagworkerError) as e:
        client.download(nightly, "report", "missing.pdf", tmp_path)
    assert e.value.status == 404 and "missing.pdf" in str(e.value.detail)
    assert not (tmp_path / "missing.pdf").exists()
    with pytest.raises(ValueError, match="name the one"):
        client.read_jsonl(nightly, "report")


def test_run_task(client: Client) -> None:
    t = client.run_task("echo", {"msg": "hi"})
    assert t.state == "success" and t.result == {"msg": "hi"}
    t = client.run_task("classify", {"model": "demo-sentiment", "texts": ["What a wonderful, excellent day!"]})
    assert t.state == "success" and t.output_uri
    rows = client.read_jsonl(t, "classify", as_frame=False)
    assert isinstance(rows, list) and rows[0]["label"] == "POSITIVE"
    assert [o.name for o in client.outputs(t)] == ["classified.jsonl"]
    with pytest.raises(DagworkerRunFailed, match="fail task"):
        client.run_task("fail", {"until_try": 5})
    with pytest.raises(DagworkerError) as e:
        client.run_task("no_such_type", {})
    assert e.value.status == 422


class _Flaky(http.server.BaseHTTPRequestHandler):
    """A real HTTP front that answers 503 (Retry-After: 0) to the first ``fails`` requests, then proxies."""

    upstream = ""
    fails = 0
    seen = 0

    def do_GET(self) -> None:  # noqa: N802
        type(self).seen += 1
        if type(self).seen <= type(self).fails:
            body = b'{"detail": "busy", "status": 503, "title": "Service Unavailable", "type": "about:blank"}'
            self.send_response(503)
            self.send_header("Retry-After", "0")
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return
        req = urllib.request.Request(type(self).upstream + self.path, headers={"Authorization": self.headers["Authorization"]})
        with urllib.request.urlopen(req, timeout=10) as r:
            body = r.read()
            self.send_response(r.status)
            self.send_header("Content-Type", r.headers["Content-Type"])
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture()
def flaky(base_url: str) -> Iterator[type[_Flaky]]:
    handler = type("Flaky", (_Flaky,), {"upstream": base_url, "fails": 0, "seen": 0})
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    th = threading.Thread(target=srv.serve_forever, daemon=True)
    th.start()
    handler.url = f"http://127.0.0.1:{srv.server_address[1]}"  # type: ignore[attr-defined]
    try:
        yield handler
    finally:
        srv.shutdown()
        srv.server_close()


def test_retry_on_503(flaky: Any, token: str) -> None:
    flaky.fails = 2
    c = Client(flaky.url, token=token, retries_503=3)
    assert any(d.dag_id == "e2e_hello" for d in c.dags())
    assert flaky.seen == 3

    flaky.fails, flaky.seen = 5, 0
    c = Client(flaky.url, token=token, retries_503=1)
    with pytest.raises(DagworkerError) as e:
        c.dags()
    assert e.value.status == 503 and e.value.detail == "busy"
    assert flaky.seen == 2, "bounded: one try and one retry"

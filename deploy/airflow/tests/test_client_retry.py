"""The client retries a 503 (Redis unreachable) after its Retry-After."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

from dagworker_airflow.client import DagworkerClient, DagworkerError


def serve(answers: list[int]) -> tuple[HTTPServer, list[str]]:
    """Answer POSTs with the statuses in order (503s with Retry-After: 0)."""
    keys: list[str] = []

    class H(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802
            self.rfile.read(int(self.headers.get("Content-Length", "0")))
            keys.append(self.headers.get("Idempotency-Key", ""))
            status = answers.pop(0) if answers else 200
            body = {"detail": "the run state (Redis) is unreachable"} if status == 503 else {"dag_run_id": "r1"}
            data = json.dumps(body).encode()
            self.send_response(status)
            if status == 503:
                self.send_header("Retry-After", "0")
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args: object) -> None:
            pass

    srv = HTTPServer(("127.0.0.1", 0), H)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    return srv, keys


def test_503_is_retried_with_the_same_idempotency_key() -> None:
    srv, keys = serve([503, 503])
    try:
        c = DagworkerClient(f"http://127.0.0.1:{srv.server_port}", token="t")
        assert c.trigger_dag_run("d")["dag_run_id"] == "r1"
        assert len(keys) == 3 and len(set(keys)) == 1
    finally:
        srv.shutdown()


def test_503_gives_up_after_the_retries() -> None:
    srv, keys = serve([503, 503, 503])
    try:
        c = DagworkerClient(f"http://127.0.0.1:{srv.server_port}", token="t", retries_503=2)
        with pytest.raises(DagworkerError) as e:
            c.trigger_dag_run("d")
        assert e.value.status == 503
        assert len(keys) == 3
    finally:
        srv.shutdown()

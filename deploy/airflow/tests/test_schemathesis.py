"""schemathesis against the document dagworker serves (/api/v2/openapi.json).

A serve of its own (database 1 of the e2e Redis, only the e2e DAGs, its own
lake), so the generated writes (triggers, deletes, pauses, ad-hoc tasks) do
not reach the servers the other tests use. A bounded number of examples per
operation; the checks: no 5xx, and every status code, content type and body
as the document says.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

ST = str(Path(sys.executable).with_name("st"))
HERE = Path(__file__).resolve().parents[1]
CHECKS = "not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance"


@pytest.fixture(scope="module")
def serve(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    work = tmp_path_factory.mktemp("schemathesis")
    (work / "dags").mkdir()
    shutil.copy(HERE / "dags" / "e2e_dagworker.yaml", work / "dags")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    token = "st-" + os.urandom(12).hex()
    env = os.environ.copy()
    env.update(
        DAGWORKER_ADDR=f"127.0.0.1:{port}",
        DAGWORKER_REDIS_URL=f"redis://{os.environ['DAGWORKER_E2E_REDIS']}/1",
        DAGWORKER_DAGS=str(work / "dags"),
        DAGWORKER_BLOB_URL=f"file://{work}/lake",
        DAGWORKER_API_TOKENS=f"{token}:trigger",
    )
    env.pop("DAGWORKER_API_USERS", None)
    log = open(work / "serve.log", "wb")
    proc = subprocess.Popen([os.environ["DAGWORKER_E2E_BIN"], "serve"], env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    if pidfile := os.environ.get("DAGWORKER_E2E_PIDS"):
        with open(pidfile, "a") as f:
            f.write(f"{proc.pid}\n")
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if requests.get(f"{url}/api/v2/version", timeout=2).ok:
                    break
            except requests.RequestException:
                pass
            assert proc.poll() is None and time.monotonic() < deadline, (work / "serve.log").read_text()[-3000:]
            time.sleep(0.2)
        yield url, token
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=30)
        log.close()


def test_schemathesis_finds_nothing(serve: tuple[str, str], tmp_path: Path) -> None:
    url, token = serve
    cmd = [
        ST, "run", f"{url}/api/v2/openapi.json",
        "--header", f"Authorization: Bearer {token}",
        "--checks", CHECKS,
        "--max-examples", "20",
        "--phases", "examples,coverage,fuzzing",
        "--seed", "11",
        # one worker: CPython 3.11 before 3.11.8 can fail ast.parse in
        # concurrent threads ("AST constructor recursion depth mismatch"),
        # which hypothesis calls to describe a filter
        "--workers", "1",
        "--request-timeout", "30",
        "--generation-database", "none",
        "--no-color",
        "--report", "junit",
        "--report-dir", str(tmp_path),
    ]  # fmt: skip
    res = subprocess.run(cmd, capture_output=True, text=True, timeout=600, cwd=tmp_path)
    out = res.stdout + res.stderr
    print(out[-6000:])
    assert res.returncode == 0, out[-20000:]

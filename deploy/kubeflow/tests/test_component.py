"""The dagworker KFP component: compiled YAML checked, and run by kfp.local against the real serve of e2e.sh."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

sys.path.insert(0, str(Path(__file__).parents[1]))

import kfp.local  # noqa: E402

import pipeline  # noqa: E402
from dagworker_component import CLIENT_PACKAGE, SECRET_NAME, dagworker_run  # noqa: E402
from dagworker_airflow import Client  # noqa: E402

# kfp.local says display names have no effect locally.
pytestmark = pytest.mark.filterwarnings("ignore:Task .* settings .'display_name'.:UserWarning")

INPUTS = {
    "dag_id": "STRING",
    "conf": "STRUCT",
    "task_type": "STRING",
    "task_args": "STRUCT",
    "input_uri": "STRING",
    "api_url": "STRING",
    "timeout_seconds": "NUMBER_DOUBLE",
    "fail_on_failure": "BOOLEAN",
}
OUTPUTS = {"state": "STRING", "run_id": "STRING", "output_uri": "STRING", "output_uris": "LIST"}


def compiled(tmp_path: Path, name: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """Compile an example pipeline; return its pipeline spec and its platform (Kubernetes) spec."""
    pipeline.main(["pipeline.py", str(tmp_path)])
    docs = list(yaml.safe_load_all((tmp_path / f"{name}.yaml").read_text()))
    assert len(docs) == 2, "the pipeline spec and the platform spec"
    return docs[0], docs[1]


@pytest.mark.parametrize("name", ["nightly_tasks", "nightly_dag"])
def test_compiled_component(tmp_path: Path, name: str) -> None:
    spec, platform = compiled(tmp_path, name)
    comps = {k: v for k, v in spec["components"].items() if k.startswith("comp-dagworker-run")}
    assert comps
    for comp in comps.values():
        params = comp["inputDefinitions"]["parameters"]
        assert {k: v["parameterType"] for k, v in params.items()} == INPUTS
        assert all(params[k].get("isOptional") for k in INPUTS), "every input has a default"
        outs = comp["outputDefinitions"]["parameters"]
        assert {k: v["parameterType"] for k, v in outs.items()} == OUTPUTS
    executor = spec["deploymentSpec"]["executors"]["exec-dagworker-run"]["container"]
    assert "dagworker_run" in " ".join(executor["command"])
    assert CLIENT_PACKAGE in " ".join(executor["command"]), "the client is installed in the container"
    assert "token" not in str(spec["root"]["inputDefinitions"]).lower(), "no token parameter"

    # The URL and token come from the Kubernetes secret, for every dagworker task.
    execs = platform["platforms"]["kubernetes"]["deploymentSpec"]["executors"]
    assert execs
    for e in execs.values():
        (sec,) = e["secretAsEnv"]
        assert sec.get("secretName", sec.get("secretNameParameter", {}).get("runtimeValue", {}).get("constant")) == SECRET_NAME
        assert {(kv["secretKey"], kv["envVar"]) for kv in sec["keyToEnv"]} == {
            ("url", "DAGWORKER_API_URL"),
            ("token", "DAGWORKER_TOKEN"),
        }


def test_three_calls_chained(tmp_path: Path) -> None:
    spec, _ = compiled(tmp_path, "nightly_tasks")
    tasks = spec["root"]["dag"]["tasks"]
    assert len(tasks) == 3
    by_type = {t["inputs"]["parameters"]["task_type"]["runtimeValue"]["constant"]: (k, t) for k, t in tasks.items()}
    assert set(by_type) == {"scrape", "classify", "render"}
    for upstream, downstream in (("scrape", "classify"), ("classify", "render")):
        _, task = by_type[downstream]
        src = task["inputs"]["parameters"]["input_uri"]["taskOutputParameter"]
        assert src == {"producerTask": by_type[upstream][0], "outputParameterKey": "output_uri"}
        assert task["dependentTasks"] == [by_type[upstream][0]]
    for kind, param in (("scrape", "scrape_args"), ("classify", "classify_args"), ("render", "report_args")):
        args = by_type[kind][1]["inputs"]["parameters"]["task_args"]
        assert args == {"componentInputParameter": param}, "the pipeline's arguments reach the task"
        assert spec["root"]["inputDefinitions"]["parameters"][param]["parameterType"] == "STRUCT"
    assert spec["root"]["outputDefinitions"]["parameters"]["Output"]["parameterType"] == "STRING"


@pytest.fixture(scope="module")
def local_runner(tmp_path_factory: pytest.TempPathFactory) -> None:
    # The subprocess runner in this venv: pip finds the client and kfp installed and fetches nothing.
    root = tmp_path_factory.mktemp("kfp-root")
    kfp.local.init(runner=kfp.local.SubprocessRunner(use_venv=False), pipeline_root=str(root))


@pytest.fixture(scope="module")
def demo_site() -> Iterator[str]:
    proc = subprocess.Popen([os.environ["DAGWORKER_BIN"], "demo", "--serve-site"], stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        yield proc.stdout.readline().removeprefix("demo site: ").strip()
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_local_dag_run(local_runner: None) -> None:
    task = dagworker_run(dag_id="e2e_hello", conf={"greeting": "kfp"}, timeout_seconds=120.0)
    assert task.outputs["state"] == "success"
    run = Client().run("e2e_hello", task.outputs["run_id"])
    assert run.conf == {"greeting": "kfp"} and run.state == "success"
    assert task.outputs["output_uris"] == [] and task.outputs["output_uri"] == "", "echo and noop write no lake objects"


def test_local_adhoc_task_and_failure(local_runner: None) -> None:
    task = dagworker_run(task_type="classify", task_args={"model": "demo-sentiment", "texts": ["A wonderful, excellent day."]})
    assert task.outputs["state"] == "success"
    assert task.outputs["output_uri"].endswith(f"/adhoc/{task.outputs['run_id']}/classify/classified.jsonl")
    assert task.outputs["output_uris"] == [task.outputs["output_uri"]]
    rows = Client().read_jsonl(Client().task(task.outputs["run_id"]), "classify", as_frame=False)
    assert isinstance(rows, list) and rows[0]["label"] == "POSITIVE"

    with pytest.raises(RuntimeError):
        dagworker_run(dag_id="e2e_flaky", timeout_seconds=120.0)
    with pytest.raises(RuntimeError):
        dagworker_run(dag_id="e2e_hello", task_type="echo")


def test_local_pipeline_three_tasks(local_runner: None, demo_site: str) -> None:
    run = pipeline.nightly_tasks(scrape_args={"urls": [demo_site + "/"], "max_pages": 20, "allow_private": True})
    uri = run.output
    assert uri.endswith("/render/report.pdf"), uri
    run_id = uri.split("/adhoc/")[1].split("/")[0]
    t = Client().task(run_id)
    assert t.type == "render" and t.state == "success"
    assert Client().read_bytes(t, "render", "report.pdf", 0, 4) == b"%PDF-"


def test_local_pipeline_one_dag_run(local_runner: None, demo_site: str) -> None:
    run = pipeline.nightly_dag(conf={"sites": [demo_site + "/"], "max_pages": 20, "allow_private": True})
    uri = run.output
    assert uri.endswith("/report/report.pdf") and "/runs/nightly_sites/" in uri, uri
    run_id = uri.split("/runs/nightly_sites/")[1].split("/")[0]
    r = Client().run("nightly_sites", run_id)
    assert r.state == "success" and r.conf["max_pages"] == 20

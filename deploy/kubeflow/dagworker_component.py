"""A Kubeflow Pipelines (KFP v2) component that runs dagworker work through its HTTP API.

``dagworker_run`` triggers a run of a dagworker DAG (``dag_id``) or one ad-hoc
task (``task_type``), waits for it and returns the run's state, its id and the
data lake URIs of the objects it wrote. The server's URL and API token come
from the environment (``DAGWORKER_API_URL``, ``DAGWORKER_TOKEN``), which
:func:`with_dagworker_secret` fills from a Kubernetes secret; the token is
never a pipeline parameter (parameters are stored in the run's metadata).

The component calls ``dagworker_airflow.Client`` (deploy/airflow), installed
in its container from ``CLIENT_PACKAGE``: a wheel on your package index, or an
image that has it (``base_image``).
"""

import os
from typing import NamedTuple

from kfp import dsl

# How the component's container gets the client: a requirement pip can
# install there (publish deploy/airflow's wheel to your index, or point at
# it with a URL); override with DAGWORKER_KFP_CLIENT_PACKAGE when compiling.
CLIENT_PACKAGE = os.environ.get("DAGWORKER_KFP_CLIENT_PACKAGE", "dagworker-airflow")
BASE_IMAGE = os.environ.get("DAGWORKER_KFP_BASE_IMAGE", "python:3.11-slim")

# The Kubernetes secret the component reads, and its keys.
SECRET_NAME = "dagworker-api"
SECRET_KEYS = {"url": "DAGWORKER_API_URL", "token": "DAGWORKER_TOKEN"}


@dsl.component(base_image=BASE_IMAGE, packages_to_install=[CLIENT_PACKAGE])
def dagworker_run(
    dag_id: str = "",
    conf: dict = {},  # noqa: B006 (KFP needs a literal default)
    task_type: str = "",
    task_args: dict = {},  # noqa: B006
    input_uri: str = "",
    api_url: str = "",
    timeout_seconds: float = 3600.0,
    fail_on_failure: bool = True,
) -> NamedTuple("Outputs", [("state", str), ("run_id", str), ("output_uri", str), ("output_uris", list)]):  # type: ignore[valid-type]
    """Run a dagworker DAG (dag_id, conf) or one ad-hoc task (task_type, task_args) and wait.

    input_uri, when set, becomes the task's "input" argument (chain an upstream
    component's output_uri into classify or render). Returns the final state,
    the run id (an ad-hoc task's id), the main output URI (the last task's
    output for a DAG run) and every output's data lake URI.
    """
    from collections import namedtuple

    from dagworker_airflow import Client, DagworkerRunFailed

    def ints(v):  # type: ignore[no-untyped-def]
        # KFP passes dicts as protobuf Structs, whose numbers are all floats:
        # give integral ones back as ints (dagworker's int arguments are strict).
        if isinstance(v, float) and v.is_integer():
            return int(v)
        if isinstance(v, dict):
            return {k: ints(x) for k, x in v.items()}
        if isinstance(v, list):
            return [ints(x) for x in v]
        return v

    conf, task_args = ints(conf), ints(task_args)
    if bool(dag_id) == bool(task_type):
        raise ValueError("dagworker_run: give dag_id or task_type, not both")
    client = Client(api_url or None)
    if dag_id:
        try:
            run = client.trigger(dag_id, conf=conf, progress=False, timeout=timeout_seconds, check=fail_on_failure)
        except DagworkerRunFailed as err:
            raise RuntimeError(f"dagworker run of {dag_id} failed: {err.body.get('dag_run_id')}") from err
        state, run_id, ref = run.state, run.run_id, run
        outs = client.outputs(run) if state == "success" else []
        main = ""
        ends = sorted((t.end_date or "", t.task_id) for t in client.task_instances(run))
        if ends:
            main = next((o.uri for o in outs if o.task_id == ends[-1][1]), "")
    else:
        args = dict(task_args)
        if input_uri:
            args["input"] = input_uri
        t = client.run_task(task_type, args, timeout=timeout_seconds, check=False)
        if fail_on_failure and t.state != "success":
            raise RuntimeError(f"dagworker {task_type} task {t.id} {t.state}: {t.error}")
        state, run_id, ref = t.state, t.id, t
        outs = client.outputs(ref) if state == "success" else []
        main = t.output_uri or ""
    print(f"dagworker {dag_id or task_type}: {run_id} {state}, {len(outs)} outputs")
    result = namedtuple("Outputs", ["state", "run_id", "output_uri", "output_uris"])
    return result(state, run_id, main, [o.uri for o in outs])


def with_dagworker_secret(task: dsl.PipelineTask, secret_name: str = SECRET_NAME) -> dsl.PipelineTask:
    """Give a dagworker_run task the server's URL and token from a Kubernetes secret (keys url, token)."""
    from kfp import kubernetes

    kubernetes.use_secret_as_env(task, secret_name=secret_name, secret_key_to_env=dict(SECRET_KEYS))
    return task

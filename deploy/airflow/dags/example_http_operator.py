"""Call dagworker with Airflow's stock HttpOperator and HttpSensor only.

The connection ``dagworker_basic`` is an HTTP connection with dagworker's
host, port, login and password (HTTP Basic). The POST carries an
Idempotency-Key so a replayed request does not start a second run, and the
sensor endpoint answers 404 until the run is done, 200 on success and 424
on failure, so HttpSensor needs no response_check. While dagworker's Redis is
unreachable the POST answers 503 (Retry-After: 5): the task's retries send it
again, and the Idempotency-Key keeps it to one run.
"""

from __future__ import annotations

import json

import pendulum
from airflow.providers.http.operators.http import HttpOperator
from airflow.providers.http.sensors.http import HttpSensor
from airflow.sdk import DAG

with DAG(
    dag_id="example_dagworker_http",
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    schedule=None,
    catchup=False,
    tags=["dagworker"],
) as dag:
    trigger = HttpOperator(
        task_id="trigger",
        http_conn_id="dagworker_basic",
        endpoint="/api/v2/dags/e2e_hello/dagRuns",
        method="POST",
        data=json.dumps({"conf": {"greeting": "hi from Airflow"}}),
        headers={"Content-Type": "application/json", "Idempotency-Key": "{{ run_id }}"},
        response_filter=lambda response: response.json()["dag_run_id"],
        retries=3,
        retry_delay=pendulum.duration(seconds=5),
    )
    wait = HttpSensor(
        task_id="wait",
        http_conn_id="dagworker_basic",
        endpoint="/api/v2/dags/e2e_hello/dagRuns/{{ ti.xcom_pull(task_ids='trigger') }}/sensor",
        method="GET",
        poke_interval=1,
        timeout=120,
    )
    trigger >> wait

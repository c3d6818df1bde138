"""Call dagworker with the dagworker-airflow provider: plain and deferrable.

The connection ``dagworker_default`` is an HTTP connection whose password is
a dagworker API token (sent as a Bearer token).
"""

from __future__ import annotations

import pendulum
from airflow.sdk import DAG

from dagworker_airflow.operators import DagworkerTaskOperator, DagworkerTriggerDagRunOperator
from dagworker_airflow.sensors import DagworkerDagRunSensor

with DAG(
    dag_id="example_dagworker_provider",
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    schedule=None,
    catchup=False,
    tags=["dagworker"],
) as dag:
    plain = DagworkerTriggerDagRunOperator(
        task_id="trigger_plain",
        trigger_dag_id="e2e_hello",
        conf={"greeting": "plain"},
        poke_interval=0.5,
    )
    deferred = DagworkerTriggerDagRunOperator(
        task_id="trigger_deferrable",
        trigger_dag_id="e2e_hello",
        conf={"greeting": "deferred"},
        poke_interval=0.5,
        deferrable=True,
    )
    no_wait = DagworkerTriggerDagRunOperator(
        task_id="trigger_no_wait", trigger_dag_id="e2e_hello", wait_for_completion=False
    )
    sensor = DagworkerDagRunSensor(
        task_id="sense",
        dagworker_dag_id="e2e_hello",
        dag_run_id="{{ ti.xcom_pull(task_ids='trigger_no_wait', key='dag_run_id') }}",
        poke_interval=1,
        timeout=120,
    )
    echo_plain = DagworkerTaskOperator(task_id="echo_plain", task_type="echo", msg="plain", poke_interval=0.5)
    echo_deferred = DagworkerTaskOperator(
        task_id="echo_deferrable", task_type="echo", msg="deferred", poke_interval=0.5, deferrable=True
    )
    plain >> deferred
    no_wait >> sensor

"""A sensor that waits for a dagworker DAG run."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from airflow.sdk import BaseSensorOperator, Context, PokeReturnValue

from dagworker_airflow.hooks import DagworkerHook


class DagworkerDagRunSensor(BaseSensorOperator):
    """Wait until a dagworker DAG run finishes; its outputs become the XCom.

    A failed run fails the sensor (it does not keep poking).
    """

    template_fields: Sequence[str] = ("dagworker_dag_id", "dag_run_id")

    def __init__(
        self,
        *,
        dagworker_dag_id: str,
        dag_run_id: str,
        dagworker_conn_id: str = DagworkerHook.default_conn_name,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.dagworker_dag_id = dagworker_dag_id
        self.dag_run_id = dag_run_id
        self.dagworker_conn_id = dagworker_conn_id

    def poke(self, context: Context) -> PokeReturnValue:
        done = DagworkerHook(self.dagworker_conn_id).get_conn().sensor(self.dagworker_dag_id, self.dag_run_id)
        if done is None:
            return PokeReturnValue(is_done=False)
        return PokeReturnValue(is_done=True, xcom_value=done.get("outputs", {}))

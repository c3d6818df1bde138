"""Load dagworker's dags/example_dagfactory.yaml into Airflow with dag-factory.

The same YAML file is a dagworker DAG: its operators are this provider's
class paths (``dagworker_airflow.operators.EchoOperator``, ``NoopOperator``),
which dagworker maps to its echo and noop task types, and which in Airflow
run each task as an ad-hoc dagworker task over the ``dagworker_default``
connection. ``DAGWORKER_SHIPPED_DAGS`` names another folder of shipped DAGs
(default: the repository's ``dags/``).
"""

from __future__ import annotations

import os
from pathlib import Path

from dagfactory import load_yaml_dags

_SHIPPED = Path(os.environ.get("DAGWORKER_SHIPPED_DAGS") or Path(__file__).resolve().parents[3] / "dags")

# Airflow only parses files that mention both "airflow" and "dag"; this one
# registers its DAG in globals() through dag-factory.
load_yaml_dags(globals_dict=globals(), config_filepath=str(_SHIPPED / "example_dagfactory.yaml"))

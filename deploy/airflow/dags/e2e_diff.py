"""Load e2e_diff.yaml (the differential test's DAG) into Airflow with dag-factory."""

from __future__ import annotations

from pathlib import Path

from dagfactory import load_yaml_dags

# Airflow only parses files that mention both "airflow" and "dag".
load_yaml_dags(globals_dict=globals(), config_filepath=str(Path(__file__).with_name("e2e_diff.yaml")))

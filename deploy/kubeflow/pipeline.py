"""Example pipelines built of the dagworker_run component; ``python pipeline.py`` compiles them to YAML.

``nightly_tasks`` chains three ad-hoc tasks, scrape → classify → report, each
a component call whose output_uri feeds the next; ``nightly_dag`` runs the
shipped nightly_sites DAG as one call. Both read the server's URL and token
from the Kubernetes secret ``dagworker-api`` (see README.md).
"""

import sys

from kfp import compiler, dsl

from dagworker_component import dagworker_run, with_dagworker_secret


@dsl.pipeline(name="dagworker-nightly-tasks", description="scrape → classify → report as three dagworker tasks")
def nightly_tasks(
    scrape_args: dict = {"urls": ["https://example.org/news"], "max_pages": 50, "max_depth": 2},  # noqa: B006
    classify_args: dict = {"model": "demo-sentiment"},  # noqa: B006
    report_args: dict = {"title": "Nightly report"},  # noqa: B006
) -> str:
    # Each task's arguments are one pipeline parameter, passed whole: a
    # pipeline parameter inside a dict literal is not substituted reliably.
    scrape = with_dagworker_secret(dagworker_run(task_type="scrape", task_args=scrape_args).set_display_name("scrape"))
    classify = with_dagworker_secret(
        dagworker_run(
            task_type="classify", task_args=classify_args, input_uri=scrape.outputs["output_uri"]
        ).set_display_name("classify")
    )
    report = with_dagworker_secret(
        dagworker_run(
            task_type="render", task_args=report_args, input_uri=classify.outputs["output_uri"]
        ).set_display_name("report")
    )
    return report.outputs["output_uri"]


@dsl.pipeline(name="dagworker-nightly-dag", description="the nightly_sites DAG as one dagworker run")
def nightly_dag(conf: dict = {"sites": ["https://example.org/news"], "max_pages": 50}) -> str:  # noqa: B006
    run = with_dagworker_secret(dagworker_run(dag_id="nightly_sites", conf=conf).set_display_name("nightly_sites"))
    return run.outputs["output_uri"]


def main(argv: list) -> None:
    out = argv[1] if len(argv) > 1 else "."
    compiler.Compiler().compile(nightly_tasks, f"{out}/nightly_tasks.yaml")
    compiler.Compiler().compile(nightly_dag, f"{out}/nightly_dag.yaml")


if __name__ == "__main__":
    main(sys.argv)

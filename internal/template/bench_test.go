package template

import (
	"testing"
)

// BenchmarkRenderTaskArgs renders the arguments of a typical three-task
// pipeline (scrape, classify, render) per iteration.
func BenchmarkRenderTaskArgs(b *testing.B) {
	c := testContext()
	tasks := []map[string]any{
		{
			"urls":            "{{ params.sites }}",
			"allowed_domains": []any{"example.org", "example.com"},
			"max_pages":       "{{ dag_run.conf.limit | default(params.limit) | int }}",
			"user_agent":      "dagworker/1.0 ({{ dag.dag_id }})",
			"respect_robots":  true,
		},
		{
			"input":  "{{ ti.xcom_pull(task_ids='scrape').uri }}",
			"model":  "sentiment-multilingual",
			"labels": "{{ params.labels }}",
		},
		{
			"input": "{{ ti.xcom_pull('classify') }}",
			"title": "Nightly report {{ ds }} ({{ run_id }})",
			"facts": map[string]any{"from": "{{ data_interval_start }}", "to": "{{ data_interval_end }}"},
		},
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		for _, args := range tasks {
			if _, err := Render(args, c); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.ReportMetric(float64(b.N*len(tasks))/b.Elapsed().Seconds(), "tasks/s")
}

package dag

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func wiringOptions() Options {
	return Options{
		Operators: map[string][]string{"scrape": nil, "classify": nil, "render": nil, "noop": nil, "custom": nil},
		IO: map[string]OperatorIO{
			"scrape":   {Writes: "pages"},
			"classify": {Reads: "pages", Writes: "classified"},
			"render":   {Reads: "classified", Writes: "report"},
			"noop":     {},
		},
	}
}

// TestWiring checks what each task reads against what its upstream tasks
// write, before a run.
func TestWiring(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, src string
		msg       string // "" when the DAG loads
	}{
		{"renamed tasks", `
x:
  tasks:
    - {task_id: fetch, operator: scrape}
    - {task_id: label, operator: classify, dependencies: [fetch]}
    - {task_id: pdf, operator: render, dependencies: [label]}
`, ""},
		{"fan-in through groups", `
x:
  task_groups:
    - {group_name: a}
    - {group_name: b}
  tasks:
    - {task_id: sa, operator: scrape, task_group_name: a}
    - {task_id: ca, operator: classify, task_group_name: a, dependencies: [sa]}
    - {task_id: sb, operator: scrape, task_group_name: b}
    - {task_id: cb, operator: classify, task_group_name: b, dependencies: [sb]}
    - {task_id: report, operator: render, dependencies: [a, b]}
`, ""},
		{"no producer", `
x:
  tasks:
    - {task_id: start, operator: noop}
    - {task_id: label, operator: classify, dependencies: [start]}
`, `r.yaml:5:8: task "label": classify reads pages but no upstream task writes it (upstream: start): depend on a scrape task, or set input`},
		{"wrong kind upstream", `
x:
  tasks:
    - {task_id: fetch, operator: scrape}
    - {task_id: pdf, operator: render, dependencies: [fetch]}
`, `task "pdf": render reads classified but no upstream task writes it (upstream: fetch): depend on a classify task`},
		{"explicit input", `
x:
  tasks:
    - {task_id: label, operator: classify, input: runs/x/pages.jsonl}
`, ""},
		{"templated input", `
x:
  tasks:
    - {task_id: label, operator: classify, input: "{{ params.pages }}"}
`, ""},
		{"input_task not upstream", `
x:
  tasks:
    - {task_id: fetch, operator: scrape}
    - {task_id: fetch2, operator: scrape}
    - {task_id: label, operator: classify, dependencies: [fetch], input_task: fetsh}
`, `input_task "fetsh" is not an upstream task (upstream: fetch) (did you mean "fetch"?)`},
		{"input_task list of the wrong kind", `
x:
  tasks:
    - {task_id: fetch, operator: scrape}
    - {task_id: label, operator: classify, dependencies: [fetch]}
    - {task_id: pdf, operator: render, dependencies: [fetch, label], input_task: [label, fetch]}
`, `input_task "fetch" (scrape) writes pages, render reads classified`},
		{"a custom operator may write anything", `
x:
  tasks:
    - {task_id: mine, operator: custom}
    - {task_id: label, operator: classify, dependencies: [mine]}
`, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, _, err := Parse("r.yaml", []byte(tc.src), wiringOptions())
			if tc.msg == "" {
				require.NoError(t, err)
				return
			}
			require.ErrorIs(t, err, ErrDependency)
			require.ErrorContains(t, err, tc.msg)
		})
	}
}

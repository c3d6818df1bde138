package dag

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestDownstreamWeights: Airflow's default weight rule counts each task
// downstream once (a diamond does not count its sink twice).
func TestDownstreamWeights(t *testing.T) {
	t.Parallel()
	src := `
w:
  tasks:
    - {task_id: root, operator: noop}
    - {task_id: left, operator: noop, dependencies: [root], priority_weight: 10}
    - {task_id: right, operator: noop, dependencies: [root]}
    - {task_id: sink, operator: noop, dependencies: [left, right]}
    - {task_id: alone, operator: noop, priority_weight: 3}
`
	dags, _, err := Parse("w.yaml", []byte(src), testOptions())
	require.NoError(t, err)
	got := map[string]int{}
	for _, tk := range dags[0].Tasks {
		got[tk.ID] = tk.PriorityWeightTotal
	}
	require.Equal(t, map[string]int{"root": 13, "left": 11, "right": 2, "sink": 1, "alone": 3}, got)
}

// TestManualInterval: a manual run's data interval is the last complete
// period at or before its logical date; manual-only DAGs get the date.
func TestManualInterval(t *testing.T) {
	t.Parallel()
	dags, _, err := Parse("m.yaml", []byte("d:\n  schedule: \"0 0 * * *\"\n  tasks:\n    - {task_id: a, operator: noop}\nm:\n  tasks:\n    - {task_id: a, operator: noop}\n"), testOptions())
	require.NoError(t, err)
	day := func(d, h int) time.Time { return time.Date(2026, 11, d, h, 0, 0, 0, time.UTC) }
	iv := dags[0].ManualInterval(day(25, 1))
	require.True(t, iv.Start.Equal(day(24, 0)) && iv.End.Equal(day(25, 0)), "%v", iv)
	iv = dags[0].ManualInterval(day(25, 0))
	require.True(t, iv.Start.Equal(day(24, 0)) && iv.End.Equal(day(25, 0)), "%v", iv)
	iv = dags[1].ManualInterval(day(25, 1))
	require.True(t, iv.Start.Equal(day(25, 1)) && iv.End.Equal(day(25, 1)), "%v", iv)
}

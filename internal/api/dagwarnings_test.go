package api

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// TestEngineDAGWarnings: a DAG whose tasks name pools that do not exist is
// warned about with Airflow's message until the pool is created.
func TestEngineDAGWarnings(t *testing.T) {
	t.Parallel()
	b := setupEngineDAGs(t, 1, `
pooled:
  tasks:
    - task_id: a
      operator: noop
      pool: scrapers
    - task_id: b
      operator: noop
      pool: gpu
    - task_id: c
      operator: noop
      pool: default_pool
fine:
  tasks:
    - task_id: a
      operator: noop
`).bundle
	tests := []struct {
		name, query string
		want        int
		body        string
	}{
		{"all", "", 200, `{"dag_display_name":"pooled","dag_id":"pooled","message":"Dag 'pooled' references non-existent pools: ['gpu', 'scrapers']","timestamp":`},
		{"by dag", "?dag_id=fine", 200, `{"dag_warnings":[],"total_entries":0}`},
		{"by another type", "?warning_type=asset%20conflict", 200, `{"dag_warnings":[],"total_entries":0}`},
		{"bad type", "?warning_type=bogus", 422, `"type":"enum","loc":["query","warning_type"]`},
		{"bad order", "?order_by=bogus", 400, "Ordering with 'bogus' is disallowed"},
		{"paged out", "?offset=1", 200, `{"dag_warnings":[],"total_entries":1}`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res := b.req(t, "GET", "/api/v2/dagWarnings"+tc.query, rd, nil)
			require.Equal(t, tc.want, res.status, string(res.body))
			require.Contains(t, string(res.body), tc.body)
		})
	}
	res := b.req(t, "POST", "/api/v2/pools", trg, map[string]any{"name": "gpu", "slots": 2})
	require.Equal(t, 201, res.status, string(res.body))
	res = b.req(t, "GET", "/api/v2/dagWarnings", rd, nil)
	require.Contains(t, string(res.body), "references non-existent pools: ['scrapers']")
	require.Equal(t, 401, b.req(t, "GET", "/api/v2/dagWarnings", "", nil).status)
}

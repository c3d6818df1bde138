package main

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/dagworker/dagworker/internal/redistest"
	"github.com/dagworker/dagworker/internal/runstore"
	"github.com/stretchr/testify/require"
)

func TestParseOperatorQueues(t *testing.T) {
	for _, tc := range []struct {
		in      string
		want    map[string]string
		wantErr string
	}{
		{in: "", want: map[string]string{}},
		{in: "classify=ml", want: map[string]string{"classify": "ml"}},
		{in: " classify = ml , render=pdf,", want: map[string]string{"classify": "ml", "render": "pdf"}},
		{in: "classify", wantErr: `"classify" is not operator=queue`},
		{in: "classify=", wantErr: `"classify=" is not operator=queue`},
		{in: "=ml", wantErr: `"=ml" is not operator=queue`},
		{in: "a=x,a=y", wantErr: `operator "a" given twice`},
	} {
		got, err := parseOperatorQueues(tc.in)
		if tc.wantErr != "" {
			require.ErrorContains(t, err, tc.wantErr, tc.in)
			continue
		}
		require.NoError(t, err, tc.in)
		require.Equal(t, tc.want, got, tc.in)
	}
}

// A coordinator started with --operator-queues puts an operator's tasks on
// that queue: the run finishes on a worker that serves only that queue.
func TestCoordinatorOperatorQueues(t *testing.T) {
	t.Parallel()
	env := redistest.New(t)
	queue := env.Queue("ml")
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "yearly.yaml"), []byte(`
routed:
  schedule: "@yearly"
  start_date: 2020-01-01
  catchup: false
  tasks:
    - task_id: one
      operator: noop
`), 0o644))
	startBuiltinWorker(t, env, queue)

	startChild(t, "coordinator", "--redis-url", env.URL, "--key-prefix", env.Prefix, "--dags", dir,
		"--addr", "127.0.0.1:0", "--operator-queues", "noop="+queue)
	st, err := runstore.New(runstore.Config{Client: env.Client(), KeyPrefix: env.Prefix})
	require.NoError(t, err)
	runID := "scheduled__" + time.Now().UTC().AddDate(-1, 0, 0).Format("2006") + "-01-01T00:00:00Z"
	waitUntil(t, 30*time.Second, "the routed run to succeed", func() bool {
		r, err := st.GetRun(t.Context(), "routed", runID)
		return err == nil && r.State == runstore.RunSuccess
	})
}

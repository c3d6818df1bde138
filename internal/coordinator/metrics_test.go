package coordinator_test

import (
	"context"
	"testing"
	"time"

	"github.com/dagworker/dagworker/internal/coordinator"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/require"
)

// A coordinator with a registry counts the scheduled runs it creates, shows
// its leadership, its sweeps and the DAG folder's import errors.
func TestCoordinatorMetrics(t *testing.T) {
	t.Parallel()
	tb := setup(t, map[string]string{"hourly.yaml": hourlyDAG, "broken.yaml": "broken: [\n"})
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	clock := newFakeClock(start.Add(3*time.Hour + 30*time.Minute))
	reg := prometheus.NewRegistry()
	cfg := coordinator.Config{Client: tb.rdb, KeyPrefix: tb.prefix, Folder: tb.folder, Runs: tb.eng,
		Reconciler: tb.eng, Clock: clock, LeaseTTL: time.Second, ReloadEvery: -1, MaxSleep: time.Hour, Metrics: reg}
	c, err := coordinator.New(cfg)
	require.NoError(t, err)
	_, err = coordinator.New(cfg)
	require.ErrorIs(t, err, coordinator.ErrInvalidConfig, "a second coordinator on the same registry")

	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- c.Run(ctx) }()
	runs := func() float64 {
		return metricValue(t, reg, "dagworker_coordinator_runs_created_total", "hourly", "scheduled")
	}
	require.Eventually(t, func() bool { return runs() == 3 }, 10*time.Second, 10*time.Millisecond)
	require.Len(t, tb.runIDs(t, "hourly"), 3)
	require.Eventually(t, func() bool { return metricValue(t, reg, "dagworker_coordinator_reconcile_sweeps_total") >= 1 },
		10*time.Second, 10*time.Millisecond)
	require.Equal(t, 1.0, metricValue(t, reg, "dagworker_coordinator_leader"))
	require.Equal(t, 1.0, metricValue(t, reg, "dagworker_dag_import_errors"))
	require.Equal(t, 0.0, metricValue(t, reg, "dagworker_coordinator_reconcile_errors_total"))

	cancel()
	require.NoError(t, <-done)
	require.Equal(t, 0.0, metricValue(t, reg, "dagworker_coordinator_leader"))
	require.Equal(t, 3.0, runs())
}

// metricValue returns the value of the gauge or counter series of name
// whose label values (in label name order) are values, or -1 when there is
// no such series.
func metricValue(t *testing.T, reg *prometheus.Registry, name string, values ...string) float64 {
	t.Helper()
	mfs, err := reg.Gather()
	require.NoError(t, err)
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
		for _, m := range mf.GetMetric() {
			match := len(m.GetLabel()) == len(values)
			for i, l := range m.GetLabel() {
				match = match && l.GetValue() == values[i]
			}
			if match && m.GetGauge() != nil {
				return m.GetGauge().GetValue()
			}
			if match {
				return m.GetCounter().GetValue()
			}
		}
	}
	return -1
}

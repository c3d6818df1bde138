package metrics_test

import (
	"testing"

	"github.com/dagworker/dagworker/worker/metrics"
	"github.com/prometheus/client_golang/prometheus"
)

// BenchmarkTryHotPath is the metrics cost of one DAG try on the worker's
// hot path (Start, Ran, Finished, End on pre-bound children), with metrics
// on and off.
func BenchmarkTryHotPath(b *testing.B) {
	on, err := metrics.NewTries(prometheus.NewRegistry())
	if err != nil {
		b.Fatal(err)
	}
	for _, bc := range []struct {
		name  string
		tries *metrics.Tries
	}{{"on", on}, {"off", nil}} {
		b.Run(bc.name, func(b *testing.B) {
			bound := bc.tries.Bind(metrics.KindDAG, "noop")
			b.ReportAllocs()
			for b.Loop() {
				tm := bound.Start()
				tm.Ran(false)
				tm.Finished(metrics.StateSuccess)
				tm.End()
			}
		})
	}
}

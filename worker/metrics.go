package worker

import (
	"errors"

	"github.com/dagworker/dagworker/tasks"
	"github.com/dagworker/dagworker/worker/metrics"
	"github.com/hibiken/asynq"
)

// tryMetrics holds the pre-bound try metrics of the registered task types
// (read-only once Run starts serving); other types bind on first use.
type tryMetrics struct {
	tries      *metrics.Tries
	dag, adhoc map[string]*metrics.TypeTries
}

// newTryMetrics binds the metrics of types for DAG tries and ad-hoc tasks.
// A nil tries (metrics off) gives a nil *tryMetrics.
func newTryMetrics(tries *metrics.Tries, types []string) *tryMetrics {
	if tries == nil {
		return nil
	}
	m := &tryMetrics{tries: tries, dag: map[string]*metrics.TypeTries{}, adhoc: map[string]*metrics.TypeTries{}}
	for _, t := range types {
		m.dag[t] = tries.Bind(metrics.KindDAG, t)
		m.adhoc[t] = tries.Bind(metrics.KindAdHoc, t)
	}
	return m
}

// start counts a try of taskType as started; defer End on the result.
func (m *tryMetrics) start(kind metrics.Kind, taskType string) metrics.Try {
	if m == nil {
		return metrics.Try{}
	}
	bound := m.dag
	if kind == metrics.KindAdHoc {
		bound = m.adhoc
	}
	b, ok := bound[taskType]
	if !ok {
		b = m.tries.Bind(kind, taskType)
	}
	return b.Start()
}

// adHocState is the state an ad-hoc task's try ends in: asynq retries a
// failed one unless it is permanent or out of retries.
func adHocState(err error, try, maxTries int) string {
	switch {
	case err == nil:
		return metrics.StateSuccess
	case tasks.IsPermanent(err) || errors.Is(err, asynq.RevokeTask) || try >= maxTries:
		return metrics.StateFailed
	default:
		return metrics.StateUpForRetry
	}
}

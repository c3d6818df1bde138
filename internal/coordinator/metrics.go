package coordinator

import (
	"fmt"

	"github.com/dagworker/dagworker/internal/runstore"
	"github.com/prometheus/client_golang/prometheus"
)

// coordMetrics are the coordinator's Prometheus metrics; a nil
// *coordMetrics (Config.Metrics unset) records nothing.
type coordMetrics struct {
	runs                *prometheus.CounterVec
	leader              prometheus.Gauge
	sweeps, sweepErrors prometheus.Counter
}

// newCoordMetrics registers on reg:
//
//	dagworker_coordinator_runs_created_total{dag_id,run_type}
//	dagworker_coordinator_leader (1 while this replica holds the lease)
//	dagworker_coordinator_reconcile_sweeps_total
//	dagworker_coordinator_reconcile_errors_total (DAGs whose sweep failed)
//	dagworker_dag_import_errors (DAG files that do not load, read at scrape time)
func newCoordMetrics(reg prometheus.Registerer, f *Folder) (*coordMetrics, error) {
	if reg == nil {
		return nil, nil
	}
	m := &coordMetrics{
		runs: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: "dagworker", Subsystem: "coordinator",
			Name: "runs_created_total", Help: "DAG runs created by this coordinator, by DAG and run type."},
			[]string{"dag_id", "run_type"}),
		leader: prometheus.NewGauge(prometheus.GaugeOpts{Namespace: "dagworker", Subsystem: "coordinator",
			Name: "leader", Help: "1 while this replica holds the scheduling lease, else 0."}),
		sweeps: prometheus.NewCounter(prometheus.CounterOpts{Namespace: "dagworker", Subsystem: "coordinator",
			Name: "reconcile_sweeps_total", Help: "Reconcile sweeps over all loaded DAGs."}),
		sweepErrors: prometheus.NewCounter(prometheus.CounterOpts{Namespace: "dagworker", Subsystem: "coordinator",
			Name: "reconcile_errors_total", Help: "DAGs whose reconcile sweep failed."}),
	}
	importErrors := prometheus.NewGaugeFunc(prometheus.GaugeOpts{Namespace: "dagworker", Subsystem: "dag",
		Name: "import_errors", Help: "DAG files that do not load (Airflow's import errors)."},
		func() float64 { return float64(len(f.ImportErrors())) })
	for _, c := range []prometheus.Collector{m.runs, m.leader, m.sweeps, m.sweepErrors, importErrors} {
		if err := reg.Register(c); err != nil {
			return nil, fmt.Errorf("%w: Metrics: %w", ErrInvalidConfig, err)
		}
	}
	return m, nil
}

func (m *coordMetrics) runCreated(dagID string, t runstore.RunType) {
	if m != nil {
		m.runs.WithLabelValues(dagID, string(t)).Inc()
	}
}

func (m *coordMetrics) setLeader(v bool) {
	if m == nil {
		return
	}
	if v {
		m.leader.Set(1)
	} else {
		m.leader.Set(0)
	}
}

func (m *coordMetrics) sweep(failed int) {
	if m != nil {
		m.sweeps.Inc()
		m.sweepErrors.Add(float64(failed))
	}
}

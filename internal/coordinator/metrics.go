package coordinator

import (
	"fmt"

	"github.com/dagworker/dagworker/internal/engine"
	"github.com/dagworker/dagworker/internal/runstore"
	"github.com/prometheus/client_golang/prometheus"
)

// coordMetrics are the coordinator's Prometheus metrics; a nil
// *coordMetrics (Config.Metrics unset) records nothing.
type coordMetrics struct {
	runs                *prometheus.CounterVec
	leader              prometheus.Gauge
	sweeps, sweepErrors prometheus.Counter
	repairs             *prometheus.CounterVec
	deleted             prometheus.Counter
}

// Repair kinds of dagworker_coordinator_reconcile_repairs_total.
const (
	RepairEnqueued     = "enqueued"
	RepairLostTries    = "lost_tries"
	RepairFinishedRuns = "finished_runs"
)

// newCoordMetrics registers on reg:
//
//	dagworker_coordinator_runs_created_total{dag_id,run_type}
//	dagworker_coordinator_leader (1 while this replica holds the lease)
//	dagworker_coordinator_reconcile_sweeps_total
//	dagworker_coordinator_reconcile_errors_total (DAGs whose sweep failed)
//	dagworker_coordinator_reconcile_repairs_total{kind} (enqueued, lost_tries, finished_runs)
//	dagworker_coordinator_retention_runs_deleted_total (finished runs the retention deleted)
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
		repairs: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: "dagworker", Subsystem: "coordinator",
			Name: "reconcile_repairs_total", Help: "What reconcile sweeps repaired, by kind: enqueued " +
				"(tries and retry timers asynq had lost), lost_tries (tries failed because their asynq task " +
				"was archived or gone), finished_runs (runs ended by dagrun_timeout)."}, []string{"kind"}),
		deleted: prometheus.NewCounter(prometheus.CounterOpts{Namespace: "dagworker", Subsystem: "coordinator",
			Name: "retention_runs_deleted_total", Help: "Finished runs the retention (--retention) deleted."}),
	}
	for _, k := range []string{RepairEnqueued, RepairLostTries, RepairFinishedRuns} {
		m.repairs.WithLabelValues(k)
	}
	importErrors := prometheus.NewGaugeFunc(prometheus.GaugeOpts{Namespace: "dagworker", Subsystem: "dag",
		Name: "import_errors", Help: "DAG files that do not load (Airflow's import errors)."},
		func() float64 { return float64(len(f.ImportErrors())) })
	for _, c := range []prometheus.Collector{m.runs, m.leader, m.sweeps, m.sweepErrors, m.repairs, m.deleted, importErrors} {
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

func (m *coordMetrics) retained(n int) {
	if m != nil {
		m.deleted.Add(float64(n))
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

func (m *coordMetrics) sweep(failed int, r engine.Repairs) {
	if m != nil {
		m.sweeps.Inc()
		m.sweepErrors.Add(float64(failed))
		m.repairs.WithLabelValues(RepairEnqueued).Add(float64(r.Enqueued))
		m.repairs.WithLabelValues(RepairLostTries).Add(float64(r.LostTries))
		m.repairs.WithLabelValues(RepairFinishedRuns).Add(float64(r.FinishedRuns))
	}
}

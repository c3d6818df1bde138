package metrics

import (
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Other is the dag_id and task_id label value of the series beyond
// DAGsConfig.MaxSeries.
const Other = "_other"

// DefaultMaxSeries is DAGsConfig.MaxSeries's default.
const DefaultMaxSeries = 2000

// DAGs records tries and runs by DAG:
//
//	dagworker_dag_task_tries_total{dag_id,task_id,operator,state}
//	dagworker_dag_task_try_duration_seconds{dag_id,task_id,operator} (handler run time)
//	dagworker_dag_runs_finished_total{dag_id,state} (runs this worker finished: success, failed)
//	dagworker_dag_run_duration_seconds{dag_id,state} (run start to end)
//
// The labels are bounded: past MaxSeries distinct (dag_id, task_id) pairs
// (or dag ids, for the run series) new ones are counted under dag_id and
// task_id "_other". A nil *DAGs records nothing.
type DAGs struct {
	tries    *prometheus.CounterVec
	duration *prometheus.HistogramVec
	runs     *prometheus.CounterVec
	runDur   *prometheus.HistogramVec
	max      int

	mu    sync.Mutex
	tasks map[[2]string]bool
	dags  map[string]bool
}

// NewDAGs registers the per-DAG metrics with reg, capped at maxSeries
// label pairs (0: DefaultMaxSeries). A nil reg returns a nil *DAGs.
func NewDAGs(reg prometheus.Registerer, maxSeries int) (*DAGs, error) {
	if reg == nil {
		return nil, nil
	}
	if maxSeries < 0 {
		return nil, fmt.Errorf("%w: negative MaxSeries", ErrConfig)
	}
	if maxSeries == 0 {
		maxSeries = DefaultMaxSeries
	}
	d := &DAGs{
		tries: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: "dagworker", Subsystem: "dag",
			Name: "task_tries_total", Help: "DAG task tries finished, by DAG, task, operator and state (bounded: see --metrics-max-series)."},
			[]string{"dag_id", "task_id", "operator", "state"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{Namespace: "dagworker", Subsystem: "dag",
			Name: "task_try_duration_seconds", Help: "Run time of DAG task tries, by DAG, task and operator.",
			Buckets: []float64{.01, .1, 1, 10, 60, 300, 1800, 7200}}, []string{"dag_id", "task_id", "operator"}),
		runs: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: "dagworker", Subsystem: "dag",
			Name: "runs_finished_total", Help: "DAG runs finished by this worker's completion steps, by DAG and state."},
			[]string{"dag_id", "state"}),
		runDur: prometheus.NewHistogramVec(prometheus.HistogramOpts{Namespace: "dagworker", Subsystem: "dag",
			Name: "run_duration_seconds", Help: "DAG run durations (start to end), by DAG and final state.",
			Buckets: []float64{1, 10, 60, 300, 900, 1800, 3600, 7200, 21600}}, []string{"dag_id", "state"}),
		max: maxSeries, tasks: map[[2]string]bool{}, dags: map[string]bool{},
	}
	for _, c := range []prometheus.Collector{d.tries, d.duration, d.runs, d.runDur} {
		if err := reg.Register(c); err != nil {
			var are prometheus.AlreadyRegisteredError
			if errors.As(err, &are) {
				return nil, fmt.Errorf("%w: DAG metrics already registered on this registry: %w", ErrConfig, err)
			}
			return nil, fmt.Errorf("%w: %w", ErrConfig, err)
		}
	}
	return d, nil
}

// taskLabels returns the (dag_id, task_id) labels of a try, "_other" past
// the cap.
func (d *DAGs) taskLabels(dagID, taskID string) (string, string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	k := [2]string{dagID, taskID}
	if d.tasks[k] {
		return dagID, taskID
	}
	if len(d.tasks) >= d.max {
		return Other, Other
	}
	d.tasks[k] = true
	return dagID, taskID
}

func (d *DAGs) dagLabel(dagID string) string {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.dags[dagID] {
		return dagID
	}
	if len(d.dags) >= d.max {
		return Other
	}
	d.dags[dagID] = true
	return dagID
}

// Try records a finished DAG task try.
func (d *DAGs) Try(dagID, taskID, operator, state string, ran time.Duration) {
	if d == nil {
		return
	}
	dl, tl := d.taskLabels(dagID, taskID)
	d.tries.WithLabelValues(dl, tl, operator, state).Inc()
	d.duration.WithLabelValues(dl, tl, operator).Observe(ran.Seconds())
}

// RunFinished records a run that ended in state after lasting took.
func (d *DAGs) RunFinished(dagID, state string, took time.Duration) {
	if d == nil {
		return
	}
	dl := d.dagLabel(dagID)
	d.runs.WithLabelValues(dl, state).Inc()
	d.runDur.WithLabelValues(dl, state).Observe(took.Seconds())
}

package metrics

import (
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Kind is what a try belongs to: a DAG task instance or an ad-hoc task.
type Kind string

// The kinds of tries, the value of the "kind" label.
const (
	KindDAG   Kind = "dag"
	KindAdHoc Kind = "adhoc"
)

// The final states a try is counted under (Airflow's names).
const (
	StateSuccess    = "success"
	StateFailed     = "failed"
	StateUpForRetry = "up_for_retry"
	StateSkipped    = "skipped"
)

var states = [...]string{StateSuccess, StateFailed, StateUpForRetry, StateSkipped}

// Tries records task tries:
//
//	dagworker_task_tries_started_total{kind,task_type}
//	dagworker_task_tries_finished_total{kind,task_type,state}
//	dagworker_task_try_duration_seconds{kind,task_type} (handler run time)
//	dagworker_task_tries_running{kind,task_type}
//	dagworker_task_panics_total{kind,task_type}
//	dagworker_task_completion_duration_seconds (handler return → outcome recorded)
//
// Bind returns the label children of one (kind, task type) once, so the hot
// path does no label lookups. A nil *Tries is valid and records nothing.
type Tries struct {
	started, finished, panics *prometheus.CounterVec
	duration                  *prometheus.HistogramVec
	running                   *prometheus.GaugeVec
	completion                prometheus.Histogram

	mu    sync.Mutex
	bound map[typeKey]*TypeTries
}

type typeKey struct {
	kind Kind
	typ  string
}

// NewTries registers the try metrics with reg. A nil reg returns a nil
// *Tries (metrics off).
func NewTries(reg prometheus.Registerer) (*Tries, error) {
	if reg == nil {
		return nil, nil
	}
	labels := []string{"kind", "task_type"}
	t := &Tries{
		started: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: "dagworker", Subsystem: "task",
			Name: "tries_started_total", Help: "Task tries started, by kind (dag, adhoc) and task type."}, labels),
		finished: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: "dagworker", Subsystem: "task",
			Name: "tries_finished_total", Help: "Task tries finished, by kind, task type and final state " +
				"(success, failed, up_for_retry, skipped)."}, append(labels, "state")),
		panics: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: "dagworker", Subsystem: "task",
			Name: "panics_total", Help: "Handler panics recovered (each fails its try)."}, labels),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{Namespace: "dagworker", Subsystem: "task",
			Name: "try_duration_seconds", Help: "Run time of task handlers.",
			Buckets: []float64{.001, .005, .025, .1, .5, 1, 5, 15, 60, 300, 1800}}, labels),
		running: prometheus.NewGaugeVec(prometheus.GaugeOpts{Namespace: "dagworker", Subsystem: "task",
			Name: "tries_running", Help: "Task tries running now on this process."}, labels),
		completion: prometheus.NewHistogram(prometheus.HistogramOpts{Namespace: "dagworker", Subsystem: "task",
			Name: "completion_duration_seconds", Help: "From a DAG task handler's return to its outcome " +
				"recorded in Redis (log upload, if any, and the atomic completion step).",
			Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, 1, 5}}),
		bound: map[typeKey]*TypeTries{},
	}
	for _, c := range []prometheus.Collector{t.started, t.finished, t.panics, t.duration, t.running, t.completion} {
		if err := reg.Register(c); err != nil {
			var are prometheus.AlreadyRegisteredError
			if errors.As(err, &are) {
				return nil, fmt.Errorf("%w: try metrics already registered on this registry: %w", ErrConfig, err)
			}
			return nil, fmt.Errorf("%w: %w", ErrConfig, err)
		}
	}
	return t, nil
}

// Bind returns the metrics of one kind and task type, creating their label
// children on first use. Callers on a hot path keep the result. A nil
// *Tries returns a nil *TypeTries, which records nothing.
func (t *Tries) Bind(kind Kind, taskType string) *TypeTries {
	if t == nil {
		return nil
	}
	k := typeKey{kind, taskType}
	t.mu.Lock()
	defer t.mu.Unlock()
	if b, ok := t.bound[k]; ok {
		return b
	}
	b := &TypeTries{
		started:  t.started.WithLabelValues(string(kind), taskType),
		panics:   t.panics.WithLabelValues(string(kind), taskType),
		duration: t.duration.WithLabelValues(string(kind), taskType),
		running:  t.running.WithLabelValues(string(kind), taskType),
		other:    t.finished.MustCurryWith(prometheus.Labels{"kind": string(kind), "task_type": taskType}),
	}
	if kind == KindDAG {
		b.completion = t.completion
	}
	for i, s := range states {
		b.finished[i] = b.other.WithLabelValues(s)
	}
	t.bound[k] = b
	return b
}

// TypeTries holds the pre-bound metrics of one kind and task type.
type TypeTries struct {
	started, panics prometheus.Counter
	duration        prometheus.Observer
	running         prometheus.Gauge
	completion      prometheus.Observer // nil for ad-hoc tasks
	finished        [len(states)]prometheus.Counter
	other           *prometheus.CounterVec // states outside the four
}

// Start counts a try as started and running. Call End on the result when
// the try is over (in every path: defer it).
func (b *TypeTries) Start() Try {
	if b == nil {
		return Try{}
	}
	b.started.Inc()
	b.running.Inc()
	return Try{b: b, start: time.Now()}
}

// Try measures one try. Its zero value (metrics off) records nothing.
type Try struct {
	b          *TypeTries
	start, ran time.Time
}

// Ran records the handler's run time (from Start) and whether it panicked.
func (t *Try) Ran(panicked bool) {
	if t.b == nil {
		return
	}
	t.ran = time.Now()
	t.b.duration.Observe(t.ran.Sub(t.start).Seconds())
	if panicked {
		t.b.panics.Inc()
	}
}

// Finished counts the try under its final state and, for a DAG try after
// Ran, records the completion latency (Ran → now).
func (t *Try) Finished(state string) {
	if t.b == nil {
		return
	}
	if t.b.completion != nil && !t.ran.IsZero() {
		t.b.completion.Observe(time.Since(t.ran).Seconds())
	}
	for i, s := range states {
		if s == state {
			t.b.finished[i].Inc()
			return
		}
	}
	t.b.other.WithLabelValues(state).Inc()
}

// End counts the try as no longer running. Call it once.
func (t *Try) End() {
	if t.b != nil {
		t.b.running.Dec()
	}
}

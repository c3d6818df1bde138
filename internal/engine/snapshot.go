package engine

import (
	"time"

	"github.com/dagworker/dagworker/internal/dag"
	"github.com/dagworker/dagworker/internal/runstore"
)

// NewSnapshot copies d for a run, resolving each task's queue: the task's
// own, else queues[operator], else defaultQueue.
func NewSnapshot(d *dag.DAG, queues map[string]string, defaultQueue string) *runstore.Snapshot {
	s := &runstore.Snapshot{
		DagID: d.ID, Version: d.Version, Description: d.Description,
		MaxActiveRuns: d.MaxActiveRuns, MaxActiveTasks: d.MaxActiveTasks, DagrunTimeout: d.DagrunTimeout,
		Params: d.Params, Tags: d.Tags, Owners: d.Owners, File: d.File,
	}
	for _, t := range d.Tasks {
		weight := t.PriorityWeightTotal
		if weight == 0 {
			weight = t.PriorityWeight // a DAG not built by the loader
		}
		q := t.Queue
		if q == "" {
			q = queues[t.Operator]
		}
		if q == "" {
			q = defaultQueue
		}
		s.Tasks = append(s.Tasks, runstore.SnapshotTask{
			TaskID: t.ID, Operator: t.Operator, Args: t.Args, Upstream: t.Upstream, Downstream: t.Downstream,
			TriggerRule: string(t.TriggerRule), Retries: t.Retries, RetryDelay: t.RetryDelay,
			RetryExponentialBackoff: t.RetryExponentialBackoff, MaxRetryDelay: t.MaxRetryDelay,
			ExecutionTimeout: t.ExecutionTimeout, Queue: q, Pool: t.Pool, PoolSlots: t.PoolSlots,
			PriorityWeight: weight, Group: t.Group, Owner: t.Owner, Params: t.Params,
		})
	}
	return s
}

// RetryDelay is the delay after try (which failed) before the next try of ti:
// Airflow's retry_delay, or with retry_exponential_backoff
// retry_delay·2^(try-1) rounded up to whole seconds and capped by
// max_retry_delay (24 h when unset); see dag.Task.RetryDelayFor.
func RetryDelay(ti *runstore.TaskInstance, try int) time.Duration {
	t := dag.Task{ID: ti.TaskID, RetryDelay: ti.RetryDelay, RetryExponentialBackoff: ti.RetryExponentialBackoff,
		MaxRetryDelay: ti.MaxRetryDelay}
	return t.RetryDelayFor(try)
}

package runstore

import (
	"context"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
)

// StartTry moves try of a task instance from queued to running (or accepts
// it again after a worker crash). It returns ErrFenced when the try is not
// the current one or the task instance is not queued/running (a replayed or
// late delivery): the caller must drop the task without running it.
func (s *Store) StartTry(ctx context.Context, dagID, runID, taskID string, try int, hostname string) (*StartInfo, error) {
	return s.StartTryAt(ctx, dagID, runID, taskID, try, hostname, s.now())
}

// StartTryAt is StartTry for a try whose handler started at startedAt: a
// worker that started it from its payload (see Static) marks it running
// late, with the time it really began.
func (s *Store) StartTryAt(ctx context.Context, dagID, runID, taskID string, try int, hostname string,
	startedAt time.Time) (*StartInfo, error) {
	now := ms(startedAt)
	res, err := s.run(ctx, scriptStart, dagID, runID, taskID, try, hostname, now)
	if err != nil {
		return nil, fmt.Errorf("start %s/%s/%s try %d: %w", dagID, runID, taskID, try, err)
	}
	switch str(res[0]) {
	case "missing":
		return nil, fmt.Errorf("start %s/%s/%s: %w", dagID, runID, taskID, ErrTaskNotFound)
	case "fenced":
		return nil, fmt.Errorf("start %s/%s/%s try %d (state %q): %w", dagID, runID, taskID, try, str(res[1]), ErrFenced)
	}
	tm := zip(startTIFields, res[1])
	tm["state"], tm["start_date"], tm["hostname"] = string(TIRunning), now, hostname
	ti := tiFromHash(dagID, runID, taskID, tm)
	run := runFromHash(dagID, runID, zip(startRunFields, res[2]))
	return &StartInfo{TI: ti, Run: run, Redelivered: str(res[0]) == "redelivered"}, nil
}

// startTIFields are the task instance fields start.lua returns, in its order.
var startTIFields = []string{"state", "try_number", "max_tries", "operator", "queue", "pool", "pool_slots",
	"priority_weight", "rule", "args", "exec_timeout_ms", "retry_delay_ms", "retry_exp", "max_retry_delay_ms",
	"queued_at", "up", "down", "params"}

// zip pairs names with the values of an HMGET reply (nil values left out).
func zip(names []string, v any) map[string]string {
	vals, _ := v.([]any)
	m := make(map[string]string, len(names)+3)
	for i, x := range vals {
		if i < len(names) && x != nil {
			m[names[i]] = str(x)
		}
	}
	return m
}

// startRunFields are the run fields start.lua returns, in its order.
var startRunFields = []string{"state", "run_type", "logical_date", "data_interval_start", "data_interval_end",
	"start_date", "conf", "params", "dag_version", "dagrun_timeout_ms", "max_active_tasks"}

// Complete is the completion step: one atomic script that fences the try
// (ErrFenced unless it is the current try, queued or running, of a running
// run; a queued one takes its start and host from c.Record),
// records it, sets the task's state (success, up_for_retry, failed,
// skipped), propagates terminal states to downstream counters and trigger
// rules (cascading skipped and upstream_failed), dispatches newly ready
// tasks under max_active_tasks, finishes the run when every task instance is
// terminal and starts queued runs under max_active_runs.
func (s *Store) Complete(ctx context.Context, c Completion) (*CompleteResult, error) {
	if len(c.XCom) > s.xcomMax {
		return nil, fmt.Errorf("%s/%s/%s: %d bytes over %d: %w", c.DagID, c.RunID, c.TaskID, len(c.XCom), s.xcomMax, ErrXComTooLarge)
	}
	if c.Outcome == "" {
		return nil, fmt.Errorf("%w: completion without outcome", ErrInvalid)
	}
	now := s.now()
	rec := c.Record
	rec.Try = c.Try
	if rec.EndDate.IsZero() {
		rec.EndDate = now
	}
	if rec.Duration == 0 && !rec.StartDate.IsZero() {
		rec.Duration = rec.EndDate.Sub(rec.StartDate).Seconds()
	}
	if rec.State == "" {
		rec.State = outcomeState(c.Outcome)
	}
	recJSON := rec.appendJSON(nil)
	res, err := s.run(ctx, scriptComplete, c.DagID, c.RunID, c.TaskID, c.Try, string(c.Outcome), ms(now),
		c.RetryDelay.Milliseconds(), string(recJSON), string(c.XCom), ms(rec.StartDate), rec.Hostname)
	if err != nil {
		return nil, fmt.Errorf("complete %s/%s/%s try %d: %w", c.DagID, c.RunID, c.TaskID, c.Try, err)
	}
	if str(res[0]) == "fenced" {
		return nil, fmt.Errorf("complete %s/%s/%s try %d (state %q): %w", c.DagID, c.RunID, c.TaskID, c.Try, str(res[1]), ErrFenced)
	}
	return &CompleteResult{State: TIState(str(res[1])), RunState: RunState(str(res[2])), Dispatch: dispatches(c.DagID, res, 3)}, nil
}

func outcomeState(o Outcome) TIState {
	switch o {
	case OutcomeSuccess:
		return TISuccess
	case OutcomeSkipped:
		return TISkipped
	}
	return TIFailed
}

// RetryDue is called when the retry timer of try (which failed) fires: the
// task instance's next try becomes ready and is returned for dispatch, or
// parked until a max_active_tasks slot frees. ErrFenced when the task is no
// longer waiting for that retry.
func (s *Store) RetryDue(ctx context.Context, dagID, runID, taskID string, try int) ([]Dispatch, error) {
	res, err := s.run(ctx, scriptRetry, dagID, runID, taskID, try, ms(s.now()))
	if err != nil {
		return nil, fmt.Errorf("retry %s/%s/%s after try %d: %w", dagID, runID, taskID, try, err)
	}
	if str(res[0]) == "fenced" {
		return nil, fmt.Errorf("retry %s/%s/%s after try %d: %w", dagID, runID, taskID, try, ErrFenced)
	}
	return dispatches(dagID, res, 2), nil
}

// FinishRun ends an unfinished run with state (RunSuccess or RunFailed) and
// reason: unfinished task instances become skipped and their running tries
// are fenced off. It returns the roots of queued runs that could start. A
// run that is already finished is left alone.
func (s *Store) FinishRun(ctx context.Context, dagID, runID string, state RunState, reason string) ([]Dispatch, error) {
	if !state.Finished() {
		return nil, fmt.Errorf("%w: finish run with state %q", ErrInvalid, state)
	}
	res, err := s.run(ctx, scriptFinish, dagID, runID, string(state), reason, ms(s.now()))
	if err != nil {
		return nil, fmt.Errorf("finish run %s/%s: %w", dagID, runID, err)
	}
	if str(res[0]) == "missing" {
		return nil, fmt.Errorf("finish run %s/%s: %w", dagID, runID, ErrRunNotFound)
	}
	return dispatches(dagID, res, 2), nil
}

// Unfinished is a task instance that is queued, running or up_for_retry,
// with what the reconcile sweep needs of it.
type Unfinished struct {
	// Dispatch is the current try as a step hands it out; for an
	// up_for_retry task instance, the retry timer of the try that failed
	// (RetryAt set).
	Dispatch
	State TIState
	// QueuedAt and StartDate are the current try's (zero when unset).
	QueuedAt  time.Time
	StartDate time.Time
	Hostname  string
}

// unfinishedBatch bounds the task instances read in one pipeline.
const unfinishedBatch = 1000

// UnfinishedTasks returns the run's queued, running and up_for_retry task
// instances in task order. It reads only the fields the reconcile sweep
// needs, in pipelines of unfinishedBatch task instances: a sweep over a run
// of 20,000 tasks neither moves their try records nor holds one huge reply.
func (s *Store) UnfinishedTasks(ctx context.Context, dagID, runID string) ([]Unfinished, error) {
	ids, err := s.rdb.LRange(ctx, s.keys.TaskList(dagID, runID), 0, -1).Result()
	if err != nil {
		return nil, fmt.Errorf("unfinished tasks of %s/%s: %w", dagID, runID, err)
	}
	rv, err := s.rdb.HMGet(ctx, s.keys.Run(dagID, runID), "inc", "tp").Result()
	if err != nil {
		return nil, fmt.Errorf("unfinished tasks of %s/%s: %w", dagID, runID, err)
	}
	inc, tp := str(rv[0]), str(rv[1])
	var out []Unfinished
	cmds := make([]*redis.SliceCmd, 0, min(len(ids), unfinishedBatch))
	for lo := 0; lo < len(ids); lo += unfinishedBatch {
		batch := ids[lo:min(lo+unfinishedBatch, len(ids))]
		pipe := s.rdb.Pipeline()
		cmds = cmds[:0]
		for _, id := range batch {
			cmds = append(cmds, pipe.HMGet(ctx, s.keys.TI(dagID, runID, id), "state", "try_number", "queue",
				"exec_timeout_ms", "next_try_at", "pool", "pool_slots", "queued_at", "start_date", "hostname"))
		}
		if _, err := pipe.Exec(ctx); err != nil {
			return nil, fmt.Errorf("unfinished tasks of %s/%s: %w", dagID, runID, err)
		}
		for i, c := range cmds {
			v := c.Val()
			st := TIState(str(v[0]))
			if st != TIQueued && st != TIRunning && st != TIUpForRetry {
				continue
			}
			u := Unfinished{State: st, QueuedAt: fromMS(str(v[7])), StartDate: fromMS(str(v[8])), Hostname: str(v[9]),
				Dispatch: Dispatch{DagID: dagID, RunID: runID, TaskID: batch[i], Try: atoi(str(v[1])), Queue: str(v[2]), Inc: inc, TraceParent: tp,
					ExecutionTimeout: time.Duration(atoi(str(v[3]))) * time.Millisecond}}
			if st == TIUpForRetry {
				u.RetryAt = fromMS(str(v[4]))
			} else if u.Pool = str(v[5]); u.Pool != "" {
				u.PoolSlots = max(1, atoi(str(v[6])))
			}
			out = append(out, u)
		}
	}
	return out, nil
}

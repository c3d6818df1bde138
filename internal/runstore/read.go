package runstore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// runFields are the run hash fields a Run is read from (not the DAG snapshot
// or the root list, which can be megabytes for wide DAGs).
var runFields = []string{"state", "run_type", "logical_date", "data_interval_start", "data_interval_end",
	"run_after", "queued_at", "start_date", "end_date", "conf", "params", "dag_version", "note", "triggered_by",
	"failure_reason", "n_tasks", "n_done", "max_active_runs", "max_active_tasks", "dagrun_timeout_ms", "inc", "triggering_user",
	"dag_version_n"}

// GetRun returns one run (ErrRunNotFound if there is none).
func (s *Store) GetRun(ctx context.Context, dagID, runID string) (*Run, error) {
	vals, err := s.rdb.HMGet(ctx, s.keys.Run(dagID, runID), runFields...).Result()
	if err != nil {
		return nil, fmt.Errorf("get run %s/%s: %w", dagID, runID, err)
	}
	m := fieldMap(vals)
	if m == nil {
		return nil, fmt.Errorf("run %s/%s: %w", dagID, runID, ErrRunNotFound)
	}
	return runFromHash(dagID, runID, m), nil
}

// fieldMap pairs HMGET values with runFields; nil when the hash is missing.
func fieldMap(vals []any) map[string]string {
	if len(vals) == 0 || vals[0] == nil {
		return nil
	}
	m := make(map[string]string, len(vals))
	for i, v := range vals {
		if v != nil {
			m[runFields[i]] = str(v)
		}
	}
	return m
}

func runFromHash(dagID, runID string, m map[string]string) *Run {
	return &Run{
		DagID: dagID, RunID: runID,
		State: RunState(m["state"]), RunType: RunType(m["run_type"]),
		LogicalDate:       fromMS(m["logical_date"]),
		DataIntervalStart: fromMS(m["data_interval_start"]),
		DataIntervalEnd:   fromMS(m["data_interval_end"]),
		RunAfter:          fromMS(m["run_after"]),
		QueuedAt:          fromMS(m["queued_at"]),
		StartDate:         fromMS(m["start_date"]),
		EndDate:           fromMS(m["end_date"]),
		Conf:              rawOr(m["conf"], "{}"),
		Params:            rawOr(m["params"], "{}"),
		DagVersion:        m["dag_version"],
		DagVersionNumber:  versionNumber(m["dag_version_n"]),
		DagVersionCreated: versionCreated(m["dag_version_n"]),
		Note:              m["note"],
		TriggeredBy:       m["triggered_by"],
		TriggeringUser:    m["triggering_user"],
		FailureReason:     m["failure_reason"],
		TasksTotal:        atoi(m["n_tasks"]),
		TasksDone:         atoi(m["n_done"]),
		MaxActiveRuns:     atoi(m["max_active_runs"]),
		MaxActiveTasks:    atoi(m["max_active_tasks"]),
		DagrunTimeout:     time.Duration(atoi(m["dagrun_timeout_ms"])) * time.Millisecond,
		Incarnation:       m["inc"],
	}
}

func rawOr(v, def string) json.RawMessage {
	if v == "" {
		v = def
	}
	return json.RawMessage(v)
}

// Snapshot returns the DAG definition the run was created with.
func (s *Store) Snapshot(ctx context.Context, dagID, runID string) (*Snapshot, error) {
	v, err := s.rdb.HGet(ctx, s.keys.Run(dagID, runID), "dag").Result()
	if err != nil {
		return nil, notFound(err, ErrRunNotFound, "run "+dagID+"/"+runID)
	}
	var snap Snapshot
	if err := json.Unmarshal([]byte(v), &snap); err != nil {
		return nil, fmt.Errorf("run %s/%s snapshot: %w", dagID, runID, err)
	}
	return &snap, nil
}

// ListRunsOptions pages ListRuns.
type ListRunsOptions struct {
	// Offset and Limit page the runs (Limit 0 means all).
	Offset, Limit int
	// Newest lists the latest logical date first.
	Newest bool
	// States keeps only the runs in one of these states (empty: every
	// state). The store reads the states of the DAG's runs in chunks of
	// scanChunk and loads only the runs of the page.
	States []RunState
}

// scanChunk is how many run ids ListRuns reads at a time to filter by state.
const scanChunk = 512

// ListRuns returns one page of a DAG's runs ordered by logical date (runs
// without one by creation time) and the number of runs that match.
func (s *Store) ListRuns(ctx context.Context, dagID string, opt ListRunsOptions) ([]*Run, int, error) {
	if len(opt.States) > 0 {
		return s.listRunsByState(ctx, dagID, opt)
	}
	key := s.keys.Runs(dagID)
	total, err := s.rdb.ZCard(ctx, key).Result()
	if err != nil {
		return nil, 0, fmt.Errorf("list runs of %q: %w", dagID, err)
	}
	stop := int64(-1)
	if opt.Limit > 0 {
		stop = int64(opt.Offset + opt.Limit - 1)
	}
	ids, err := s.rdb.ZRangeArgs(ctx, redis.ZRangeArgs{Key: key, Start: int64(opt.Offset), Stop: stop, Rev: opt.Newest}).Result()
	if err != nil {
		return nil, 0, fmt.Errorf("list runs of %q: %w", dagID, err)
	}
	runs, err := s.getRuns(ctx, dagID, ids)
	return runs, int(total), err
}

// listRunsByState walks the runs zset in chunks, reading only the state of
// each run, counts the matches and keeps the ids of the page.
func (s *Store) listRunsByState(ctx context.Context, dagID string, opt ListRunsOptions) ([]*Run, int, error) {
	want := make(map[string]bool, len(opt.States))
	for _, st := range opt.States {
		want[string(st)] = true
	}
	key := s.keys.Runs(dagID)
	var page []string
	total := 0
	for start := int64(0); ; start += scanChunk {
		ids, err := s.rdb.ZRangeArgs(ctx, redis.ZRangeArgs{Key: key, Start: start, Stop: start + scanChunk - 1, Rev: opt.Newest}).Result()
		if err != nil {
			return nil, 0, fmt.Errorf("list runs of %q: %w", dagID, err)
		}
		if len(ids) == 0 {
			break
		}
		pipe := s.rdb.Pipeline()
		cmds := make([]*redis.StringCmd, len(ids))
		for i, id := range ids {
			cmds[i] = pipe.HGet(ctx, s.keys.Run(dagID, id), "state")
		}
		if _, err := pipe.Exec(ctx); err != nil && !errors.Is(err, redis.Nil) {
			return nil, 0, fmt.Errorf("list runs of %q: %w", dagID, err)
		}
		for i, c := range cmds {
			if !want[c.Val()] {
				continue
			}
			if total >= opt.Offset && (opt.Limit <= 0 || total < opt.Offset+opt.Limit) {
				page = append(page, ids[i])
			}
			total++
		}
		if len(ids) < scanChunk {
			break
		}
	}
	runs, err := s.getRuns(ctx, dagID, page)
	return runs, total, err
}

// ActiveRuns returns the ids of a DAG's running and queued runs (for the
// reconcile sweep).
func (s *Store) ActiveRuns(ctx context.Context, dagID string) (running, queued []string, err error) {
	running, err = s.rdb.SMembers(ctx, s.keys.Active(dagID)).Result()
	if err != nil {
		return nil, nil, fmt.Errorf("active runs of %q: %w", dagID, err)
	}
	sort.Strings(running)
	queued, err = s.rdb.ZRange(ctx, s.keys.Queued(dagID), 0, -1).Result()
	if err != nil {
		return nil, nil, fmt.Errorf("queued runs of %q: %w", dagID, err)
	}
	return running, queued, nil
}

// DAGIDs returns the ids of the DAGs that have runs, sorted.
func (s *Store) DAGIDs(ctx context.Context) ([]string, error) {
	ids, err := s.rdb.SMembers(ctx, s.keys.DAGs()).Result()
	if err != nil {
		return nil, fmt.Errorf("dag ids: %w", err)
	}
	sort.Strings(ids)
	return ids, nil
}

func (s *Store) getRuns(ctx context.Context, dagID string, ids []string) ([]*Run, error) {
	pipe := s.rdb.Pipeline()
	cmds := make([]*redis.SliceCmd, len(ids))
	for i, id := range ids {
		cmds[i] = pipe.HMGet(ctx, s.keys.Run(dagID, id), runFields...)
	}
	if len(ids) > 0 {
		if _, err := pipe.Exec(ctx); err != nil {
			return nil, fmt.Errorf("get runs of %q: %w", dagID, err)
		}
	}
	runs := make([]*Run, 0, len(ids))
	for i, c := range cmds {
		if m := fieldMap(c.Val()); m != nil {
			runs = append(runs, runFromHash(dagID, ids[i], m))
		}
	}
	return runs, nil
}

// TaskInstances returns the task instances of a run in topological order.
func (s *Store) TaskInstances(ctx context.Context, dagID, runID string) ([]*TaskInstance, error) {
	ids, err := s.rdb.LRange(ctx, s.keys.TaskList(dagID, runID), 0, -1).Result()
	if err != nil {
		return nil, fmt.Errorf("task instances of %s/%s: %w", dagID, runID, err)
	}
	if len(ids) == 0 {
		if _, err := s.GetRun(ctx, dagID, runID); err != nil {
			return nil, err
		}
		return nil, nil
	}
	pipe := s.rdb.Pipeline()
	cmds := make([]*redis.MapStringStringCmd, len(ids))
	for i, id := range ids {
		cmds[i] = pipe.HGetAll(ctx, s.keys.TI(dagID, runID, id))
	}
	if _, err := pipe.Exec(ctx); err != nil {
		return nil, fmt.Errorf("task instances of %s/%s: %w", dagID, runID, err)
	}
	out := make([]*TaskInstance, 0, len(ids))
	for i, c := range cmds {
		out = append(out, tiFromHash(dagID, runID, ids[i], c.Val()))
	}
	return out, nil
}

// TaskInstance returns one task instance (ErrTaskNotFound if there is none).
func (s *Store) TaskInstance(ctx context.Context, dagID, runID, taskID string) (*TaskInstance, error) {
	m, err := s.rdb.HGetAll(ctx, s.keys.TI(dagID, runID, taskID)).Result()
	if err != nil {
		return nil, fmt.Errorf("task instance %s/%s/%s: %w", dagID, runID, taskID, err)
	}
	if len(m) == 0 {
		return nil, fmt.Errorf("task instance %s/%s/%s: %w", dagID, runID, taskID, ErrTaskNotFound)
	}
	return tiFromHash(dagID, runID, taskID, m), nil
}

func tiFromHash(dagID, runID, taskID string, m map[string]string) *TaskInstance {
	ti := &TaskInstance{
		DagID: dagID, RunID: runID, TaskID: taskID,
		State: TIState(m["state"]), TryNumber: atoi(m["try_number"]), MaxTries: atoi(m["max_tries"]),
		Operator: m["operator"], Queue: m["queue"], Pool: m["pool"],
		PoolSlots: atoi(m["pool_slots"]), PriorityWeight: atoi(m["priority_weight"]),
		TriggerRule: m["rule"], Hostname: m["hostname"],
		QueuedAt: fromMS(m["queued_at"]), StartDate: fromMS(m["start_date"]), EndDate: fromMS(m["end_date"]),
		Duration:                time.Duration(atoi(m["duration_ms"])) * time.Millisecond,
		NextTryAt:               fromMS(m["next_try_at"]),
		Upstream:                split(m["up"]),
		Downstream:              split(m["down"]),
		Args:                    rawOr(m["args"], "{}"),
		Params:                  json.RawMessage(m["params"]),
		ExecutionTimeout:        time.Duration(atoi(m["exec_timeout_ms"])) * time.Millisecond,
		RetryDelay:              time.Duration(atoi(m["retry_delay_ms"])) * time.Millisecond,
		RetryExponentialBackoff: m["retry_exp"] == "1",
		MaxRetryDelay:           time.Duration(atoi(m["max_retry_delay_ms"])) * time.Millisecond,
	}
	for f, v := range m {
		if !strings.HasPrefix(f, "try:") {
			continue
		}
		var t Try
		if json.Unmarshal([]byte(v), &t) == nil {
			ti.Tries = append(ti.Tries, t)
		}
	}
	sort.Slice(ti.Tries, func(i, j int) bool { return ti.Tries[i].Try < ti.Tries[j].Try })
	return ti
}

func split(v string) []string {
	if v == "" {
		return nil
	}
	return strings.Split(v, ",")
}

// XCom returns a task's return_value JSON (nil when it has none).
func (s *Store) XCom(ctx context.Context, dagID, runID, taskID string) (json.RawMessage, error) {
	v, err := s.rdb.HGet(ctx, s.keys.XCom(dagID, runID), taskID).Result()
	if errors.Is(err, redis.Nil) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("xcom %s/%s/%s: %w", dagID, runID, taskID, err)
	}
	return json.RawMessage(v), nil
}

// XComs returns every return_value of a run by task id.
func (s *Store) XComs(ctx context.Context, dagID, runID string) (map[string]json.RawMessage, error) {
	m, err := s.rdb.HGetAll(ctx, s.keys.XCom(dagID, runID)).Result()
	if err != nil {
		return nil, fmt.Errorf("xcoms %s/%s: %w", dagID, runID, err)
	}
	out := make(map[string]json.RawMessage, len(m))
	for k, v := range m {
		out[k] = json.RawMessage(v)
	}
	return out, nil
}

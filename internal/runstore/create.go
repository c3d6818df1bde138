package runstore

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// Airflow's defaults for limits the DAG leaves at 0.
const (
	defaultMaxActiveRuns  = 16
	defaultMaxActiveTasks = 16
)

// CreateRun creates a run of nr.DAG, idempotently: when a run with the same
// id exists it is returned unchanged with Created false. The run starts at
// once (its root tasks returned in Dispatch) when the DAG is under
// max_active_runs, and is queued otherwise; queued runs start, oldest
// logical date first, when a running run of the DAG ends.
func (s *Store) CreateRun(ctx context.Context, nr NewRun) (*CreateResult, error) {
	d := nr.DAG
	if d == nil {
		return nil, fmt.Errorf("%w: NewRun.DAG is nil", ErrInvalid)
	}
	if err := CheckID("dag", d.DagID); err != nil {
		return nil, err
	}
	now := s.now()
	if nr.RunType == "" {
		nr.RunType = RunManual
	}
	if nr.RunID == "" {
		if nr.RunType != RunManual && nr.LogicalDate.IsZero() {
			return nil, fmt.Errorf("%w: a %s run needs a logical date", ErrInvalid, nr.RunType)
		}
		nr.RunID = RunID(nr.RunType, nr.LogicalDate, now)
	}
	if err := CheckID("run", nr.RunID); err != nil {
		return nil, err
	}
	params, conf, err := mergeParams(d.Params, nr.Conf)
	if err != nil {
		return nil, err
	}
	snap, err := json.Marshal(d)
	if err != nil {
		return nil, fmt.Errorf("snapshot dag %q: %w", d.DagID, err)
	}
	runAfter := nr.RunAfter
	if runAfter.IsZero() {
		runAfter = nr.LogicalDate
	}
	if runAfter.IsZero() {
		runAfter = now
	}
	score := nr.LogicalDate
	if score.IsZero() {
		score = now
	}
	maxRuns, maxTasks := d.MaxActiveRuns, d.MaxActiveTasks
	if maxRuns <= 0 {
		maxRuns = defaultMaxActiveRuns
	}
	if maxTasks <= 0 {
		maxTasks = defaultMaxActiveTasks
	}
	runFields := []any{
		"run_type", string(nr.RunType),
		"logical_date", ms(nr.LogicalDate),
		"data_interval_start", ms(nr.DataIntervalStart),
		"data_interval_end", ms(nr.DataIntervalEnd),
		"run_after", ms(runAfter),
		"conf", string(conf),
		"params", string(params),
		"dag_version", d.Version,
		"dag", string(snap),
		"note", nr.Note,
		"triggered_by", nr.TriggeredBy,
		"triggering_user", nr.TriggeringUser,
		"failure_reason", "",
		"start_date", "",
		"end_date", "",
		"max_active_tasks", maxTasks,
		"dagrun_timeout_ms", d.DagrunTimeout.Milliseconds(),
		"roots", roots(d),
		"inc", incarnation(),
	}
	if nr.TraceParent != "" {
		runFields = append(runFields, "tp", nr.TraceParent, "tpp", nr.TraceParentOf)
	}
	args := []any{nr.RunID, ms(now), score.UnixMilli(), maxRuns, len(runFields) / 2}
	args = append(args, runFields...)
	args = append(args, len(d.Tasks))
	for i := range d.Tasks {
		ta, err := taskArgs(&d.Tasks[i], nr.LogicalDate, d.DagrunTimeout)
		if err != nil {
			return nil, fmt.Errorf("dag %q: %w", d.DagID, err)
		}
		args = append(args, ta...)
	}
	// One round trip: the script and the DAG index (another hash tag, so
	// not inside the script) go in one pipeline, and the script returns the
	// run's fields.
	keys := []string{s.keys.Tag(d.DagID)}
	pipe := s.rdb.Pipeline()
	var ev *redis.Cmd
	if s.evalOnly.Load() {
		ev = pipe.EvalSha(ctx, scriptCreate.eval.Hash(), keys, args...)
	} else {
		ev = pipe.FCall(ctx, scriptCreate.fn, keys, args...)
	}
	index := pipe.SAdd(ctx, s.keys.DAGs(), d.DagID)
	_, _ = pipe.Exec(ctx)
	if err := ev.Err(); err != nil && (missingFunction(err) || redis.HasErrorPrefix(err, "NOSCRIPT")) {
		// The step did not run: load it (or find the server has no
		// functions) and run it on its own.
		ev = s.call(ctx, scriptCreate, keys, args...)
	}
	res, err := ev.Slice()
	if err != nil {
		return nil, fmt.Errorf("create run %s/%s: %w", d.DagID, nr.RunID, err)
	}
	if err := index.Err(); err != nil {
		return nil, fmt.Errorf("index dag %q: %w", d.DagID, err)
	}
	vals, _ := res[1].([]any)
	m := fieldMap(vals)
	if m == nil {
		return nil, fmt.Errorf("create run %s/%s: %w", d.DagID, nr.RunID, ErrRunNotFound)
	}
	run := runFromHash(d.DagID, nr.RunID, m)
	return &CreateResult{Run: run, Created: str(res[0]) == "created", Dispatch: dispatches(d.DagID, res, 2)}, nil
}

// roots lists the tasks that are ready when the run starts: those without
// upstream tasks, and those with trigger rule always.
func roots(d *Snapshot) string {
	var r []string
	for _, t := range d.Tasks {
		if len(t.Upstream) == 0 || t.TriggerRule == "always" {
			r = append(r, t.TaskID)
		}
	}
	return strings.Join(r, ",")
}

func taskArgs(t *SnapshotTask, logical time.Time, dagrunTimeout time.Duration) ([]any, error) {
	if err := CheckID("task", t.TaskID); err != nil {
		return nil, err
	}
	queue := t.Queue
	if queue == "" {
		queue = "default"
	}
	args, err := json.Marshal(t.Args)
	if err != nil {
		return nil, fmt.Errorf("task %q args: %w", t.TaskID, err)
	}
	if t.Args == nil {
		args = []byte("{}")
	}
	rule := t.TriggerRule
	if rule == "" {
		rule = "all_success"
	}
	slots, prio := t.PoolSlots, t.PriorityWeight
	if slots <= 0 {
		slots = 1
	}
	leaf := "0"
	if len(t.Downstream) == 0 {
		leaf = "1"
	}
	static, err := staticOf(t, args, logical, dagrunTimeout)
	if err != nil {
		return nil, err
	}
	var params []byte
	if len(t.Params) > 0 {
		if params, err = json.Marshal(t.Params); err != nil {
			return nil, fmt.Errorf("task %q params: %w", t.TaskID, err)
		}
	}
	// The task instance's fields for create.lua's HSET. try_number, the
	// upstream counters and numeric or string spec fields that are 0 or ""
	// are left out: every reader treats a missing field as 0 or "" (num() in
	// Lua, atoi/fromMS in Go), and a smaller hash makes this HSET and every
	// later HMGET cheaper. The fields readers compare with "" stay.
	out := []any{t.TaskID, 0,
		"state", "", "operator", t.Operator, "queue", queue, "pool_slots", slots, "max_tries", t.Retries + 1,
		"rule", rule, "n_up", len(t.Upstream), "up", strings.Join(t.Upstream, ","),
		"down", strings.Join(t.Downstream, ","), "leaf", leaf, "args", string(args)}
	for _, f := range []struct {
		name string
		v    any
		zero bool
	}{
		{"pool", t.Pool, t.Pool == ""},
		{"priority_weight", prio, prio == 0},
		{"exec_timeout_ms", t.ExecutionTimeout.Milliseconds(), t.ExecutionTimeout.Milliseconds() == 0},
		{"retry_delay_ms", t.RetryDelay.Milliseconds(), t.RetryDelay.Milliseconds() == 0},
		{"retry_exp", "1", !t.RetryExponentialBackoff},
		{"max_retry_delay_ms", t.MaxRetryDelay.Milliseconds(), t.MaxRetryDelay.Milliseconds() == 0},
		{"static", static, static == ""},
		{"params", string(params), len(params) == 0},
	} {
		if !f.zero {
			out = append(out, f.name, f.v)
		}
	}
	out[1] = len(out) - 2
	return out, nil
}

// mergeParams returns params with conf merged over them (top-level keys) and
// conf normalised to a JSON object.
func mergeParams(params map[string]any, conf json.RawMessage) (merged, confOut []byte, err error) {
	m := map[string]any{}
	for k, v := range params {
		m[k] = v
	}
	c := map[string]any{}
	if len(conf) > 0 && string(conf) != "null" {
		if err := json.Unmarshal(conf, &c); err != nil {
			return nil, nil, fmt.Errorf("%w: conf is not a JSON object: %w", ErrInvalid, err)
		}
	}
	for k, v := range c {
		m[k] = v
	}
	if merged, err = json.Marshal(m); err != nil {
		return nil, nil, fmt.Errorf("params: %w", err)
	}
	if confOut, err = json.Marshal(c); err != nil {
		return nil, nil, fmt.Errorf("conf: %w", err)
	}
	return merged, confOut, nil
}

// incarnation returns a new run incarnation token (see Run.Incarnation).
func incarnation() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

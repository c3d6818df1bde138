package apiengine

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/dagworker/dagworker/internal/apimodel"
	"github.com/dagworker/dagworker/internal/dag"
	"github.com/dagworker/dagworker/internal/engine"
	"github.com/dagworker/dagworker/internal/runstore"
	"github.com/dagworker/dagworker/internal/state"
	"github.com/dagworker/dagworker/tasks"
)

// EngineBackend adapts the engine, its run store, the DAG folder and the
// data lake to the API's interfaces. Pause flags live in one Redis hash,
// <prefix>:dags:paused (dag_id → "1" or "0"): coordinator.PauseFlags's, which
// the scheduler reads (a test keeps the two in step).
type EngineBackend struct {
	// Engine creates runs (required).
	Engine *engine.Engine
	// Folder returns the loaded DAGs (required).
	Folder func() []*dag.DAG
	// Lake holds the task logs and outputs (nil: logs are empty, outputs 501).
	Lake *tasks.Lake
	// Errors lists the DAG files that do not load (nil: none).
	Errors func() []apimodel.ImportError
}

// Redis is the run store's Redis client.
func (b *EngineBackend) Redis() redis.UniversalClient { return b.store().Client() }

// VariablesKey is the Redis hash of the Airflow variables.
func (b *EngineBackend) VariablesKey() string { return b.store().Keys().Variables() }

// EventsKey is the Redis key of the event log.
func (b *EngineBackend) EventsKey() string { return b.store().Keys().Prefix() + ":event_log" }

// DataLake is Lake.
func (b *EngineBackend) DataLake() *tasks.Lake { return b.Lake }

// SourceFile returns the YAML file the DAG was loaded from.
func (b *EngineBackend) SourceFile(_ context.Context, dagID string) ([]byte, error) {
	d, err := b.dag(dagID)
	if err != nil {
		return nil, err
	}
	return readDAGFile(d.File)
}

func (b *EngineBackend) store() *runstore.Store { return b.Engine.Store() }

func (b *EngineBackend) pausedKey() string { return b.store().Keys().Prefix() + ":dags:paused" }

// DagVersions implements DagVersionStore over the run store's version
// records.
func (b *EngineBackend) DagVersions(ctx context.Context, dagID, current string) ([]apimodel.DagVersionInfo, error) {
	if current != "" {
		if _, err := b.store().RecordDagVersion(ctx, dagID, current); err != nil {
			return nil, err
		}
	}
	vs, err := b.store().DagVersions(ctx, dagID)
	if err != nil {
		return nil, err
	}
	out := make([]apimodel.DagVersionInfo, len(vs))
	for i, v := range vs {
		out[i] = apimodel.DagVersionInfo{Version: v.Version, Number: v.Number, Created: v.Created}
	}
	return out, nil
}

// DAGs implements DAGSource.
func (b *EngineBackend) DAGs() []apimodel.DAGInfo {
	ds := b.Folder()
	out := make([]apimodel.DAGInfo, 0, len(ds))
	for _, d := range ds {
		out = append(out, FromDAG(d))
	}
	return out
}

// FromDAG is the API's view of a DAG.
func FromDAG(d *dag.DAG) apimodel.DAGInfo {
	info := apimodel.DAGInfo{ID: d.ID, Version: d.Version, Description: d.Description, File: d.File, Tags: d.Tags, Owners: d.Owners,
		MaxActiveRuns: d.MaxActiveRuns, MaxActiveTasks: d.MaxActiveTasks, PausedUponCreation: d.IsPausedUponCreation}
	if d.Schedule != nil {
		info.Schedule = d.Schedule.String()
	}
	info.StartDate, info.EndDate = timePtr(d.StartDate), timePtr(d.EndDate)
	info.Catchup, info.DagrunTimeout, info.DocMD, info.Params = d.Catchup, d.DagrunTimeout, d.DocMD, d.Params
	if d.Location != nil {
		info.Timezone = d.Location.String()
	}
	for _, t := range d.Tasks {
		weight := t.PriorityWeightTotal
		if weight == 0 {
			weight = t.PriorityWeight
		}
		info.Tasks = append(info.Tasks, apimodel.TaskInfo{ID: t.ID, Operator: t.Operator, Group: t.Group, Upstream: t.Upstream,
			Downstream: t.Downstream, Owner: t.Owner,
			Queue: t.Queue, Pool: t.Pool, PoolSlots: t.PoolSlots, PriorityWeight: weight, OwnWeight: t.PriorityWeight, Retries: t.Retries,
			RetryDelay: t.RetryDelay, RetryExponentialBackoff: t.RetryExponentialBackoff,
			ExecutionTimeout: t.ExecutionTimeout, TriggerRule: string(t.TriggerRule), Params: t.Params})
	}
	return info
}

func (b *EngineBackend) dag(id string) (*dag.DAG, error) {
	for _, d := range b.Folder() {
		if d.ID == id {
			return d, nil
		}
	}
	return nil, fmt.Errorf("dag %q: %w", id, apimodel.ErrNotFound)
}

// Paused implements PauseStore.
func (b *EngineBackend) Paused(ctx context.Context, dagID string) (bool, bool, error) {
	v, err := b.store().Client().HGet(ctx, b.pausedKey(), dagID).Result()
	if err != nil {
		if errors.Is(err, redis.Nil) {
			return false, false, nil
		}
		return false, false, fmt.Errorf("paused %q: %w", dagID, err)
	}
	return v == "1", true, nil
}

// SetPaused implements PauseStore.
func (b *EngineBackend) SetPaused(ctx context.Context, dagID string, paused bool) error {
	v := "0"
	if paused {
		v = "1"
	}
	if err := b.store().Client().HSet(ctx, b.pausedKey(), dagID, v).Err(); err != nil {
		return fmt.Errorf("set paused %q: %w", dagID, err)
	}
	return nil
}

// TriggerRun implements RunStore.
func (b *EngineBackend) TriggerRun(ctx context.Context, dagID string, req apimodel.TriggerRequest) (apimodel.Run, error) {
	d, err := b.dag(dagID)
	if err != nil {
		return apimodel.Run{}, err
	}
	var conf json.RawMessage
	if req.Conf != nil {
		if conf, err = json.Marshal(req.Conf); err != nil {
			return apimodel.Run{}, fmt.Errorf("conf: %w: %w", err, apimodel.ErrInvalid)
		}
	}
	o := engine.RunOptions{RunID: req.RunID, RunType: runstore.RunManual, RunAfter: req.RunAfter, Conf: conf,
		TriggeredBy: req.TriggeredBy, TriggeringUser: req.TriggeringUser}
	if req.LogicalDate != nil {
		o.LogicalDate = *req.LogicalDate
	}
	switch {
	case req.DataIntervalStart != nil && req.DataIntervalEnd != nil:
		o.DataIntervalStart, o.DataIntervalEnd = *req.DataIntervalStart, *req.DataIntervalEnd
	case req.LogicalDate != nil:
		// As Airflow: the timetable infers the interval of a manual run.
		iv := d.ManualInterval(*req.LogicalDate)
		o.DataIntervalStart, o.DataIntervalEnd = iv.Start, iv.End
	}
	if req.Note != nil {
		o.Note = *req.Note
	}
	res, err := b.Engine.CreateRun(ctx, d, o)
	if err != nil {
		if errors.Is(err, runstore.ErrInvalid) {
			return apimodel.Run{}, fmt.Errorf("%w: %w", err, apimodel.ErrInvalid)
		}
		if res == nil || res.Run == nil {
			return apimodel.Run{}, err
		}
		// The run exists; its enqueue failed and the reconcile sweep repairs it.
	}
	if !res.Created {
		return fromRun(res.Run), fmt.Errorf("run %s: %w", req.RunID, apimodel.ErrRunExists)
	}
	return fromRun(res.Run), nil
}

// apimodel.Run implements RunStore.
func (b *EngineBackend) Run(ctx context.Context, dagID, runID string) (apimodel.Run, error) {
	r, err := b.store().GetRun(ctx, dagID, runID)
	if err != nil {
		return apimodel.Run{}, mapNotFound(err)
	}
	return fromRun(r), nil
}

// ListRuns implements RunStore.
func (b *EngineBackend) ListRuns(ctx context.Context, dagID string, q apimodel.RunQuery) ([]apimodel.Run, int, error) {
	opt := runstore.ListRunsOptions{Offset: q.Offset, Limit: q.Limit, Newest: !q.Oldest}
	for _, st := range q.States {
		opt.States = append(opt.States, runstore.RunState(st))
	}
	rs, total, err := b.store().ListRuns(ctx, dagID, opt)
	if err != nil {
		return nil, 0, err
	}
	out := make([]apimodel.Run, 0, len(rs))
	for _, r := range rs {
		out = append(out, fromRun(r))
	}
	return out, total, nil
}

// PatchRun implements RunEditor as Airflow does: success marks every task
// instance success, failed fails the running ones and skips the unfinished
// ones, on finished runs too; queued puts a finished run back in the queue
// (engine.Engine.SetRunState). A note is stored on the run.
func (b *EngineBackend) PatchRun(ctx context.Context, dagID, runID string, state state.RunState, note *string) (apimodel.Run, error) {
	if note != nil {
		if err := b.store().SetNote(ctx, dagID, runID, *note); err != nil {
			return apimodel.Run{}, mapNotFound(err)
		}
	}
	if state != "" {
		err := b.Engine.SetRunState(ctx, dagID, runID, runstore.RunState(state), "marked "+string(state)+" through the API")
		if errors.Is(err, runstore.ErrInvalid) {
			return apimodel.Run{}, fmt.Errorf("%w: %w", err, apimodel.ErrInvalid)
		}
		if err != nil {
			return apimodel.Run{}, mapNotFound(err)
		}
	}
	return b.Run(ctx, dagID, runID)
}

// DeleteRun implements RunEditor (the run's logs stay in the data lake).
func (b *EngineBackend) DeleteRun(ctx context.Context, dagID, runID string) error {
	return mapNotFound(b.Engine.DeleteRun(ctx, dagID, runID))
}

// ClearRun implements RunEditor: only a finished run can be cleared (400
// otherwise); the cleared tasks and their downstream run again at once.
func (b *EngineBackend) ClearRun(ctx context.Context, dagID, runID string, onlyFailed bool) error {
	_, err := b.Engine.ClearRun(ctx, dagID, runID, onlyFailed)
	if errors.Is(err, runstore.ErrInvalid) {
		return fmt.Errorf("%w: %w", err, apimodel.ErrInvalid)
	}
	return mapNotFound(err)
}

// DeleteDAG implements DAGEditor: every run of the DAG is deleted (a run's
// logs stay in the data lake, as DeleteRun keeps them) and its paused flag
// removed; apimodel.ErrBusy while a task instance of it is running.
func (b *EngineBackend) DeleteDAG(ctx context.Context, dagID string) error {
	var ids []string
	for offset := 0; ; offset += 500 {
		rs, _, err := b.store().ListRuns(ctx, dagID, runstore.ListRunsOptions{Offset: offset, Limit: 500})
		if err != nil {
			return err
		}
		for _, r := range rs {
			if !r.State.Finished() {
				tis, err := b.store().TaskInstances(ctx, dagID, r.RunID)
				if err != nil {
					return mapNotFound(err)
				}
				for _, ti := range tis {
					if ti.State == runstore.TIRunning {
						return fmt.Errorf("dag %s: run %s: %w", dagID, r.RunID, apimodel.ErrBusy)
					}
				}
			}
			ids = append(ids, r.RunID)
		}
		if len(rs) < 500 {
			break
		}
	}
	for _, id := range ids {
		if err := b.Engine.DeleteRun(ctx, dagID, id); err != nil && !errors.Is(err, runstore.ErrRunNotFound) {
			return err
		}
	}
	if err := b.store().Client().HDel(ctx, b.pausedKey(), dagID).Err(); err != nil {
		return fmt.Errorf("delete dag %s: %w", dagID, err)
	}
	return nil
}

// Pools implements PoolStore: the pools defined through the API, and
// default_pool with Airflow's 128 slots until it is changed.
func (b *EngineBackend) Pools(ctx context.Context) ([]apimodel.Pool, error) {
	defs, err := b.store().PoolDefs(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]apimodel.Pool, 0, len(defs)+1)
	hasDefault := false
	for _, d := range defs {
		hasDefault = hasDefault || d.Name == runstore.DefaultPool
		out = append(out, fromPoolDef(d))
	}
	if !hasDefault {
		out = append(out, apimodel.Pool{Name: apimodel.DefaultPoolName, Slots: runstore.DefaultPoolSlots, Description: &defaultPoolDesc})
		slices.SortFunc(out, func(a, b apimodel.Pool) int { return strings.Compare(a.Name, b.Name) })
	}
	return out, nil
}

var defaultPoolDesc = "Default pool"

func fromPoolDef(d runstore.PoolDef) apimodel.Pool {
	return apimodel.Pool{Name: d.Name, Slots: d.Slots, Description: d.Description, IncludeDeferred: d.IncludeDeferred}
}

// apimodel.Pool implements PoolStore.
func (b *EngineBackend) Pool(ctx context.Context, name string) (apimodel.Pool, error) {
	d, ok, err := b.store().PoolDef(ctx, name)
	switch {
	case err != nil:
		return apimodel.Pool{}, err
	case ok:
		return fromPoolDef(d), nil
	case name == apimodel.DefaultPoolName:
		return apimodel.Pool{Name: apimodel.DefaultPoolName, Slots: runstore.DefaultPoolSlots, Description: &defaultPoolDesc}, nil
	}
	return apimodel.Pool{}, fmt.Errorf("pool %q: %w", name, apimodel.ErrNotFound)
}

// PutPool implements PoolStore.
func (b *EngineBackend) PutPool(ctx context.Context, p apimodel.Pool, create bool) error {
	if create && p.Name == apimodel.DefaultPoolName {
		return fmt.Errorf("pool %q: %w", p.Name, apimodel.ErrExists)
	}
	err := b.store().PutPoolDef(ctx, runstore.PoolDef{Name: p.Name, Slots: p.Slots, Description: p.Description,
		IncludeDeferred: p.IncludeDeferred}, create)
	if errors.Is(err, runstore.ErrPoolExists) {
		return fmt.Errorf("%w: %w", err, apimodel.ErrExists)
	}
	return err
}

// DeletePool implements PoolStore.
func (b *EngineBackend) DeletePool(ctx context.Context, name string) error {
	ok, err := b.store().DeletePoolDef(ctx, name)
	if err != nil {
		return err
	}
	if !ok {
		return fmt.Errorf("pool %q: %w", name, apimodel.ErrNotFound)
	}
	return nil
}

// SetTaskStates implements TaskEditor.
func (b *EngineBackend) SetTaskStates(ctx context.Context, dagID, runID string, taskIDs []string, state string) error {
	err := b.Engine.SetTaskStates(ctx, dagID, runID, taskIDs, runstore.TIState(state))
	if errors.Is(err, runstore.ErrInvalid) {
		return fmt.Errorf("%w: %w", err, apimodel.ErrInvalid)
	}
	return mapNotFound(err)
}

// ClearTasks implements TaskEditor.
func (b *EngineBackend) ClearTasks(ctx context.Context, dagID, runID string, taskIDs []string, onlyFailed bool) (int, error) {
	n, err := b.Engine.ClearTasks(ctx, dagID, runID, taskIDs, onlyFailed)
	if errors.Is(err, runstore.ErrInvalid) {
		return 0, fmt.Errorf("%w: %w", err, apimodel.ErrInvalid)
	}
	return n, mapNotFound(err)
}

// TaskInstances implements TaskStore.
func (b *EngineBackend) TaskInstances(ctx context.Context, dagID, runID string) ([]apimodel.TaskInstance, error) {
	tis, err := b.store().TaskInstances(ctx, dagID, runID)
	if err != nil {
		return nil, mapNotFound(err)
	}
	xcoms, err := b.store().XComs(ctx, dagID, runID)
	if err != nil {
		return nil, err
	}
	out := make([]apimodel.TaskInstance, 0, len(tis))
	for _, ti := range tis {
		t := fromTI(ti)
		t.ReturnValue = xcoms[ti.TaskID]
		out = append(out, t)
	}
	return out, nil
}

// Tries implements TaskStore: the finished tries, then the current one if
// it is not finished.
func (b *EngineBackend) Tries(ctx context.Context, dagID, runID, taskID string) ([]apimodel.TaskInstance, error) {
	ti, err := b.store().TaskInstance(ctx, dagID, runID, taskID)
	if err != nil {
		return nil, mapNotFound(err)
	}
	cur := fromTI(ti)
	var out []apimodel.TaskInstance
	for _, tr := range ti.Tries {
		t := cur
		t.Try, t.State, t.Hostname, t.Error = tr.Try, string(tr.State), tr.Hostname, tr.Error
		t.StartDate, t.EndDate = timePtr(tr.StartDate), timePtr(tr.EndDate)
		out = append(out, t)
	}
	if len(out) == 0 || out[len(out)-1].Try < cur.Try {
		out = append(out, cur)
	}
	return out, nil
}

// Log implements TaskStore.
func (b *EngineBackend) Log(ctx context.Context, dagID, runID, taskID string, try int) ([]byte, error) {
	ti, err := b.store().TaskInstance(ctx, dagID, runID, taskID)
	if err != nil {
		return nil, mapNotFound(err)
	}
	for _, tr := range ti.Tries {
		if tr.Try == try && tr.LogKey != "" && b.Lake != nil {
			return b.Lake.Get(ctx, tr.LogKey)
		}
	}
	if try == ti.TryNumber && ti.State == runstore.TIRunning && b.Lake != nil {
		// A running try: the log so far, which the worker writes at the
		// key of its final log.
		key, err := tasks.LogKey(tasks.Info{DagID: dagID, RunID: runID, TaskID: taskID, Try: try})
		if err != nil {
			return nil, apimodel.ErrNotFound
		}
		data, err := b.Lake.Get(ctx, key)
		if errors.Is(err, tasks.ErrNotFound) {
			return nil, apimodel.ErrNotFound
		}
		return data, err
	}
	return nil, apimodel.ErrNotFound
}

func mapNotFound(err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, runstore.ErrRunNotFound) || errors.Is(err, runstore.ErrTaskNotFound) {
		return fmt.Errorf("%w: %w", err, apimodel.ErrNotFound)
	}
	return err
}

func timePtr(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

func fromRun(r *runstore.Run) apimodel.Run {
	out := apimodel.Run{DagID: r.DagID, RunID: r.RunID, RunType: string(r.RunType), State: state.RunState(r.State),
		LogicalDate: timePtr(r.LogicalDate), DataIntervalStart: timePtr(r.DataIntervalStart), DataIntervalEnd: timePtr(r.DataIntervalEnd),
		RunAfter: r.RunAfter, QueuedAt: timePtr(r.QueuedAt), StartDate: timePtr(r.StartDate), EndDate: timePtr(r.EndDate),
		TriggeredBy: r.TriggeredBy, TriggeringUser: r.TriggeringUser, DagVersion: r.DagVersion,
		DagVersionNumber: r.DagVersionNumber, VersionCreatedAt: r.DagVersionCreated}
	if r.Note != "" {
		note := r.Note
		out.Note = &note
	}
	if len(r.Conf) > 0 {
		_ = json.Unmarshal(r.Conf, &out.Conf)
	}
	return out
}

func fromTI(ti *runstore.TaskInstance) apimodel.TaskInstance {
	return apimodel.TaskInstance{DagID: ti.DagID, RunID: ti.RunID, TaskID: ti.TaskID, State: string(ti.State), Try: ti.TryNumber,
		MaxTries: ti.MaxTries, Operator: ti.Operator, Queue: ti.Queue, Pool: ti.Pool, PoolSlots: ti.PoolSlots,
		PriorityWeight: ti.PriorityWeight, Hostname: ti.Hostname, QueuedAt: timePtr(ti.QueuedAt),
		StartDate: timePtr(ti.StartDate), EndDate: timePtr(ti.EndDate)}
}

// maxSourceBytes bounds the DAG file GET /dagSources reads (the loader
// refuses larger files anyway).
const maxSourceBytes = 4 << 20

// readDAGFile reads a loaded DAG's file (its path comes from the DAG
// folder, never from a request).
func readDAGFile(path string) ([]byte, error) {
	f, err := os.Open(path) //nolint:gosec // G304: the path comes from the DAG folder, never from a request
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("dag file %s: %w", path, apimodel.ErrNotFound)
		}
		return nil, fmt.Errorf("dag file: %w", err)
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxSourceBytes+1))
	if err != nil {
		return nil, fmt.Errorf("dag file %s: %w", path, err)
	}
	if len(b) > maxSourceBytes {
		return nil, fmt.Errorf("dag file %s is larger than %d bytes: %w", path, maxSourceBytes, apimodel.ErrInvalid)
	}
	return b, nil
}

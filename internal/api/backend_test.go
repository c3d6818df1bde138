package api

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// memBackend is an in-memory implementation of the API's backend
// interfaces for handler tests (the run store's own tests cover Redis).
// Runs advance only when a test calls finish.
type memBackend struct {
	mu      sync.Mutex
	dags    []DAGInfo
	paused  map[string]bool
	runs    map[string]map[string]*Run // dag → run id → run
	tis     map[string][]TaskInstance  // dag/run → task instances
	logs    map[string][]byte          // dag/run/task/try → log
	tasks   map[string]*AdHocTask
	created atomic.Int64
	nextID  int
}

func newMemBackend(dags ...DAGInfo) *memBackend {
	return &memBackend{dags: dags, paused: map[string]bool{}, runs: map[string]map[string]*Run{},
		tis: map[string][]TaskInstance{}, logs: map[string][]byte{}, tasks: map[string]*AdHocTask{}}
}

func (m *memBackend) DAGs() []DAGInfo { return m.dags }

func (m *memBackend) Paused(_ context.Context, dagID string) (bool, bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	p, ok := m.paused[dagID]
	return p, ok, nil
}

func (m *memBackend) SetPaused(_ context.Context, dagID string, paused bool) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.paused[dagID] = paused
	return nil
}

func (m *memBackend) TriggerRun(_ context.Context, dagID string, req TriggerRequest) (Run, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.runs[dagID] == nil {
		m.runs[dagID] = map[string]*Run{}
	}
	if r, ok := m.runs[dagID][req.RunID]; ok {
		return *r, fmt.Errorf("run %s: %w", req.RunID, ErrRunExists)
	}
	now := req.RunAfter
	r := &Run{DagID: dagID, RunID: req.RunID, RunType: "manual", State: RunQueued, LogicalDate: req.LogicalDate,
		DataIntervalStart: req.DataIntervalStart, DataIntervalEnd: req.DataIntervalEnd, RunAfter: req.RunAfter,
		QueuedAt: &now, Conf: req.Conf, Note: req.Note, TriggeredBy: req.TriggeredBy, TriggeringUser: req.TriggeringUser, DagVersion: "v1"}
	m.runs[dagID][req.RunID] = r
	m.tis[dagID+"/"+req.RunID] = []TaskInstance{
		{DagID: dagID, RunID: req.RunID, TaskID: "scrape", State: "queued", Try: 1, MaxTries: 2, Operator: "scrape", Queue: "scrape", QueuedAt: &now},
		{DagID: dagID, RunID: req.RunID, TaskID: "report", MaxTries: 1, Operator: "render"},
	}
	m.created.Add(1)
	return *r, nil
}

// finish ends a run: every task gets state with a return value and a log.
func (m *memBackend) finish(dagID, runID string, state RunState) {
	m.mu.Lock()
	defer m.mu.Unlock()
	r := m.runs[dagID][runID]
	start, end := r.RunAfter.Add(time.Second), r.RunAfter.Add(3*time.Second)
	r.State, r.StartDate, r.EndDate = state, &start, &end
	key := dagID + "/" + runID
	for i := range m.tis[key] {
		ti := &m.tis[key][i]
		ti.State, ti.StartDate, ti.EndDate, ti.Hostname = string(state), &start, &end, "worker-1"
		ti.Try = max(ti.Try, 1)
		ti.ReturnValue = json.RawMessage(`{"uri":"file://data/runs/` + ti.TaskID + `.jsonl","size":12}`)
		m.logs[fmt.Sprintf("%s/%s/%d", key, ti.TaskID, ti.Try)] = []byte("starting " + ti.TaskID + "\ndone\n")
	}
}

func (m *memBackend) Run(_ context.Context, dagID, runID string) (Run, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	r, ok := m.runs[dagID][runID]
	if !ok {
		return Run{}, fmt.Errorf("run %s/%s: %w", dagID, runID, ErrNotFound)
	}
	return *r, nil
}

func (m *memBackend) ListRuns(_ context.Context, dagID string, q RunQuery) ([]Run, int, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []Run
	for _, r := range m.runs[dagID] {
		if len(q.States) == 0 || slices.Contains(q.States, r.State) {
			out = append(out, *r)
		}
	}
	score := func(r Run) time.Time {
		if r.LogicalDate != nil {
			return *r.LogicalDate
		}
		return r.RunAfter
	}
	slices.SortFunc(out, func(a, b Run) int {
		c := score(a).Compare(score(b))
		if c == 0 {
			c = strings.Compare(a.RunID, b.RunID)
		}
		if q.Oldest {
			return c
		}
		return -c
	})
	total := len(out)
	if q.Limit == 0 {
		q.Limit = total
	}
	return page(out, q.Offset, q.Limit), total, nil
}

func (m *memBackend) PatchRun(ctx context.Context, dagID, runID string, state RunState, note *string) (Run, error) {
	m.mu.Lock()
	r, ok := m.runs[dagID][runID]
	if ok {
		if state != "" {
			r.State = state
		}
		if note != nil {
			r.Note = note
		}
	}
	m.mu.Unlock()
	return m.Run(ctx, dagID, runID)
}

func (m *memBackend) DeleteRun(_ context.Context, dagID, runID string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.runs[dagID], runID)
	delete(m.tis, dagID+"/"+runID)
	return nil
}

func (m *memBackend) ClearRun(_ context.Context, dagID, runID string, onlyFailed bool) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.runs[dagID][runID].State = RunQueued
	for i, ti := range m.tis[dagID+"/"+runID] {
		if !onlyFailed || ti.State == "failed" {
			m.tis[dagID+"/"+runID][i].State = ""
			m.tis[dagID+"/"+runID][i].Try++
		}
	}
	return nil
}

func (m *memBackend) TaskInstances(_ context.Context, dagID, runID string) ([]TaskInstance, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return slices.Clone(m.tis[dagID+"/"+runID]), nil
}

func (m *memBackend) Tries(_ context.Context, dagID, runID, taskID string) ([]TaskInstance, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, ti := range m.tis[dagID+"/"+runID] {
		if ti.TaskID == taskID {
			return []TaskInstance{ti}, nil
		}
	}
	return nil, ErrNotFound
}

func (m *memBackend) Log(_ context.Context, dagID, runID, taskID string, try int) ([]byte, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	data, ok := m.logs[fmt.Sprintf("%s/%s/%s/%d", dagID, runID, taskID, try)]
	if !ok {
		return nil, ErrNotFound
	}
	return data, nil
}

func (m *memBackend) Submit(_ context.Context, req TaskRequest) (AdHocTask, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.nextID++
	t := &AdHocTask{ID: fmt.Sprintf("t%d", m.nextID), DagID: "adhoc", Type: req.Type, Queue: req.Queue, State: "queued", CreatedAt: time.Now()}
	if req.Type == "echo" { // finishes at once
		t.State, t.Result, t.OutputURI, t.Log = "success", req.Args, "file://data/adhoc/"+t.ID, "echo\n"
	}
	m.tasks[t.ID] = t
	return *t, nil
}

func (m *memBackend) Task(_ context.Context, id string) (AdHocTask, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	t, ok := m.tasks[id]
	if !ok {
		return AdHocTask{}, ErrNotFound
	}
	return *t, nil
}

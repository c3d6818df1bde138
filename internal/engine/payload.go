package engine

import (
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/dagworker/dagworker/internal/runstore"
)

// asynq task types of the engine.
const (
	// TaskType runs one try of a task instance.
	TaskType = "dagworker:ti"
	// RetryTaskType is the timer of an up_for_retry task instance: when it
	// fires the next try becomes ready.
	RetryTaskType = "dagworker:retry"
)

// Payload is the asynq payload of both task types: one try of a task
// instance (for RetryTaskType, the try that failed).
type Payload struct {
	DagID  string `json:"dag_id"`
	RunID  string `json:"run_id"`
	TaskID string `json:"task_id"`
	Try    int    `json:"try"`
	// Pool and PoolSlots are the task's pool ("" for none) and its slots.
	Pool      string `json:"pool,omitempty"`
	PoolSlots int    `json:"pool_slots,omitempty"`
	// Static is the task's runstore.Static JSON and RunStart its run's
	// start (Unix ms), when the dispatch had them: with them the worker
	// starts the try without reading the run store (see StartInfo).
	Static   json.RawMessage `json:"static,omitempty"`
	RunStart int64           `json:"run_start,omitempty"`
}

// StartInfo returns the try's StartInfo built from p's static fields, or
// false when p has none (or they do not decode): the try must then be
// started through the run store (Engine.Start).
func (p Payload) StartInfo() (*runstore.StartInfo, bool) {
	if len(p.Static) == 0 {
		return nil, false
	}
	var runStart time.Time
	if p.RunStart > 0 {
		runStart = time.UnixMilli(p.RunStart).UTC()
	}
	info, err := runstore.StartInfoFrom(p.DagID, p.RunID, p.TaskID, p.Try, p.Static, runStart)
	return info, err == nil
}

// TaskID is the asynq TaskID of a try: a replayed enqueue of the same try
// conflicts and is a no-op.
func TaskID(p Payload) string {
	return p.DagID + "/" + p.RunID + "/" + p.TaskID + "/" + strconv.Itoa(p.Try)
}

// RetryTaskID is the asynq TaskID of the retry timer after try p.Try.
func RetryTaskID(p Payload) string { return TaskID(p) + "/retry" }

// DecodePayload decodes and checks an asynq payload.
func DecodePayload(b []byte) (Payload, error) {
	var p Payload
	if err := json.Unmarshal(b, &p); err != nil {
		return p, fmt.Errorf("%w: %v", ErrPayload, err)
	}
	if p.DagID == "" || p.RunID == "" || p.TaskID == "" || p.Try < 1 {
		return p, fmt.Errorf("%w: %s", ErrPayload, b)
	}
	return p, nil
}

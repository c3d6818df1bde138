package engine

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/dagworker/dagworker/internal/jsonenc"
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
	// Inc is the run's incarnation (runstore.Run.Incarnation; "" for runs
	// created before it existed): part of the TaskID.
	Inc string `json:"inc,omitempty"`
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

// TaskID is the asynq TaskID of a try, <dag_id>/<run_id>/<task_id>/<try>/<inc>:
// a replayed enqueue of the same try conflicts and is a no-op, while a run
// deleted and triggered again with the same id (a new incarnation) does not
// meet the old run's tasks, which asynq retains for Config.Retention.
func TaskID(p Payload) string {
	id := p.DagID + "/" + p.RunID + "/" + p.TaskID + "/" + strconv.Itoa(p.Try)
	if p.Inc != "" {
		id += "/" + p.Inc
	}
	return id
}

// RetryTaskID is the asynq TaskID of the retry timer after try p.Try.
func RetryTaskID(p Payload) string { return TaskID(p) + "/retry" }

// Encode returns p as JSON, the asynq payload of its try, in the form
// DecodePayload reads fastest (every try is encoded once and decoded at
// least once; encoding/json took about 10% of the worker's CPU).
func (p Payload) Encode() []byte {
	b := make([]byte, 0, 104+len(p.Inc)+len(p.DagID)+len(p.RunID)+len(p.TaskID)+len(p.Pool)+len(p.Static))
	b = jsonenc.String(append(b, `{"dag_id":`...), p.DagID)
	b = jsonenc.String(append(b, `,"run_id":`...), p.RunID)
	b = jsonenc.String(append(b, `,"task_id":`...), p.TaskID)
	b = strconv.AppendInt(append(b, `,"try":`...), int64(p.Try), 10)
	if p.Inc != "" {
		b = jsonenc.String(append(b, `,"inc":`...), p.Inc)
	}
	if p.Pool != "" {
		b = jsonenc.String(append(b, `,"pool":`...), p.Pool)
	}
	if p.PoolSlots != 0 {
		b = strconv.AppendInt(append(b, `,"pool_slots":`...), int64(p.PoolSlots), 10)
	}
	if p.RunStart != 0 {
		b = strconv.AppendInt(append(b, `,"run_start":`...), p.RunStart, 10)
	}
	if len(p.Static) > 0 {
		b = append(append(b, `,"static":`...), p.Static...)
	}
	return append(b, '}')
}

// DecodePayload decodes and checks an asynq payload.
func DecodePayload(b []byte) (Payload, error) {
	p, ok := decodeFast(b)
	if !ok {
		p = Payload{}
		if err := json.Unmarshal(b, &p); err != nil {
			return p, fmt.Errorf("%w: %w", ErrPayload, err)
		}
	}
	if p.DagID == "" || p.RunID == "" || p.TaskID == "" || p.Try < 1 {
		return p, fmt.Errorf("%w: %s", ErrPayload, b)
	}
	return p, nil
}

// decodeFast reads a payload in Encode's form (its keys in its order, no
// escapes in strings); anything else is false, for encoding/json to read.
func decodeFast(b []byte) (Payload, bool) {
	var p Payload
	r := payloadReader{b: b}
	ok := r.lit(`{"dag_id":`) && r.str(&p.DagID) && r.lit(`,"run_id":`) && r.str(&p.RunID) &&
		r.lit(`,"task_id":`) && r.str(&p.TaskID) && r.lit(`,"try":`) && r.int(&p.Try)
	if ok && r.lit(`,"inc":`) {
		ok = r.str(&p.Inc)
	}
	if ok && r.lit(`,"pool":`) {
		ok = r.str(&p.Pool)
	}
	if ok && r.lit(`,"pool_slots":`) {
		ok = r.int(&p.PoolSlots)
	}
	if ok && r.lit(`,"run_start":`) {
		var n int
		ok = r.int(&n)
		p.RunStart = int64(n)
	}
	if ok && r.lit(`,"static":`) {
		end := len(b) - 1
		if end <= r.i || b[end] != '}' || !json.Valid(b[r.i:end]) {
			return p, false
		}
		// encoding/json keeps a raw value without the blanks around it.
		v := bytes.Trim(b[r.i:end], " \t\r\n")
		p.Static = json.RawMessage(v[:len(v):len(v)])
		r.i = end
	}
	return p, ok && r.lit("}") && r.i == len(b)
}

type payloadReader struct {
	b []byte
	i int
}

func (r *payloadReader) lit(s string) bool {
	if len(r.b)-r.i < len(s) || string(r.b[r.i:r.i+len(s)]) != s {
		return false
	}
	r.i += len(s)
	return true
}

// str reads a string without escapes or control bytes in valid UTF-8.
func (r *payloadReader) str(dst *string) bool {
	if r.i >= len(r.b) || r.b[r.i] != '"' {
		return false
	}
	for j := r.i + 1; j < len(r.b); j++ {
		switch c := r.b[j]; {
		case c == '"':
			s := string(r.b[r.i+1 : j])
			if !utf8.ValidString(s) {
				return false
			}
			*dst, r.i = s, j+1
			return true
		case c == '\\' || c < 0x20:
			return false
		}
	}
	return false
}

// int reads a decimal integer without a sign, leading zeros or overflow.
func (r *payloadReader) int(dst *int) bool {
	j := r.i
	for j < len(r.b) && r.b[j] >= '0' && r.b[j] <= '9' {
		j++
	}
	if j == r.i || j-r.i > 15 || (r.b[r.i] == '0' && j-r.i > 1) {
		return false
	}
	n, err := strconv.Atoi(string(r.b[r.i:j]))
	if err != nil {
		return false
	}
	*dst, r.i = n, j
	return true
}

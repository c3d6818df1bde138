package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

// handleWaitRun is GET .../dagRuns/{dag_run_id}/wait (Airflow 3.1's
// experimental wait_dag_run_until_finished): it streams NDJSON, one line
// {"state": "..."} now and then every interval seconds until the run is
// finished; the last line carries "results" (task id → XCom return value of
// the tasks named by result=, those that have one) when result= is given.
// Lines are written as Python's json.dumps writes them.
func (s *Server) handleWaitRun(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	raw, ok := q["interval"]
	if !ok || len(raw) == 0 {
		s.writeError(w, r, &apiError{status: http.StatusUnprocessableEntity, detail: []fieldError{{Type: "missing",
			Loc: []any{"query", "interval"}, Msg: "Field required"}}})
		return
	}
	secs, err := strconv.ParseFloat(raw[0], 64)
	if err != nil || math.IsNaN(secs) || math.IsInf(secs, 0) {
		s.writeError(w, r, &apiError{status: http.StatusUnprocessableEntity, detail: []fieldError{{Type: "float_parsing",
			Loc: []any{"query", "interval"}, Msg: "Input should be a valid number, unable to parse string as a number", Input: raw[0]}}})
		return
	}
	if secs <= 0 {
		s.writeError(w, r, &apiError{status: http.StatusUnprocessableEntity, detail: []fieldError{{Type: "greater_than",
			Loc: []any{"query", "interval"}, Msg: "Input should be greater than 0", Input: raw[0], Ctx: map[string]any{"gt": 0.0}}}})
		return
	}
	dagID, runID := r.PathValue("dag_id"), r.PathValue("dag_run_id")
	run, err := s.cfg.Runs.Run(r.Context(), dagID, runID)
	if errors.Is(err, ErrNotFound) {
		err = httpErr(http.StatusNotFound, "The DagRun with dag_id: `%s` and run_id: `%s` was not found", dagID, runID)
	}
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	results := q["result"]
	// The interval is honoured, but never polls the store faster than the
	// server's PollInterval.
	interval := max(time.Duration(secs*float64(time.Second)), s.cfg.PollInterval)
	rc := http.NewResponseController(w)
	w.Header().Set("Content-Type", "application/x-ndjson")
	w.WriteHeader(http.StatusOK)
	for {
		_ = rc.SetWriteDeadline(time.Now().Add(interval + 30*time.Second))
		line, err := s.waitLine(r, run, results)
		if err != nil {
			s.log.WarnContext(r.Context(), "api wait", "dag_id", dagID, "run_id", runID, "err", err)
			return
		}
		if _, err := io.WriteString(w, line+"\n"); err != nil {
			return
		}
		_ = rc.Flush()
		if run.State.Finished() {
			return
		}
		select {
		case <-r.Context().Done():
			return
		case <-time.After(interval):
		}
		if run, err = s.cfg.Runs.Run(r.Context(), dagID, runID); err != nil {
			s.log.WarnContext(r.Context(), "api wait", "dag_id", dagID, "run_id", runID, "err", err)
			return
		}
	}
}

// waitLine is one line of the wait stream.
func (s *Server) waitLine(r *http.Request, run Run, results []string) (string, error) {
	line := `{"state": ` + pyString(string(run.State))
	if run.State.Finished() && len(results) > 0 {
		tis, err := s.cfg.Tasks.TaskInstances(r.Context(), run.DagID, run.RunID)
		if err != nil {
			return "", err
		}
		var parts []string
		for _, ti := range tis {
			if len(ti.ReturnValue) == 0 || !slices.Contains(results, ti.TaskID) {
				continue
			}
			v, err := pyJSON(ti.ReturnValue)
			if err != nil {
				return "", fmt.Errorf("xcom of %s: %w", ti.TaskID, err)
			}
			parts = append(parts, pyString(ti.TaskID)+": "+v)
		}
		line += `, "results": {` + strings.Join(parts, ", ") + "}"
	}
	return line + "}", nil
}

// pyJSON rewrites a JSON document as Python's json.dumps writes it: ", " and
// ": " separators, non-ASCII as \u escapes, keys in their order.
func pyJSON(raw json.RawMessage) (string, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var b strings.Builder
	// stack holds, per open container, whether it is an object and how
	// many tokens it has had.
	type level struct {
		object bool
		n      int
	}
	var stack []level
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			return b.String(), nil
		}
		if err != nil {
			return "", err
		}
		if d, ok := tok.(json.Delim); ok && (d == '}' || d == ']') {
			stack = stack[:len(stack)-1]
			b.WriteRune(rune(d))
			continue
		}
		if len(stack) > 0 {
			top := &stack[len(stack)-1]
			switch {
			case top.object && top.n%2 == 1:
				b.WriteString(": ")
			case top.n > 0:
				b.WriteString(", ")
			}
			top.n++
		}
		switch v := tok.(type) {
		case json.Delim:
			b.WriteRune(rune(v))
			stack = append(stack, level{object: v == '{'})
		case string:
			b.WriteString(pyString(v))
		case json.Number:
			b.WriteString(v.String())
		case bool:
			b.WriteString(strconv.FormatBool(v))
		case nil:
			b.WriteString("null")
		}
	}
}

// pyString is a JSON string as Python's json.dumps (ensure_ascii) writes it.
func pyString(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch {
		case r == '"':
			b.WriteString(`\"`)
		case r == '\\':
			b.WriteString(`\\`)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r == '\t':
			b.WriteString(`\t`)
		case r == '\b':
			b.WriteString(`\b`)
		case r == '\f':
			b.WriteString(`\f`)
		case r < 0x20 || (r >= 0x7f && r <= 0xffff):
			if r == 0x7f {
				b.WriteRune(r)
				continue
			}
			fmt.Fprintf(&b, `\u%04x`, r)
		case r > 0xffff:
			r -= 0x10000
			fmt.Fprintf(&b, `\u%04x\u%04x`, 0xd800+(r>>10), 0xdc00+(r&0x3ff))
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}

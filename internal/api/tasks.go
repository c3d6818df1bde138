package api

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"time"

	"github.com/dagworker/dagworker/internal/apimodel"
)

// taskBody is the body of POST /api/dagworker/v1/tasks.
type taskBody struct {
	Type  string          `json:"type"`
	Args  json.RawMessage `json:"args"`
	Queue string          `json:"queue"`
	// Wait is how long to wait for the task to finish ("30s"); also ?wait=.
	Wait string `json:"wait"`
}

// handleSubmitTask is POST /api/dagworker/v1/tasks: 201 with the task
// (200 when it finished within wait).
func (s *Server) handleSubmitTask(w http.ResponseWriter, r *http.Request) {
	if s.cfg.Runner == nil {
		s.writeError(w, r, httpErr(http.StatusNotImplemented, "ad-hoc tasks are not enabled on this server"))
		return
	}
	var body taskBody
	if err := s.decodeBody(r, &body); err != nil {
		s.writeError(w, r, err)
		return
	}
	if body.Type == "" {
		s.writeError(w, r, unprocessable([]any{"body", "type"}, "missing", "Field required"))
		return
	}
	if s.taskTypes != nil && !s.taskTypes[body.Type] {
		s.writeError(w, r, unprocessable([]any{"body", "type"}, "enum",
			"unknown task type %q; known types: %s", body.Type, strings.Join(sortedKeys(s.taskTypes), ", ")))
		return
	}
	if len(body.Args) > 0 && body.Args[0] != '{' {
		s.writeError(w, r, unprocessable([]any{"body", "args"}, "dict_type", "Input should be a valid dictionary"))
		return
	}
	waitStr := body.Wait
	if qw := r.URL.Query().Get("wait"); qw != "" {
		waitStr = qw
	}
	wait, err := parseWait(waitStr, s.cfg.MaxWait)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	t, err := s.cfg.Runner.Submit(r.Context(), TaskRequest{Type: body.Type, Args: body.Args, Queue: body.Queue})
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if wait > 0 {
		if t, err = s.waitTask(r.Context(), t, wait); err != nil {
			s.writeError(w, r, err)
			return
		}
	}
	w.Header().Set("Location", "/api/dagworker/v1/tasks/"+url.PathEscape(t.ID))
	status := http.StatusCreated
	if apimodel.AdHocFinished(t.State) {
		status = http.StatusOK
	}
	writeJSON(w, status, toTask(t))
}

func (s *Server) waitTask(ctx context.Context, t AdHocTask, wait time.Duration) (AdHocTask, error) {
	ctx, cancel := context.WithTimeout(ctx, wait)
	defer cancel()
	tick := time.NewTicker(s.cfg.PollInterval)
	defer tick.Stop()
	for !apimodel.AdHocFinished(t.State) {
		select {
		case <-ctx.Done():
			return t, nil
		case <-tick.C:
		}
		next, err := s.cfg.Runner.Task(ctx, t.ID)
		if err != nil {
			if ctx.Err() != nil {
				return t, nil
			}
			return t, err
		}
		t = next
	}
	return t, nil
}

// handleGetTask is GET /api/dagworker/v1/tasks/{id}.
func (s *Server) handleGetTask(w http.ResponseWriter, r *http.Request) {
	if s.cfg.Runner == nil {
		s.writeError(w, r, httpErr(http.StatusNotImplemented, "ad-hoc tasks are not enabled on this server"))
		return
	}
	id := r.PathValue("id")
	t, err := s.cfg.Runner.Task(r.Context(), id)
	if errors.Is(err, ErrNotFound) {
		s.writeError(w, r, httpErr(http.StatusNotFound, "task %s not found", id))
		return
	}
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, toTask(t))
}

// taskTypeSet returns the known task types as a set, nil for none (any type).
func taskTypeSet(types []string) map[string]bool {
	if len(types) == 0 {
		return nil
	}
	m := make(map[string]bool, len(types))
	for _, t := range types {
		m[t] = true
	}
	return m
}

// sortedKeys returns the keys of m in order.
func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

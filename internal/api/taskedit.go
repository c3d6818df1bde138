package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"
)

// patchTIBody is Airflow's PatchTaskInstanceBody.
type patchTIBody struct {
	NewState          *string `json:"new_state"`
	Note              *string `json:"note"`
	IncludeUpstream   bool    `json:"include_upstream"`
	IncludeDownstream bool    `json:"include_downstream"`
	IncludeFuture     bool    `json:"include_future"`
	IncludePast       bool    `json:"include_past"`
}

// clearTIsBody is Airflow's ClearTaskInstancesBody. TaskIDs holds task ids
// or [task_id, map_index] pairs.
type clearTIsBody struct {
	DryRun             *bool   `json:"dry_run"`
	StartDate          *string `json:"start_date"`
	EndDate            *string `json:"end_date"`
	OnlyFailed         *bool   `json:"only_failed"`
	OnlyRunning        bool    `json:"only_running"`
	ResetDagRuns       *bool   `json:"reset_dag_runs"`
	TaskIDs            []any   `json:"task_ids"`
	DagRunID           *string `json:"dag_run_id"`
	IncludeUpstream    bool    `json:"include_upstream"`
	IncludeDownstream  bool    `json:"include_downstream"`
	IncludeFuture      bool    `json:"include_future"`
	IncludePast        bool    `json:"include_past"`
	PreventRunningTask bool    `json:"prevent_running_task"`
	RunOnLatestVersion bool    `json:"run_on_latest_version"`
}

// settableStates are the states PATCH of a task instance takes (Airflow's
// PatchTaskInstanceBody validator).
var settableStates = []string{"success", "failed", "skipped"}

func (s *Server) taskEditor() (TaskEditor, error) {
	if s.cfg.TaskEditor == nil {
		return nil, fmt.Errorf("task instance changes: %w", ErrUnsupported)
	}
	return s.cfg.TaskEditor, nil
}

// relatives returns the tasks of d among ids, with their upstream and
// downstream closures when asked, in d's (topological) order.
func relatives(d DAGInfo, ids []string, up, down bool) []string {
	byID := make(map[string]TaskInfo, len(d.Tasks))
	for _, t := range d.Tasks {
		byID[t.ID] = t
	}
	sel := map[string]bool{}
	var walk func(id string, next func(TaskInfo) []string)
	walk = func(id string, next func(TaskInfo) []string) {
		for _, n := range next(byID[id]) {
			if !sel[n] {
				sel[n] = true
				walk(n, next)
			}
		}
	}
	for _, id := range ids {
		if _, ok := byID[id]; !ok {
			continue
		}
		sel[id] = true
		if up {
			walk(id, func(t TaskInfo) []string { return t.Upstream })
		}
		if down {
			walk(id, func(t TaskInfo) []string { return t.Downstream })
		}
	}
	var out []string
	for _, t := range d.Tasks {
		if sel[t.ID] {
			out = append(out, t.ID)
		}
	}
	return out
}

// relatedRuns returns run and, with future or past, the DAG's other runs
// whose logical date is at or after (future) or at or before (past) run's,
// as Airflow selects them; a run without a logical date has none.
func (s *Server) relatedRuns(ctx context.Context, run Run, future, past bool) ([]Run, error) {
	out := []Run{run}
	if (!future && !past) || run.LogicalDate == nil {
		return out, nil
	}
	at := *run.LogicalDate
	err := s.eachRun(ctx, run.DagID, nil, func(r Run) error {
		if r.RunID == run.RunID || r.LogicalDate == nil {
			return nil
		}
		if (future && !r.LogicalDate.Before(at)) || (past && !r.LogicalDate.After(at)) {
			out = append(out, r)
		}
		return nil
	})
	return out, err
}

// handlePatchTI is PATCH .../taskInstances/{task_id} and its dry_run
// variant: Airflow's set_task_instance_state. The task (and its upstream or
// downstream tasks, in this run or its future or past runs when asked) take
// new_state; then the failed and upstream_failed tasks downstream of the task
// are cleared so they run again (in a finished run). The answer is the task
// instance; the dry run answers the task instances that would change.
func (s *Server) handlePatchTI(dry bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if err := s.patchTI(w, r, dry); err != nil {
			s.writeError(w, r, err)
		}
	}
}

func (s *Server) patchTI(w http.ResponseWriter, r *http.Request, dry bool) error {
	if err := checkMapIndex(r); err != nil {
		return err
	}
	ti, run, err := s.getTI(r)
	if err != nil {
		return err
	}
	ed, err := s.taskEditor()
	if err != nil {
		return err
	}
	var body patchTIBody
	if err := s.decodeBody(r, &body); err != nil {
		return err
	}
	mask := newQuery(r).list("update_mask")
	for _, m := range mask {
		if m != "new_state" && m != "note" {
			return httpErr(http.StatusBadRequest, "Invalid update_mask field: %s", m)
		}
	}
	setState := body.NewState != nil && (len(mask) == 0 || slices.Contains(mask, "new_state"))
	if len(mask) > 0 && slices.Contains(mask, "new_state") && body.NewState == nil {
		return unprocessable([]any{"body", "new_state"}, "value_error", "Value error, 'new_state' should not be empty")
	}
	if body.Note != nil && (len(mask) == 0 || slices.Contains(mask, "note")) {
		return httpErr(http.StatusBadRequest, "dagworker keeps no notes on task instances (notes are kept on DAG runs)")
	}
	if !setState {
		writeJSON(w, http.StatusOK, TaskInstanceCollectionResponse{TaskInstances: []TaskInstanceResponse{toTI(ti, run)}, TotalEntries: 1})
		return nil
	}
	state := strings.ToLower(*body.NewState)
	if !slices.Contains(settableStates, state) {
		return unprocessable([]any{"body", "new_state"}, "value_error", "Value error, '%s' is not one of ['success', 'failed', 'skipped']", state)
	}
	d, err := s.findDAG(run.DagID)
	if err != nil {
		return err
	}
	ids := relatives(d, []string{ti.TaskID}, body.IncludeUpstream, body.IncludeDownstream)
	runs, err := s.relatedRuns(r.Context(), run, body.IncludeFuture, body.IncludePast)
	if err != nil {
		return err
	}
	var altered []TaskInstanceResponse
	type change struct {
		run Run
		ids []string
	}
	var changes []change
	for _, rr := range runs {
		tis, err := s.cfg.Tasks.TaskInstances(r.Context(), rr.DagID, rr.RunID)
		if err != nil {
			return err
		}
		var these []string
		for _, t := range tis {
			if slices.Contains(ids, t.TaskID) && t.State != state {
				these = append(these, t.TaskID)
				altered = append(altered, toTI(t, rr))
			}
		}
		if len(these) > 0 && (rr.RunID == run.RunID || rr.State != RunQueued) {
			changes = append(changes, change{rr, these})
		}
	}
	if dry {
		if altered == nil {
			altered = []TaskInstanceResponse{}
		}
		writeJSON(w, http.StatusOK, TaskInstanceCollectionResponse{TaskInstances: altered, TotalEntries: len(altered)})
		return nil
	}
	if len(changes) == 0 {
		return httpErr(http.StatusConflict, "Task id %s is already in %s state", ti.TaskID, state)
	}
	below := relatives(d, []string{ti.TaskID}, false, true)[1:]
	for _, c := range changes {
		if err := ed.SetTaskStates(r.Context(), c.run.DagID, c.run.RunID, c.ids, state); err != nil {
			return err
		}
		// Airflow then clears the failed and upstream_failed tasks
		// downstream of the task (not the task itself) so they resume; the
		// run store clears finished runs only.
		if len(below) == 0 {
			continue
		}
		cur, err := s.cfg.Runs.Run(r.Context(), c.run.DagID, c.run.RunID)
		if err != nil {
			return err
		}
		if cur.State.Finished() {
			if _, err := ed.ClearTasks(r.Context(), c.run.DagID, c.run.RunID, below, true); err != nil {
				return err
			}
		}
	}
	audit(r, "", "new_state="+state)
	ti, run, err = s.getTI(r)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, TaskInstanceCollectionResponse{TaskInstances: []TaskInstanceResponse{toTI(ti, run)}, TotalEntries: 1})
	return nil
}

// handleClearTIs is POST /api/v2/dags/{dag_id}/clearTaskInstances:
// Airflow's clear of the selected task instances (task_ids, or every task,
// with their upstream or downstream tasks when asked; only_failed, true by
// default, keeps the failed and upstream_failed ones; only_running the
// running ones) of one run (dag_run_id, with its future or past runs when
// asked) or of the runs whose logical date is within start_date..end_date.
// dry_run (true by default) only answers what would be cleared. The run
// store clears finished runs: an unfinished dag_run_id is 400, and
// unfinished runs of a date range are left out.
func (s *Server) handleClearTIs(w http.ResponseWriter, r *http.Request) {
	if err := s.clearTIs(w, r); err != nil {
		s.writeError(w, r, err)
	}
}

func (s *Server) clearTIs(w http.ResponseWriter, r *http.Request) error {
	d, err := s.findDAG(r.PathValue("dag_id"))
	if err != nil {
		return err
	}
	ed, err := s.taskEditor()
	if err != nil {
		return err
	}
	var body clearTIsBody
	if err := s.decodeBody(r, &body); err != nil {
		return err
	}
	var errs []fieldError
	from, to := bodyTime("start_date", body.StartDate, &errs), bodyTime("end_date", body.EndDate, &errs)
	var asked []string
	for i, t := range body.TaskIDs {
		switch v := t.(type) {
		case string:
			asked = append(asked, v)
		case []any:
			var id string
			var mi float64
			ok := len(v) == 2
			if ok {
				id, ok = v[0].(string)
			}
			if ok {
				mi, ok = v[1].(float64)
			}
			if !ok {
				errs = append(errs, fieldError{Type: "value_error", Loc: []any{"body", "task_ids", i}, Msg: "want a task id or [task_id, map_index]"})
				continue
			}
			if mi == -1 {
				asked = append(asked, id)
			}
		default:
			errs = append(errs, fieldError{Type: "value_error", Loc: []any{"body", "task_ids", i}, Msg: "want a task id or [task_id, map_index]"})
		}
	}
	if len(errs) > 0 {
		return &apiError{status: http.StatusUnprocessableEntity, detail: errs}
	}
	if body.TaskIDs == nil {
		for _, t := range d.Tasks {
			asked = append(asked, t.ID)
		}
	}
	ids := relatives(d, asked, body.IncludeUpstream, body.IncludeDownstream)
	onlyFailed := body.OnlyFailed == nil || *body.OnlyFailed
	dry := body.DryRun == nil || *body.DryRun

	var runs []Run
	if body.DagRunID != nil {
		run, err := s.cfg.Runs.Run(r.Context(), d.ID, *body.DagRunID)
		if errors.Is(err, ErrNotFound) {
			return httpErr(http.StatusNotFound, "Dag Run id %s not found in dag %s", *body.DagRunID, d.ID)
		}
		if err != nil {
			return err
		}
		if runs, err = s.relatedRuns(r.Context(), run, body.IncludeFuture, body.IncludePast); err != nil {
			return err
		}
	} else {
		err := s.eachRun(r.Context(), d.ID, []RunState{RunSuccess, RunFailed}, func(run Run) error {
			if inRange(run.LogicalDate, from, to) {
				runs = append(runs, run)
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	out := []TaskInstanceResponse{}
	for _, run := range runs {
		tis, err := s.cfg.Tasks.TaskInstances(r.Context(), run.DagID, run.RunID)
		if err != nil {
			return err
		}
		var these []string
		var picked []TaskInstance
		for _, t := range tis {
			if !slices.Contains(ids, t.TaskID) {
				continue
			}
			failed := t.State == "failed" || t.State == "upstream_failed"
			if (onlyFailed || body.OnlyRunning) && !((onlyFailed && failed) || (body.OnlyRunning && t.State == "running")) {
				continue
			}
			these = append(these, t.TaskID)
			picked = append(picked, t)
		}
		if len(these) == 0 {
			continue
		}
		if dry {
			for _, t := range picked {
				out = append(out, toTI(t, run))
			}
			continue
		}
		if _, err := ed.ClearTasks(r.Context(), run.DagID, run.RunID, these, false); err != nil {
			return err
		}
		audit(r, run.RunID, "task_ids="+strings.Join(these, ","))
		cur, err := s.cfg.Runs.Run(r.Context(), run.DagID, run.RunID)
		if err != nil {
			return err
		}
		after, err := s.cfg.Tasks.TaskInstances(r.Context(), run.DagID, run.RunID)
		if err != nil {
			return err
		}
		for _, t := range after {
			if slices.Contains(these, t.TaskID) {
				out = append(out, toTI(t, cur))
			}
		}
	}
	writeJSON(w, http.StatusOK, TaskInstanceCollectionResponse{TaskInstances: out, TotalEntries: len(out)})
	return nil
}

// inRange reports whether t is within [from, to] (nil bounds are open); a
// run without a logical date is within only an unbounded range.
func inRange(t, from, to *time.Time) bool {
	if t == nil {
		return from == nil && to == nil
	}
	return (from == nil || !t.Before(*from)) && (to == nil || !t.After(*to))
}

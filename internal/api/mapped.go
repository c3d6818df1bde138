package api

import (
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/dagworker/dagworker/internal/api/airflowspec"
)

// dagworker has no dynamic task mapping: every task instance has Airflow's
// map_index -1. The operations Airflow addresses by map_index therefore
// answer for -1 exactly as their unmapped twins do, and 404 with Airflow's
// message for any other index.

// pathMapIndex parses the {map_index} path value: 422 when it is not an
// integer, notFound(n) when it is not -1.
func pathMapIndex(r *http.Request, notFound func(n int) error) error {
	n, err := intParam("path", "map_index", r.PathValue("map_index"))
	if err != nil {
		return err
	}
	if n != -1 {
		return notFound(n)
	}
	return nil
}

// tiNotFound is Airflow's 404 for a task instance addressed by map index.
func tiNotFound(r *http.Request) func(int) error {
	return func(n int) error {
		return httpErr(http.StatusNotFound, "The Task Instance with dag_id: `%s`, run_id: `%s`, task_id: `%s` and map_index: `%d` was not found",
			r.PathValue("dag_id"), r.PathValue("dag_run_id"), r.PathValue("task_id"), n)
	}
}

// asNotFound is notFound, the operation's own 404, when err is a 404 (of
// the DAG, the run or the task instance), and err otherwise.
func asNotFound(err, notFound error) error {
	var ae *apiError
	if errors.As(err, &ae) && ae.status == http.StatusNotFound || errors.Is(err, ErrNotFound) {
		return notFound
	}
	return err
}

// byMapIndex runs h after checking the {map_index} path value.
func (s *Server) byMapIndex(notFound func(r *http.Request) func(int) error, h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if err := pathMapIndex(r, notFound(r)); err != nil {
			s.writeError(w, r, err)
			return
		}
		h(w, r)
	}
}

// handleGetMappedTI is GET .../taskInstances/{task_id}/{map_index}.
func (s *Server) handleGetMappedTI(w http.ResponseWriter, r *http.Request) {
	notFound := func(n int) error {
		return httpErr(http.StatusNotFound, "The Mapped Task Instance with dag_id: `%s`, run_id: `%s`, task_id: `%s`, and map_index: `%d` was not found",
			r.PathValue("dag_id"), r.PathValue("dag_run_id"), r.PathValue("task_id"), n)
	}
	if err := pathMapIndex(r, notFound); err != nil {
		s.writeError(w, r, err)
		return
	}
	ti, run, err := s.getTI(r)
	if err != nil {
		s.writeError(w, r, asNotFound(err, notFound(-1)))
		return
	}
	writeJSON(w, http.StatusOK, toTI(ti, run))
}

// handleListMapped is GET .../taskInstances/{task_id}/listMapped: no task is
// mapped, so it answers Airflow's 404 for an unmapped or unknown task.
func (s *Server) handleListMapped(w http.ResponseWriter, r *http.Request) {
	d, err := s.findDAG(r.PathValue("dag_id"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	taskID := r.PathValue("task_id")
	if !slices.ContainsFunc(d.Tasks, func(t TaskInfo) bool { return t.ID == taskID }) {
		s.writeError(w, r, httpErr(http.StatusNotFound, "Task id %s not found", taskID))
		return
	}
	s.writeError(w, r, httpErr(http.StatusNotFound, "Task id %s is not mapped", taskID))
}

// handleTryDetails is GET .../taskInstances/{task_id}/tries/{task_try_number}
// (and its {map_index} twin): one try of a task instance.
func (s *Server) handleTryDetails(w http.ResponseWriter, r *http.Request) {
	n, err := intParam("path", "task_try_number", r.PathValue("task_try_number"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	notFound := tryNotFound(r)(-1)
	ti, run, err := s.getTI(r)
	if err != nil {
		s.writeError(w, r, asNotFound(err, notFound))
		return
	}
	tries, err := s.cfg.Tasks.Tries(r.Context(), run.DagID, run.RunID, ti.TaskID)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	for _, t := range tries {
		if t.Try == n {
			writeJSON(w, http.StatusOK, toTry(t, run))
			return
		}
	}
	s.writeError(w, r, notFound)
}

// tryNotFound is Airflow's 404 for a try of a task instance addressed by
// map index.
func tryNotFound(r *http.Request) func(int) error {
	return func(n int) error {
		return httpErr(http.StatusNotFound, "The Task Instance with dag_id: `%s`, run_id: `%s`, task_id: `%s`, try_number: `%s` and map_index: `%d` was not found",
			r.PathValue("dag_id"), r.PathValue("dag_run_id"), r.PathValue("task_id"), r.PathValue("task_try_number"), n)
	}
}

// handleDependencies is GET .../taskInstances/{task_id}/dependencies (and its
// {map_index} twin): what keeps a task instance that is not scheduled yet
// from being queued, as Airflow's scheduler dependencies name it. A task
// instance that is queued, running or finished has none.
func (s *Server) handleDependencies(w http.ResponseWriter, r *http.Request) {
	ti, run, tis, err := s.getTIOfRun(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	deps := []TaskDependencyResponse{}
	if ti.State == "" || ti.State == "scheduled" {
		d, err := s.findDAG(run.DagID)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		deps = taskDependencies(d, run, ti, tis)
	}
	writeJSON(w, http.StatusOK, TaskDependencyCollectionResponse{Dependencies: deps})
}

// taskDependencies names the unmet scheduler dependencies of ti, sorted by
// name as Airflow sorts them: the run is not running, or upstream tasks
// are not finished.
func taskDependencies(d DAGInfo, run Run, ti TaskInstance, tis []TaskInstance) []TaskDependencyResponse {
	deps := []TaskDependencyResponse{}
	if run.State != RunRunning {
		deps = append(deps, TaskDependencyResponse{Name: "Dagrun Running",
			Reason: fmt.Sprintf("Task instance's dagrun was not in the 'running' state but in the state '%s'.", run.State)})
	}
	i := slices.IndexFunc(d.Tasks, func(t TaskInfo) bool { return t.ID == ti.TaskID })
	if i < 0 {
		return deps
	}
	task := d.Tasks[i]
	state := make(map[string]string, len(tis))
	for _, t := range tis {
		state[t.TaskID] = t.State
	}
	var waiting []string
	for _, u := range task.Upstream {
		switch state[u] {
		case "success", "failed", "skipped", "upstream_failed", "removed":
		default:
			waiting = append(waiting, u)
		}
	}
	if len(waiting) > 0 {
		rule := orDefault(task.TriggerRule, "all_success")
		deps = append(deps, TaskDependencyResponse{Name: "Trigger Rule",
			Reason: fmt.Sprintf("Task's trigger rule '%s' requires its upstream tasks to have finished, but found %d unfinished: %s.",
				rule, len(waiting), pySet(waiting))})
	}
	slices.SortFunc(deps, func(a, b TaskDependencyResponse) int { return strings.Compare(a.Name, b.Name) })
	return deps
}

// handleExtraLinks is GET .../taskInstances/{task_id}/links: the link to the
// run's outputs in the data lake (none without a lake).
func (s *Server) handleExtraLinks(w http.ResponseWriter, r *http.Request) {
	if err := checkMapIndex(r); err != nil {
		s.writeError(w, r, err)
		return
	}
	ti, run, err := s.getTI(r)
	if err != nil {
		s.writeError(w, r, asNotFound(err, httpErr(http.StatusNotFound, "TaskInstance not found")))
		return
	}
	if v := r.URL.Query().Get("try_number"); v != "" {
		n, err := intParam("query", "try_number", v)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		if n < 1 || n > ti.Try {
			s.writeError(w, r, httpErr(http.StatusNotFound, "TaskInstance try %d not found", n))
			return
		}
	}
	links := map[string]*string{}
	if s.cfg.Lake != nil {
		u := OutputsURL(run.DagID, run.RunID)
		links["Outputs"] = &u
	}
	writeJSON(w, http.StatusOK, ExtraLinkCollectionResponse{ExtraLinks: links, TotalEntries: len(links)})
}

// TaskDependencyResponse is Airflow's TaskDependencyResponse.
type TaskDependencyResponse = airflowspec.TaskDependencyResponse

// TaskDependencyCollectionResponse is Airflow's TaskDependencyCollectionResponse.
type TaskDependencyCollectionResponse = airflowspec.TaskDependencyCollectionResponse

// ExtraLinkCollectionResponse is Airflow's ExtraLinkCollectionResponse.
type ExtraLinkCollectionResponse = airflowspec.ExtraLinkCollectionResponse

package api

import (
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/dagworker/dagworker/internal/api/airflowspec"
)

// TimeDelta is Airflow's TimeDelta.
type TimeDelta struct {
	Type         string `json:"__type"`
	Days         int    `json:"days"`
	Seconds      int    `json:"seconds"`
	Microseconds int    `json:"microseconds"`
}

func timeDelta(d time.Duration) *TimeDelta {
	if d <= 0 {
		return nil
	}
	days := int(d / (24 * time.Hour))
	d -= time.Duration(days) * 24 * time.Hour
	sec := int(d / time.Second)
	d -= time.Duration(sec) * time.Second
	return &TimeDelta{Type: "TimeDelta", Days: days, Seconds: sec, Microseconds: int(d / time.Microsecond)}
}

// DAGTaskResponse is Airflow's TaskResponse (a task of a DAG; our
// TaskResponse is an ad-hoc task).
type DAGTaskResponse struct {
	TaskID                  string         `json:"task_id"`
	TaskDisplayName         string         `json:"task_display_name"`
	Owner                   *string        `json:"owner"`
	StartDate               *time.Time     `json:"start_date"`
	EndDate                 *time.Time     `json:"end_date"`
	TriggerRule             string         `json:"trigger_rule"`
	DependsOnPast           bool           `json:"depends_on_past"`
	WaitForDownstream       bool           `json:"wait_for_downstream"`
	Retries                 int            `json:"retries"`
	Queue                   *string        `json:"queue"`
	Pool                    string         `json:"pool"`
	PoolSlots               int            `json:"pool_slots"`
	ExecutionTimeout        *TimeDelta     `json:"execution_timeout"`
	RetryDelay              *TimeDelta     `json:"retry_delay"`
	RetryExponentialBackoff float64        `json:"retry_exponential_backoff"` // Airflow 3: the multiplier, 0 for off
	PriorityWeight          int            `json:"priority_weight"`
	WeightRule              string         `json:"weight_rule"`
	UIColor                 string         `json:"ui_color"`
	UIFgcolor               string         `json:"ui_fgcolor"`
	TemplateFields          []string       `json:"template_fields"`
	DownstreamTaskIDs       []string       `json:"downstream_task_ids"`
	DocMD                   *string        `json:"doc_md"`
	OperatorName            string         `json:"operator_name"`
	Params                  map[string]any `json:"params"`
	ClassRef                map[string]any `json:"class_ref"`
	IsMapped                bool           `json:"is_mapped"`
	ExtraLinks              []string       `json:"extra_links"`
}

// TaskCollectionResponse is Airflow's TaskCollectionResponse.
type TaskCollectionResponse struct {
	Tasks        []DAGTaskResponse `json:"tasks"`
	TotalEntries int               `json:"total_entries"`
}

// DAGDetailsResponse is Airflow's DAGDetailsResponse: the DAG and its
// definition's settings.
type DAGDetailsResponse struct {
	DAGResponse
	Catchup                   bool                `json:"catchup"`
	DagRunTimeout             *string             `json:"dag_run_timeout"`
	AssetExpression           map[string]any      `json:"asset_expression" nullable:"true"`
	DocMD                     *string             `json:"doc_md"`
	StartDate                 *time.Time          `json:"start_date"`
	EndDate                   *time.Time          `json:"end_date"`
	IsPausedUponCreation      *bool               `json:"is_paused_upon_creation"`
	Params                    map[string]any      `json:"params" nullable:"true"`
	RenderTemplateAsNativeObj bool                `json:"render_template_as_native_obj"`
	TemplateSearchPath        []string            `json:"template_search_path" nullable:"true"`
	Timezone                  *string             `json:"timezone"`
	LastParsed                *time.Time          `json:"last_parsed"`
	DefaultArgs               map[string]any      `json:"default_args" nullable:"true"`
	OwnerLinks                map[string]string   `json:"owner_links" nullable:"true"`
	IsFavorite                bool                `json:"is_favorite"`
	ActiveRunsCount           int                 `json:"active_runs_count"`
	Concurrency               int                 `json:"concurrency"`
	LatestDagVersion          *DagVersionResponse `json:"latest_dag_version"`
}

func toTaskResponse(t TaskInfo, d DAGInfo) DAGTaskResponse {
	pool := orDefault(t.Pool, "default_pool")
	slots := max(t.PoolSlots, 1)
	down := t.Downstream
	if down == nil {
		down = []string{}
	}
	// Airflow's task params: the DAG's (source "dag") with the task's own
	// over them (source "task").
	params := paramSpecs(d.Params, "dag")
	maps.Copy(params, paramSpecs(t.Params, "task"))
	rule := orDefault(t.TriggerRule, "all_success")
	return DAGTaskResponse{
		TaskID: t.ID, TaskDisplayName: t.ID, Owner: strPtr(t.Owner), StartDate: utcPtr(d.StartDate), EndDate: utcPtr(d.EndDate),
		TriggerRule: rule, Retries: t.Retries, Queue: strPtr(orDefault(t.Queue, "default")), Pool: pool, PoolSlots: slots,
		ExecutionTimeout: timeDelta(t.ExecutionTimeout), RetryDelay: timeDelta(t.RetryDelay),
		RetryExponentialBackoff: backoff(t.RetryExponentialBackoff), PriorityWeight: max(t.OwnWeight, 1), WeightRule: "downstream",
		UIColor: "#fff", UIFgcolor: "#000", TemplateFields: []string{}, DownstreamTaskIDs: down,
		OperatorName: t.Operator, Params: params,
		ClassRef:   map[string]any{"class_name": t.Operator, "module_path": "dagworker.tasks"},
		ExtraLinks: []string{},
	}
}

// paramSpecs is params as Airflow's API dumps them: each value in a spec
// with its (empty) JSON schema, description and source ("" for none).
func paramSpecs(params map[string]any, source string) map[string]any {
	out := make(map[string]any, len(params))
	for k, v := range params {
		spec := map[string]any{"value": v, "schema": map[string]any{}, "description": nil, "source": nil}
		if source != "" {
			spec["source"] = source
		}
		out[k] = spec
	}
	return out
}

// handleDAGDetails is GET /api/v2/dags/{dag_id}/details.
func (s *Server) handleDAGDetails(w http.ResponseWriter, r *http.Request) {
	d, err := s.findDAG(r.PathValue("dag_id"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	p, err := s.paused(r.Context(), d)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	// counted in the store: a page of one run, and the total
	_, active, err := s.cfg.Runs.ListRuns(r.Context(), d.ID, RunQuery{States: []RunState{RunRunning, RunQueued}, Limit: 1})
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	versions, err := s.versions(r.Context(), d)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	var latest *DagVersionResponse
	if len(versions) > 0 {
		latest = &versions[len(versions)-1]
	}
	base := toDAG(d, p)
	params := paramSpecs(d.Params, "")
	var timeout *string
	if d.DagrunTimeout > 0 {
		// Airflow writes a timedelta's ISO 8601 duration.
		timeout = strPtr("P" + isoDuration(d.DagrunTimeout))
	}
	paused := d.PausedUponCreation
	out := DAGDetailsResponse{
		DAGResponse: base, Catchup: d.Catchup, DagRunTimeout: timeout, DocMD: strPtr(d.DocMD),
		StartDate: utcPtr(d.StartDate), EndDate: utcPtr(d.EndDate), IsPausedUponCreation: &paused, Params: params,
		Timezone: strPtr(orDefault(d.Timezone, "UTC")), ActiveRunsCount: active, Concurrency: base.MaxActiveTasks,
		OwnerLinks: map[string]string{}, LatestDagVersion: latest,
	}
	writeJSON(w, http.StatusOK, out)
}

// isoDuration is the time part of an ISO 8601 duration ("T1H30M", days first).
func isoDuration(d time.Duration) string {
	var b strings.Builder
	if days := d / (24 * time.Hour); days > 0 {
		b.WriteString(strconv.Itoa(int(days)) + "D")
		d -= days * 24 * time.Hour
	}
	if d > 0 {
		b.WriteString("T")
		if h := d / time.Hour; h > 0 {
			b.WriteString(strconv.Itoa(int(h)) + "H")
			d -= h * time.Hour
		}
		if m := d / time.Minute; m > 0 {
			b.WriteString(strconv.Itoa(int(m)) + "M")
			d -= m * time.Minute
		}
		if d > 0 {
			b.WriteString(strconv.FormatFloat(d.Seconds(), 'f', -1, 64) + "S")
		}
	}
	return b.String()
}

// handleTasks is GET /api/v2/dags/{dag_id}/tasks (order_by task_id by
// default, as Airflow).
func (s *Server) handleTasks(w http.ResponseWriter, r *http.Request) {
	d, err := s.findDAG(r.PathValue("dag_id"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	order := r.URL.Query().Get("order_by")
	if order == "" {
		order = "task_id"
	}
	key, desc := strings.TrimPrefix(order, "-"), strings.HasPrefix(order, "-")
	out := make([]DAGTaskResponse, 0, len(d.Tasks))
	for _, t := range d.Tasks {
		out = append(out, toTaskResponse(t, d))
	}
	var cmp func(a, b DAGTaskResponse) int
	switch key {
	case "task_id":
		cmp = func(a, b DAGTaskResponse) int { return strings.Compare(a.TaskID, b.TaskID) }
	case "operator_name":
		cmp = func(a, b DAGTaskResponse) int { return strings.Compare(a.OperatorName, b.OperatorName) }
	case "priority_weight":
		cmp = func(a, b DAGTaskResponse) int { return a.PriorityWeight - b.PriorityWeight }
	case "retries":
		cmp = func(a, b DAGTaskResponse) int { return a.Retries - b.Retries }
	case "pool":
		cmp = func(a, b DAGTaskResponse) int { return strings.Compare(a.Pool, b.Pool) }
	default:
		// Airflow: 400 for an attribute the tasks do not have.
		s.writeError(w, r, httpErr(http.StatusBadRequest, "'%s' object has no attribute '%s'", "SerializedBaseOperator", key))
		return
	}
	slices.SortStableFunc(out, func(a, b DAGTaskResponse) int {
		if desc {
			return -cmp(a, b)
		}
		return cmp(a, b)
	})
	writeJSON(w, http.StatusOK, TaskCollectionResponse{Tasks: out, TotalEntries: len(out)})
}

// handleTask is GET /api/v2/dags/{dag_id}/tasks/{task_id}.
func (s *Server) handleTask(w http.ResponseWriter, r *http.Request) {
	d, err := s.findDAG(r.PathValue("dag_id"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	id := r.PathValue("task_id")
	for _, t := range d.Tasks {
		if t.ID == id {
			writeJSON(w, http.StatusOK, toTaskResponse(t, d))
			return
		}
	}
	s.writeError(w, r, httpErr(http.StatusNotFound, "Task %s not found", id))
}

// DagStatsStateResponse is Airflow's DagStatsStateResponse.
type DagStatsStateResponse = airflowspec.DagStatsStateResponse

// DagStatsResponse is Airflow's DagStatsResponse.
type DagStatsResponse = airflowspec.DagStatsResponse

// DagStatsCollectionResponse is Airflow's DagStatsCollectionResponse.
type DagStatsCollectionResponse = airflowspec.DagStatsCollectionResponse

// handleDagStats is GET /api/v2/dagStats: runs per state of each DAG
// (dag_ids selects; every state is listed, with zero counts).
func (s *Server) handleDagStats(w http.ResponseWriter, r *http.Request) {
	want := newQuery(r).list("dag_ids")
	out := []DagStatsResponse{}
	for _, d := range s.cfg.DAGs.DAGs() {
		if len(want) > 0 && !slices.Contains(want, d.ID) {
			continue
		}
		st := DagStatsResponse{DagID: d.ID, DagDisplayName: d.ID}
		for _, state := range dagRunStates {
			// counted in the store, never reading every run of the DAG
			_, n, err := s.cfg.Runs.ListRuns(r.Context(), d.ID, RunQuery{States: []RunState{RunState(state)}, Limit: 1})
			if err != nil {
				s.writeError(w, r, err)
				return
			}
			st.Stats = append(st.Stats, DagStatsStateResponse{State: airflowspec.DagRunState(state), Count: n})
		}
		out = append(out, st)
	}
	writeJSON(w, http.StatusOK, DagStatsCollectionResponse{Dags: out, TotalEntries: len(out)})
}

// backoff is Airflow 3's retry_exponential_backoff: the factor (2, as
// dagworker doubles the delay) or 0 for none.
func backoff(on bool) float64 {
	if on {
		return 2
	}
	return 0
}

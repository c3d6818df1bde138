package api

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"time"
)

// triggerBody is Airflow's TriggerDAGRunPostBody; timestamps are strings so
// a bad one is reported with its field.
type triggerBody struct {
	DagRunID          *string        `json:"dag_run_id"`
	LogicalDate       *string        `json:"logical_date"`
	DataIntervalStart *string        `json:"data_interval_start"`
	DataIntervalEnd   *string        `json:"data_interval_end"`
	RunAfter          *string        `json:"run_after"`
	Conf              map[string]any `json:"conf"`
	Note              *string        `json:"note"`
	PartitionKey      *string        `json:"partition_key"`
}

func bodyTime(name string, v *string, errs *[]fieldError) *time.Time {
	if v == nil || *v == "" {
		return nil
	}
	t, err := parseTime(*v)
	if err != nil {
		*errs = append(*errs, fieldError{Loc: []any{"body", name}, Msg: "Input should be a valid datetime: " + err.Error(), Type: "datetime_from_date_parsing"})
		return nil
	}
	return &t
}

// handleTrigger is POST /api/v2/dags/{dag_id}/dagRuns.
func (s *Server) handleTrigger(w http.ResponseWriter, r *http.Request) {
	d, err := s.findDAG(r.PathValue("dag_id"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	wait, err := parseWait(r.URL.Query().Get("wait"), s.cfg.MaxWait)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	var body triggerBody
	if err := s.decodeBody(r, &body); err != nil {
		s.writeError(w, r, err)
		return
	}
	var errs []fieldError
	now := s.cfg.Clock().UTC()
	req := TriggerRequest{
		LogicalDate:       bodyTime("logical_date", body.LogicalDate, &errs),
		DataIntervalStart: bodyTime("data_interval_start", body.DataIntervalStart, &errs),
		DataIntervalEnd:   bodyTime("data_interval_end", body.DataIntervalEnd, &errs),
		RunAfter:          now,
		Conf:              body.Conf,
		Note:              body.Note,
		TriggeredBy:       "rest_api",
	}
	if p, ok := r.Context().Value(ctxKey{}).(principal); ok {
		req.TriggeringUser = p.name
	}
	if ra := bodyTime("run_after", body.RunAfter, &errs); ra != nil {
		req.RunAfter = *ra
	}
	if (req.DataIntervalStart == nil) != (req.DataIntervalEnd == nil) {
		errs = append(errs, fieldError{Loc: []any{"body"}, Msg: "Value error, Either both data_interval_start and data_interval_end must be provided or both must be None", Type: "value_error"})
	}
	if body.DagRunID != nil && strings.TrimSpace(*body.DagRunID) == "" {
		errs = append(errs, fieldError{Loc: []any{"body", "dag_run_id"}, Msg: "dag_run_id must not be empty", Type: "value_error", Input: *body.DagRunID})
	}
	if len(errs) > 0 {
		s.writeError(w, r, &apiError{status: http.StatusUnprocessableEntity, detail: errs})
		return
	}
	if body.DagRunID != nil {
		if err := checkRunID(*body.DagRunID); err != nil {
			s.writeError(w, r, err)
			return
		}
	}
	key := r.Header.Get("Idempotency-Key")
	explicit := body.DagRunID != nil
	switch {
	case explicit:
		req.RunID = *body.DagRunID
	case key != "":
		sum := sha256.Sum256([]byte(d.ID + "\x00" + key))
		req.RunID = "manual__idem_" + hex.EncodeToString(sum[:12])
	default:
		req.RunID = manualRunID(req.LogicalDate, now)
	}
	run, err := s.cfg.Runs.TriggerRun(r.Context(), d.ID, req)
	for try := 0; errors.Is(err, ErrRunExists) && !explicit && key == "" && try < 3; try++ {
		// Two triggers in the same nanosecond: take the next one.
		now = now.Add(time.Nanosecond)
		req.RunID = manualRunID(req.LogicalDate, now)
		run, err = s.cfg.Runs.TriggerRun(r.Context(), d.ID, req)
	}
	if errors.Is(err, ErrRunExists) {
		if key == "" {
			s.writeError(w, r, conflict("A DAG Run already exists for DAG %s with run id %s", d.ID, req.RunID))
			return
		}
		// A replayed request: answer with the run the first one created.
		run, err = s.cfg.Runs.Run(r.Context(), d.ID, req.RunID)
	}
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	audit(r, run.RunID, "")
	s.answerRun(w, r, run, wait)
}

// manualRunID is Airflow's manual run id form.
func manualRunID(logical *time.Time, now time.Time) string {
	if logical != nil {
		return "manual__" + logical.UTC().Format(time.RFC3339Nano)
	}
	return "manual__" + now.UTC().Format(time.RFC3339Nano)
}

// answerRun writes the run, first waiting up to wait for it to finish. A run
// still unfinished at the timeout is answered 202 with its Location.
func (s *Server) answerRun(w http.ResponseWriter, r *http.Request, run Run, wait time.Duration) {
	if wait > 0 && !run.State.Finished() {
		var err error
		run, err = s.waitRun(r.Context(), run, wait)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		if !run.State.Finished() {
			w.Header().Set("Location", runPath(run.DagID, run.RunID))
			writeJSON(w, http.StatusAccepted, toRun(run))
			return
		}
	}
	writeJSON(w, http.StatusOK, toRun(run))
}

func runPath(dagID, runID string) string {
	return "/api/v2/dags/" + url.PathEscape(dagID) + "/dagRuns/" + url.PathEscape(runID)
}

// waitRun polls the run until it finishes, wait passes or ctx ends.
func (s *Server) waitRun(ctx context.Context, run Run, wait time.Duration) (Run, error) {
	ctx, cancel := context.WithTimeout(ctx, wait)
	defer cancel()
	t := time.NewTicker(s.cfg.PollInterval)
	defer t.Stop()
	for !run.State.Finished() {
		select {
		case <-ctx.Done():
			return run, nil
		case <-t.C:
		}
		next, err := s.cfg.Runs.Run(ctx, run.DagID, run.RunID)
		if err != nil {
			if ctx.Err() != nil {
				return run, nil
			}
			return run, err
		}
		run = next
	}
	return run, nil
}

// getRun returns one run, or 404 naming the DAG or the run.
func (s *Server) getRun(r *http.Request) (Run, error) {
	d, err := s.findDAG(r.PathValue("dag_id"))
	if err != nil {
		return Run{}, err
	}
	id := r.PathValue("dag_run_id")
	run, err := s.cfg.Runs.Run(r.Context(), d.ID, id)
	if errors.Is(err, ErrNotFound) {
		return Run{}, httpErr(http.StatusNotFound, "The DagRun with dag_id: `%s` and run_id: `%s` was not found", d.ID, id)
	}
	return run, err
}

// handleGetRun is GET /api/v2/dags/{dag_id}/dagRuns/{dag_run_id}.
func (s *Server) handleGetRun(w http.ResponseWriter, r *http.Request) {
	run, err := s.getRun(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, toRun(run))
}

// handlePatchRun is PATCH /api/v2/dags/{dag_id}/dagRuns/{dag_run_id}.
func (s *Server) handlePatchRun(w http.ResponseWriter, r *http.Request) {
	run, err := s.getRun(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	var body struct {
		State *string `json:"state"`
		Note  *string `json:"note"`
	}
	if err := s.decodeBody(r, &body); err != nil {
		s.writeError(w, r, err)
		return
	}
	var state RunState
	if body.State != nil {
		state = RunState(*body.State)
		if state != RunQueued && state != RunSuccess && state != RunFailed {
			s.writeError(w, r, unprocessable([]any{"body", "state"}, "enum", "Input should be 'queued', 'success' or 'failed'"))
			return
		}
	}
	run, err = s.cfg.Editor.PatchRun(r.Context(), run.DagID, run.RunID, state, body.Note)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, toRun(run))
}

// handleDeleteRun is DELETE /api/v2/dags/{dag_id}/dagRuns/{dag_run_id}.
func (s *Server) handleDeleteRun(w http.ResponseWriter, r *http.Request) {
	run, err := s.getRun(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if err := s.cfg.Editor.DeleteRun(r.Context(), run.DagID, run.RunID); err != nil {
		s.writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// handleClearRun is POST /api/v2/dags/{dag_id}/dagRuns/{dag_run_id}/clear.
// dry_run defaults to true, as in Airflow.
func (s *Server) handleClearRun(w http.ResponseWriter, r *http.Request) {
	run, err := s.getRun(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	body := struct {
		DryRun     *bool `json:"dry_run"`
		OnlyFailed bool  `json:"only_failed"`
	}{}
	if err := s.decodeBody(r, &body); err != nil {
		s.writeError(w, r, err)
		return
	}
	if body.DryRun == nil || *body.DryRun {
		tis, err := s.cfg.Tasks.TaskInstances(r.Context(), run.DagID, run.RunID)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		out := []TaskInstanceResponse{}
		for _, ti := range tis {
			if !body.OnlyFailed || ti.State == "failed" || ti.State == "upstream_failed" {
				out = append(out, toTI(ti, run))
			}
		}
		writeJSON(w, http.StatusOK, TaskInstanceCollectionResponse{TaskInstances: out, TotalEntries: len(out)})
		return
	}
	if err := s.cfg.Editor.ClearRun(r.Context(), run.DagID, run.RunID, body.OnlyFailed); err != nil {
		s.writeError(w, r, err)
		return
	}
	run, err = s.cfg.Runs.Run(r.Context(), run.DagID, run.RunID)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, toRun(run))
}

// handleSensor is GET /api/v2/dags/{dag_id}/dagRuns/{dag_run_id}/sensor: 404
// while the run is unfinished, 200 with the run and its outputs on success,
// 424 on failure.
func (s *Server) handleSensor(w http.ResponseWriter, r *http.Request) {
	run, err := s.getRun(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	switch run.State {
	case RunSuccess:
	case RunFailed:
		s.writeError(w, r, httpErr(http.StatusFailedDependency, "DagRun %s of %s failed", run.RunID, run.DagID))
		return
	default:
		s.writeError(w, r, httpErr(http.StatusNotFound, "DagRun %s of %s is %s, not finished", run.RunID, run.DagID, run.State))
		return
	}
	tis, err := s.cfg.Tasks.TaskInstances(r.Context(), run.DagID, run.RunID)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	out := SensorResponse{DAGRunResponse: toRun(run), Outputs: map[string]json.RawMessage{},
		OutputsURL: OutputsURL(run.DagID, run.RunID), OutputFiles: []OutputResponse{}}
	for _, ti := range tis {
		if ti.ReturnValue != nil {
			out.Outputs[ti.TaskID] = ti.ReturnValue
		}
	}
	if s.cfg.Lake != nil {
		if out.OutputFiles, err = s.listOutputs(r.Context(), run.DagID, run.RunID); err != nil {
			s.writeError(w, r, err)
			return
		}
	}
	writeJSON(w, http.StatusOK, out)
}

// runChunk is how many runs the list endpoints read from the store at a time
// when they filter or order by what the store does not.
const runChunk = 500

// eachRun calls fn with every run of the DAGs named by a {dag_id} ("~" is
// all), newest first within each DAG, reading them from the store a chunk at
// a time.
func (s *Server) eachRun(ctx context.Context, dagID string, states []RunState, fn func(Run) error) error {
	ids, err := s.dagIDs(dagID)
	if err != nil {
		return err
	}
	for _, id := range ids {
		for offset := 0; ; offset += runChunk {
			runs, _, err := s.cfg.Runs.ListRuns(ctx, id, RunQuery{States: states, Offset: offset, Limit: runChunk})
			if err != nil {
				return err
			}
			for _, r := range runs {
				if err := fn(r); err != nil {
					return err
				}
			}
			if len(runs) < runChunk {
				break
			}
		}
	}
	return nil
}

// runFilter selects and orders runs for the list endpoints.
type runFilter struct {
	dagIDs                        []string
	dagIDPattern, runIDPattern    *regexp.Regexp // Airflow's dag_id_pattern, run_id_pattern
	states, runTypes              []string
	logical, start, end, runAfter timeRange
	orderBy                       string
	limit, offset                 int
}

// storeStates is the state filter as the store takes it.
func (f runFilter) storeStates() []RunState {
	out := make([]RunState, 0, len(f.states))
	for _, st := range f.states {
		out = append(out, RunState(st))
	}
	return out
}

// storeQuery returns the filter as a RunQuery when the run store can apply
// all of it to one DAG (states, the order of logical dates, the page).
func (f runFilter) storeQuery() (RunQuery, bool) {
	q := RunQuery{States: f.storeStates(), Offset: f.offset, Limit: f.limit}
	if len(f.runTypes) > 0 || f.dagIDPattern != nil || f.runIDPattern != nil || !f.logical.empty() || !f.start.empty() || !f.end.empty() || !f.runAfter.empty() {
		return q, false
	}
	switch f.orderBy {
	case "", "id", "logical_date":
		q.Oldest = true
	case "-id", "-logical_date":
	default:
		return q, false
	}
	return q, true
}

// match reports whether r passes the filters the store did not apply.
func (f runFilter) match(r Run) bool {
	return (len(f.dagIDs) == 0 || slices.Contains(f.dagIDs, r.DagID)) &&
		(f.dagIDPattern == nil || f.dagIDPattern.MatchString(r.DagID)) &&
		(f.runIDPattern == nil || f.runIDPattern.MatchString(r.RunID)) &&
		(len(f.runTypes) == 0 || slices.Contains(f.runTypes, r.RunType)) &&
		f.logical.match(r.LogicalDate) && f.start.match(r.StartDate) && f.end.match(r.EndDate) &&
		f.runAfter.match(&r.RunAfter)
}

func (f runFilter) compare(a, b Run) int {
	key, desc := strings.TrimPrefix(f.orderBy, "-"), strings.HasPrefix(f.orderBy, "-")
	var c int
	switch key {
	case "dag_run_id", "run_id":
		c = strings.Compare(a.RunID, b.RunID)
	case "logical_date":
		c = cmpTime(a.LogicalDate, b.LogicalDate)
	case "start_date":
		c = cmpTime(a.StartDate, b.StartDate)
	case "end_date":
		c = cmpTime(a.EndDate, b.EndDate)
	case "state":
		c = strings.Compare(string(a.State), string(b.State))
	default: // id, run_after: Airflow's default order
		c = a.RunAfter.Compare(b.RunAfter)
	}
	if desc {
		return -c
	}
	return c
}

// topRuns keeps the first k runs in a filter's order while runs stream in,
// so a page holds at most 2k runs, not every run.
type topRuns struct {
	f    runFilter
	k    int
	runs []Run
}

func (t *topRuns) add(r Run) {
	if t.k == 0 {
		return
	}
	t.runs = append(t.runs, r)
	if len(t.runs) >= 2*t.k {
		t.trim()
	}
}

func (t *topRuns) trim() {
	slices.SortStableFunc(t.runs, t.f.compare)
	if len(t.runs) > t.k {
		t.runs = t.runs[:t.k]
	}
}

func cmpTime(a, b *time.Time) int {
	switch {
	case a == nil && b == nil:
		return 0
	case a == nil:
		return -1
	case b == nil:
		return 1
	}
	return a.Compare(*b)
}

// handleListRuns is GET /api/v2/dags/{dag_id}/dagRuns ("~" for all DAGs).
func (s *Server) handleListRuns(w http.ResponseWriter, r *http.Request) {
	q := newQuery(r)
	f := runFilter{
		states: q.list("state"), runTypes: q.list("run_type"),
		logical: q.timeRange("logical_date"), start: q.timeRange("start_date"),
		end: q.timeRange("end_date"), runAfter: q.timeRange("run_after"),
		orderBy: q.str("order_by"),
		limit:   q.intv("limit", defaultLimit, 0, maxLimit), offset: q.intv("offset", 0, 0, 1<<31-1),
	}
	if err := q.err(); err != nil {
		s.writeError(w, r, err)
		return
	}
	if p := q.str("dag_id_pattern"); p != "" {
		f.dagIDPattern = likePattern(p)
	}
	if p := q.str("run_id_pattern"); p != "" {
		f.runIDPattern = likePattern(p)
	}
	var err error
	if f.orderBy, err = orderByParam(r, dagRunOrderKeys); err == nil {
		if err = checkEnum("state", f.states, dagRunStates, "state"); err == nil {
			err = checkEnum("run_type", f.runTypes, dagRunTypes, "run type")
		}
	}
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.listRuns(w, r, r.PathValue("dag_id"), f)
}

func (s *Server) listRuns(w http.ResponseWriter, r *http.Request, dagID string, f runFilter) {
	runs, total, err := s.findRuns(r.Context(), dagID, f)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	out := make([]DAGRunResponse, 0, len(runs))
	for _, run := range runs {
		out = append(out, toRun(run))
	}
	writeJSON(w, http.StatusOK, DAGRunCollectionResponse{DagRuns: out, TotalEntries: total})
}

// findRuns returns the page of runs f selects and how many match. The run
// store pages one DAG's runs itself when it can apply the whole filter;
// otherwise the runs stream through the filter a chunk at a time and only
// the first offset+limit are kept.
func (s *Server) findRuns(ctx context.Context, dagID string, f runFilter) ([]Run, int, error) {
	if q, ok := f.storeQuery(); ok && dagID != "~" && (len(f.dagIDs) == 0 || slices.Contains(f.dagIDs, dagID)) {
		d, err := s.findDAG(dagID)
		if err != nil {
			return nil, 0, err
		}
		if q.Limit == 0 {
			// An empty page: Airflow answers the count only.
			_, total, err := s.cfg.Runs.ListRuns(ctx, d.ID, RunQuery{States: q.States, Limit: 1})
			return []Run{}, total, err
		}
		runs, total, err := s.cfg.Runs.ListRuns(ctx, d.ID, q)
		return runs, total, err
	}
	top := &topRuns{f: f, k: f.offset + f.limit}
	total := 0
	err := s.eachRun(ctx, dagID, f.storeStates(), func(r Run) error {
		if f.match(r) {
			total++
			top.add(r)
		}
		return nil
	})
	if err != nil {
		return nil, 0, err
	}
	top.trim()
	return page(top.runs, f.offset, f.limit), total, nil
}

// handleListRunsBatch is POST /api/v2/dags/{dag_id}/dagRuns/list.
func (s *Server) handleListRunsBatch(w http.ResponseWriter, r *http.Request) {
	var body struct {
		DagIDs         []string `json:"dag_ids"`
		States         []string `json:"states"`
		OrderBy        string   `json:"order_by"`
		PageOffset     int      `json:"page_offset"`
		PageLimit      *int     `json:"page_limit"`
		LogicalDateGte *string  `json:"logical_date_gte"`
		LogicalDateLte *string  `json:"logical_date_lte"`
		StartDateGte   *string  `json:"start_date_gte"`
		StartDateLte   *string  `json:"start_date_lte"`
	}
	if err := s.decodeBody(r, &body); err != nil {
		s.writeError(w, r, err)
		return
	}
	var errs []fieldError
	f := runFilter{
		dagIDs: body.DagIDs, states: body.States, orderBy: body.OrderBy, offset: max(0, body.PageOffset), limit: 100,
		logical: timeRange{gte: bodyTime("logical_date_gte", body.LogicalDateGte, &errs), lte: bodyTime("logical_date_lte", body.LogicalDateLte, &errs)},
		start:   timeRange{gte: bodyTime("start_date_gte", body.StartDateGte, &errs), lte: bodyTime("start_date_lte", body.StartDateLte, &errs)},
	}
	if body.PageLimit != nil {
		f.limit = min(max(0, *body.PageLimit), maxLimit)
	}
	if len(errs) > 0 {
		s.writeError(w, r, &apiError{status: http.StatusUnprocessableEntity, detail: errs})
		return
	}
	if err := bodyEnum("states", body.States, dagRunStates); err != nil {
		s.writeError(w, r, err)
		return
	}
	if body.OrderBy != "" {
		if err := checkOrderBy([]string{body.OrderBy}, dagRunOrderKeys); err != nil {
			s.writeError(w, r, err)
			return
		}
	}
	s.listRuns(w, r, r.PathValue("dag_id"), f)
}

package api

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"
)

// runsOf returns the runs named by {dag_id} and {dag_run_id} ("~" is all)
// as an iterator: the runs of "~" are read from the store a chunk at a time.
func (s *Server) runsOf(r *http.Request, dagID, runID string) (func(func(Run) error) error, error) {
	if runID != "~" {
		if dagID == "~" {
			return nil, httpErr(http.StatusBadRequest, "dag_id ~ needs dag_run_id ~")
		}
		run, err := s.getRun(r)
		if err != nil {
			return nil, err
		}
		return func(fn func(Run) error) error { return fn(run) }, nil
	}
	if _, err := s.dagIDs(dagID); err != nil {
		return nil, err
	}
	return func(fn func(Run) error) error { return s.eachRun(r.Context(), dagID, nil, fn) }, nil
}

// tiFilter selects task instances for the list endpoints.
type tiFilter struct {
	dagIDs, runIDs, taskIDs, states, pools, queues []string
	orderBy                                        string
	limit, offset                                  int
}

func (s *Server) listTIs(w http.ResponseWriter, r *http.Request, runs func(func(Run) error) error, f tiFilter) {
	var out []TaskInstanceResponse
	err := runs(func(run Run) error {
		if (len(f.dagIDs) > 0 && !slices.Contains(f.dagIDs, run.DagID)) || (len(f.runIDs) > 0 && !slices.Contains(f.runIDs, run.RunID)) {
			return nil
		}
		tis, err := s.cfg.Tasks.TaskInstances(r.Context(), run.DagID, run.RunID)
		if err != nil {
			return err
		}
		for _, ti := range tis {
			state := ti.State
			if state == "" {
				state = "no_status"
			}
			if (len(f.taskIDs) > 0 && !slices.Contains(f.taskIDs, ti.TaskID)) ||
				(len(f.states) > 0 && !slices.Contains(f.states, state) && !slices.Contains(f.states, ti.State)) ||
				(len(f.pools) > 0 && !slices.Contains(f.pools, orDefault(ti.Pool, "default_pool"))) ||
				(len(f.queues) > 0 && !slices.Contains(f.queues, ti.Queue)) {
				continue
			}
			out = append(out, toTI(ti, run))
		}
		return nil
	})
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	key, desc := strings.TrimPrefix(f.orderBy, "-"), strings.HasPrefix(f.orderBy, "-")
	if key != "" {
		slices.SortStableFunc(out, func(a, b TaskInstanceResponse) int {
			var c int
			switch key {
			case "start_date":
				c = cmpTime(a.StartDate, b.StartDate)
			case "end_date":
				c = cmpTime(a.EndDate, b.EndDate)
			case "state":
				c = strings.Compare(tiState(a.State), tiState(b.State))
			default:
				c = strings.Compare(a.TaskID, b.TaskID)
			}
			if desc {
				return -c
			}
			return c
		})
	}
	if out == nil {
		out = []TaskInstanceResponse{}
	}
	writeJSON(w, http.StatusOK, TaskInstanceCollectionResponse{TaskInstances: page(out, f.offset, f.limit), TotalEntries: len(out)})
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// handleListTIs is GET /api/v2/dags/{dag_id}/dagRuns/{dag_run_id}/taskInstances.
func (s *Server) handleListTIs(w http.ResponseWriter, r *http.Request) {
	q := newQuery(r)
	f := tiFilter{
		taskIDs: q.list("task_id"), states: q.list("state"), pools: q.list("pool"), queues: q.list("queue"),
		limit: q.intv("limit", defaultLimit, 0, maxLimit), offset: q.intv("offset", 0, 0, 1<<31-1),
	}
	if err := q.err(); err != nil {
		s.writeError(w, r, err)
		return
	}
	var err error
	if f.orderBy, err = orderByParam(r, tiOrderKeys); err == nil {
		err = checkEnum("state", f.states, tiStates, "state", "no_status")
	}
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	runs, err := s.runsOf(r, r.PathValue("dag_id"), r.PathValue("dag_run_id"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.listTIs(w, r, runs, f)
}

// handleListTIsBatch is POST /api/v2/dags/~/dagRuns/~/taskInstances/list.
func (s *Server) handleListTIsBatch(w http.ResponseWriter, r *http.Request) {
	var body struct {
		DagIDs     []string `json:"dag_ids"`
		DagRunIDs  []string `json:"dag_run_ids"`
		TaskIDs    []string `json:"task_ids"`
		State      []string `json:"state"`
		Pool       []string `json:"pool"`
		Queue      []string `json:"queue"`
		OrderBy    string   `json:"order_by"`
		PageOffset int      `json:"page_offset"`
		PageLimit  *int     `json:"page_limit"`
	}
	if err := s.decodeBody(r, &body); err != nil {
		s.writeError(w, r, err)
		return
	}
	f := tiFilter{dagIDs: body.DagIDs, runIDs: body.DagRunIDs, taskIDs: body.TaskIDs, states: body.State,
		pools: body.Pool, queues: body.Queue, orderBy: body.OrderBy, offset: max(0, body.PageOffset), limit: 100}
	if body.PageLimit != nil {
		f.limit = min(max(0, *body.PageLimit), maxLimit)
	}
	if body.OrderBy != "" {
		if err := checkOrderBy([]string{body.OrderBy}, tiOrderKeys); err != nil {
			s.writeError(w, r, err)
			return
		}
	}
	runs, err := s.runsOf(r, r.PathValue("dag_id"), r.PathValue("dag_run_id"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.listTIs(w, r, runs, f)
}

// getTI returns one task instance (its current try) and its run, or a 404.
func (s *Server) getTI(r *http.Request) (TaskInstance, Run, error) {
	ti, run, _, err := s.getTIOfRun(r)
	return ti, run, err
}

// getTIOfRun is getTI that also returns every task instance of the run.
func (s *Server) getTIOfRun(r *http.Request) (TaskInstance, Run, []TaskInstance, error) {
	run, err := s.getRun(r)
	if err != nil {
		return TaskInstance{}, Run{}, nil, err
	}
	tis, err := s.cfg.Tasks.TaskInstances(r.Context(), run.DagID, run.RunID)
	if err != nil {
		return TaskInstance{}, Run{}, nil, err
	}
	taskID := r.PathValue("task_id")
	for _, ti := range tis {
		if ti.TaskID == taskID {
			return ti, run, tis, nil
		}
	}
	return TaskInstance{}, Run{}, nil, tiNotFound(r)(-1)
}

// handleGetTI is GET .../taskInstances/{task_id}.
func (s *Server) handleGetTI(w http.ResponseWriter, r *http.Request) {
	ti, run, err := s.getTI(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, toTI(ti, run))
}

// handleTries is GET .../taskInstances/{task_id}/tries.
func (s *Server) handleTries(w http.ResponseWriter, r *http.Request) {
	ti, run, err := s.getTI(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	tries, err := s.cfg.Tasks.Tries(r.Context(), run.DagID, run.RunID, ti.TaskID)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	out := make([]TaskInstanceHistoryResponse, 0, len(tries))
	for _, t := range tries {
		out = append(out, toTry(t, run))
	}
	writeJSON(w, http.StatusOK, TaskInstanceHistoryCollectionResponse{TaskInstances: out, TotalEntries: len(out)})
}

// handleLog is GET .../taskInstances/{task_id}/logs/{try_number}: the log
// as structured lines. A try that has not written a log yet has no lines.
func (s *Server) handleLog(w http.ResponseWriter, r *http.Request) {
	try, err := strconv.Atoi(r.PathValue("try_number"))
	if err != nil || try < 0 {
		s.writeError(w, r, intParsingError("path", "try_number", r.PathValue("try_number")))
		return
	}
	if err := checkMapIndex(r); err != nil {
		s.writeError(w, r, err)
		return
	}
	ti, run, err := s.getTI(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if try > ti.Try || try == 0 {
		s.writeError(w, r, httpErr(http.StatusNotFound, "TaskInstance %s try %d not found", ti.TaskID, try))
		return
	}
	data, err := s.cfg.Tasks.Log(r.Context(), run.DagID, run.RunID, ti.TaskID, try)
	if err != nil && !errors.Is(err, ErrNotFound) {
		s.writeError(w, r, err)
		return
	}
	lines := []StructuredLogMessage{}
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 64<<10), 4<<20)
	prev := ti.StartDate // lines without a time of their own get the one before them, the first the try's start
	if try < ti.Try {
		if tries, err := s.cfg.Tasks.Tries(r.Context(), run.DagID, run.RunID, ti.TaskID); err == nil {
			for _, t := range tries {
				if t.Try == try {
					prev = t.StartDate
				}
			}
		}
	}
	if prev == nil {
		prev = run.StartDate
	}
	for sc.Scan() {
		m := parseLogLine(sc.Text(), prev)
		prev = m.Timestamp
		lines = append(lines, m)
	}
	writeJSON(w, http.StatusOK, TaskInstancesLogResponse{Content: lines})
}

const returnValueKey = "return_value"

func xcomEntry(ti TaskInstance, run Run, value json.RawMessage) XComResponseNative {
	ts := run.RunAfter
	if ti.EndDate != nil {
		ts = *ti.EndDate
	}
	return XComResponseNative{
		Key: returnValueKey, Timestamp: ts.UTC(), LogicalDate: utcPtr(run.LogicalDate), MapIndex: -1,
		TaskID: ti.TaskID, DagID: ti.DagID, RunID: ti.RunID, DagDisplayName: ti.DagID,
		TaskDisplayName: ti.TaskID, RunAfter: run.RunAfter.UTC(), Value: value,
	}
}

// handleXComs is GET .../taskInstances/{task_id}/xcomEntries.
func (s *Server) handleXComs(w http.ResponseWriter, r *http.Request) {
	if err := checkMapIndex(r); err != nil {
		s.writeError(w, r, err)
		return
	}
	ti, run, err := s.getTI(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	out := []XComResponseNative{}
	if key := r.URL.Query().Get("xcom_key"); ti.ReturnValue != nil && (key == "" || key == returnValueKey) {
		out = append(out, xcomEntry(ti, run, nil))
	}
	writeJSON(w, http.StatusOK, XComCollectionResponse{XComEntries: out, TotalEntries: len(out)})
}

// handleXCom is GET .../taskInstances/{task_id}/xcomEntries/{xcom_key}.
// Like Airflow, the value is a string unless stringify=false or
// deserialize=true, when it is the JSON value itself.
func (s *Server) handleXCom(w http.ResponseWriter, r *http.Request) {
	if err := checkMapIndex(r); err != nil {
		s.writeError(w, r, err)
		return
	}
	ti, run, err := s.getTI(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	key := r.PathValue("xcom_key")
	if key != returnValueKey || ti.ReturnValue == nil {
		s.writeError(w, r, httpErr(http.StatusNotFound, "XCom entry with key: `%s` not found", key))
		return
	}
	q := r.URL.Query()
	value := ti.ReturnValue
	if q.Get("stringify") != "false" && q.Get("deserialize") != "true" {
		value, _ = json.Marshal(string(ti.ReturnValue))
	}
	writeJSON(w, http.StatusOK, xcomEntry(ti, run, value))
}

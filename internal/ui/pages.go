package ui

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/dagworker/dagworker/internal/api"
)

// dagRow is one line of the DAGs page.
type dagRow struct {
	api.DAGDetail
	Paused    bool
	Words     string
	Runs      []api.Run // the latest runs, oldest first
	TotalRuns int
}

// handleDAGs is the DAGs page: search, tags filter, paused filter, pages
// of DAGsPerPage DAGs.
func (u *UI) handleDAGs(w http.ResponseWriter, r *request) error {
	q := r.URL.Query()
	search := strings.ToLower(strings.TrimSpace(q.Get("q")))
	tags := q["tag"]
	show := q.Get("show") // "", active, paused
	allTags := map[string]bool{}
	var rows []dagRow
	page, _ := strconv.Atoi(q.Get("page"))
	page = max(page, 1)
	perPage := u.cfg.DAGsPerPage
	skip, matched := (page-1)*perPage, 0
	for _, info := range u.cfg.DAGs.DAGs() {
		for _, t := range info.Tags {
			allTags[t] = true
		}
		if search != "" && !strings.Contains(strings.ToLower(info.ID), search) && !strings.Contains(strings.ToLower(info.Description), search) {
			continue
		}
		if len(tags) > 0 && !slices.ContainsFunc(tags, func(t string) bool { return slices.Contains(info.Tags, t) }) {
			continue
		}
		d, err := u.cfg.Details.DAGDetail(info.ID)
		if err != nil {
			return err
		}
		paused, err := u.paused(r.Context(), d.DAGInfo)
		if err != nil {
			return err
		}
		if (show == "active" && paused) || (show == "paused" && !paused) {
			continue
		}
		matched++
		if matched <= skip || matched > skip+perPage {
			continue
		}
		runs, total, err := u.cfg.Runs.ListRuns(r.Context(), d.ID, api.RunQuery{Limit: u.cfg.RecentRuns})
		if err != nil {
			return err
		}
		slices.Reverse(runs)
		rows = append(rows, dagRow{DAGDetail: d, Paused: paused, Words: scheduleWords(d.Schedule), Runs: runs, TotalRuns: total})
	}
	tagList := make([]string, 0, len(allTags))
	for t := range allTags {
		tagList = append(tagList, t)
	}
	slices.Sort(tagList)
	selected := map[string]bool{}
	for _, t := range tags {
		selected[t] = true
	}
	pager := url.Values{"q": {q.Get("q")}, "show": {show}, "tag": tags}
	prev, next := "", ""
	if page > 1 {
		pager.Set("page", strconv.Itoa(page-1))
		prev = "/?" + pager.Encode()
	}
	if matched > skip+perPage {
		pager.Set("page", strconv.Itoa(page+1))
		next = "/?" + pager.Encode()
	}
	return u.view(w, r, "dags", map[string]any{"Title": "DAGs", "Rows": rows, "ImportErrors": u.cfg.Details.ImportErrors(),
		"Search": q.Get("q"), "Tags": tagList, "Selected": selected, "Show": show, "Matched": matched, "Prev": prev, "Next": next})
}

func (u *UI) paused(ctx context.Context, d api.DAGInfo) (bool, error) {
	p, set, err := u.cfg.Pauses.Paused(ctx, d.ID)
	if err != nil {
		return false, err
	}
	if !set {
		return d.PausedUponCreation, nil
	}
	return p, nil
}

// handlePause sets a DAG's paused flag (form paused=true|false).
func (u *UI) handlePause(w http.ResponseWriter, r *request) error {
	d, err := u.cfg.Details.DAGDetail(r.PathValue("dag_id"))
	if err != nil {
		return err
	}
	paused := r.PostFormValue("paused") == "true"
	if err := u.cfg.Pauses.SetPaused(r.Context(), d.ID, paused); err != nil {
		return err
	}
	u.log.Info("ui pause", "dag_id", d.ID, "paused", paused, "user", r.who.Name)
	http.Redirect(w, r.Request, backTo(r, "/"), http.StatusSeeOther)
	return nil
}

// backTo is the form's "back" field when it is a path of this site.
func backTo(r *request, def string) string {
	if b := r.PostFormValue("back"); b != "" {
		return safeNext(b)
	}
	return def
}

// runStates are the states the grid filters by.
var runStates = []string{"queued", "running", "success", "failed"}

// gridRow is one row of the DAG page's grid: a task group or a task.
type gridRow struct {
	Group bool
	// ID is the task id or the group path; Label what is shown.
	ID, Label string
	Depth     int
	// Index numbers a group (its toggle's id); In lists the indexes of
	// the groups the row is inside, as classes.
	Index int
	In    string
	Cells []gridCell
}

// gridCell is one task instance (or the summary of a group) in one run.
type gridCell struct {
	State string
	Try   int
	Link  string
}

// grid is the runs × tasks table of one page of runs.
type grid struct {
	Runs   []api.Run // oldest first
	Rows   []gridRow
	Groups []int // the group indexes (for the collapse rules)
	// Live is set while a run of the page is unfinished.
	Live bool
	// State filters the runs ("": every state).
	State              string
	Offset, Total      int
	Older, Newer       int
	HasOlder, HasNewer bool
}

func (u *UI) buildGrid(ctx context.Context, d api.DAGDetail, offset int, state string) (grid, error) {
	q := api.RunQuery{Offset: offset, Limit: u.cfg.RunsPerPage}
	if state != "" {
		q.States = []api.RunState{api.RunState(state)}
	}
	runs, total, err := u.cfg.Runs.ListRuns(ctx, d.ID, q)
	if err != nil {
		return grid{}, err
	}
	slices.Reverse(runs)
	g := grid{Runs: runs, Offset: offset, Total: total, State: state}
	g.HasOlder = offset+len(runs) < total
	g.Older = offset + u.cfg.RunsPerPage
	g.HasNewer = offset > 0
	g.Newer = max(0, offset-u.cfg.RunsPerPage)
	states := make([]map[string]api.TaskInstance, len(runs))
	for i, run := range runs {
		if !run.State.Finished() {
			g.Live = true
		}
		tis, err := u.cfg.Tasks.TaskInstances(ctx, d.ID, run.RunID)
		if err != nil && !errors.Is(err, api.ErrNotFound) {
			return grid{}, err
		}
		m := make(map[string]api.TaskInstance, len(tis))
		for _, ti := range tis {
			m[ti.TaskID] = ti
		}
		states[i] = m
	}
	for _, item := range treeOf(d) {
		row := gridRow{Group: item.group, ID: item.id, Label: item.label, Depth: item.depth, Index: item.index, In: item.in}
		for i, run := range runs {
			link := runPath(d.ID, run.RunID)
			if item.group {
				row.Cells = append(row.Cells, gridCell{State: groupState(states[i], item.tasks), Link: link})
				continue
			}
			ti := states[i][item.id]
			row.Cells = append(row.Cells, gridCell{State: ti.State, Try: ti.Try, Link: link + "?task=" + url.QueryEscape(item.id)})
		}
		if item.group {
			g.Groups = append(g.Groups, item.index)
		}
		g.Rows = append(g.Rows, row)
	}
	return g, nil
}

// groupState summarises the states of a group's tasks: the most urgent.
func groupState(tis map[string]api.TaskInstance, tasks []string) string {
	rank := map[string]int{"failed": 9, "upstream_failed": 8, "up_for_retry": 7, "running": 6, "queued": 5, "scheduled": 4, "": 3, "skipped": 2, "success": 1}
	best, bestRank := "", -1
	for _, t := range tasks {
		s := tis[t].State
		if rank[s] > bestRank {
			best, bestRank = s, rank[s]
		}
	}
	return best
}

// treeItem is a task or a group in display order: each group's tasks
// follow its header, in topological order.
type treeItem struct {
	group     bool
	id, label string
	depth     int
	index     int
	in        string
	tasks     []string // a group's tasks, nested ones included
}

func treeOf(d api.DAGDetail) []treeItem {
	type node struct {
		id       string
		group    bool
		parent   *node
		children []*node
		tasks    []string
	}
	root := &node{group: true}
	groups := map[string]*node{"": root}
	var groupNode func(id string) *node
	groupNode = func(id string) *node {
		if n, ok := groups[id]; ok {
			return n
		}
		parent := ""
		for _, g := range d.Groups {
			if g.ID == id {
				parent = g.Parent
			}
		}
		if parent == "" {
			if i := strings.LastIndex(id, "."); i > 0 {
				parent = id[:i]
			}
		}
		p := groupNode(parent)
		n := &node{id: id, group: true, parent: p}
		groups[id] = n
		p.children = append(p.children, n)
		return n
	}
	for _, t := range d.Tasks {
		g := groupNode(t.Group)
		g.children = append(g.children, &node{id: t.ID})
		for n := g; n != nil; n = n.parent {
			n.tasks = append(n.tasks, t.ID)
		}
	}
	var out []treeItem
	index := 0
	var walk func(n *node, depth int, in []string)
	walk = func(n *node, depth int, in []string) {
		for _, c := range n.children {
			label := c.id
			if c.group {
				if i := strings.LastIndex(c.id, "."); i >= 0 {
					label = c.id[i+1:]
				}
				index++
				out = append(out, treeItem{group: true, id: c.id, label: label, depth: depth, index: index, in: strings.Join(in, " "), tasks: c.tasks})
				walk(c, depth+1, append(slices.Clone(in), "in-g"+strconv.Itoa(index)))
				continue
			}
			if i := strings.LastIndex(label, "."); i >= 0 && n != root {
				label = label[i+1:]
			}
			out = append(out, treeItem{id: c.id, label: label, depth: depth, in: strings.Join(in, " ")})
		}
	}
	walk(root, 0, nil)
	return out
}

// handleDAG is the DAG page: grid, graph, source and trigger form.
func (u *UI) handleDAG(w http.ResponseWriter, r *request) error {
	data, err := u.dagData(r, nil)
	if err != nil {
		return err
	}
	return u.view(w, r, "dag", data)
}

// triggerForm holds what the trigger form was given (to show it again).
type triggerForm struct {
	Conf, RunID, LogicalDate, Note string
	Error                          string
}

func (u *UI) dagData(r *request, form *triggerForm) (map[string]any, error) {
	d, err := u.cfg.Details.DAGDetail(r.PathValue("dag_id"))
	if err != nil {
		return nil, err
	}
	data, err := u.liveData(r, d)
	if err != nil {
		return nil, err
	}
	paused, err := u.paused(r.Context(), d.DAGInfo)
	if err != nil {
		return nil, err
	}
	src, err := u.cfg.Details.DAGFile(d.ID)
	source := string(src)
	if err != nil {
		source = "# the DAG file cannot be read: " + err.Error()
	}
	if form == nil {
		form = &triggerForm{Conf: defaultConf(d.Params)}
	}
	data["Title"], data["Paused"], data["Words"], data["Source"], data["Form"] = d.ID, paused, scheduleWords(d.Schedule), source, form
	return data, nil
}

// liveData is the part of the DAG page that refreshes while runs are
// unfinished: the grid of a page of runs, and the graph coloured by the
// latest run of that page.
func (u *UI) liveData(r *request, d api.DAGDetail) (map[string]any, error) {
	offset, _ := strconv.Atoi(r.URL.Query().Get("offset"))
	state := r.URL.Query().Get("state")
	if state != "" && !slices.Contains(runStates, state) {
		return nil, errStatus(http.StatusBadRequest, "state %q: want one of %s", state, strings.Join(runStates, ", "))
	}
	g, err := u.buildGrid(r.Context(), d, max(0, offset), state)
	if err != nil {
		return nil, err
	}
	var latest map[string]string
	if n := len(g.Runs); n > 0 {
		latest = map[string]string{}
		for _, row := range g.Rows {
			if !row.Group {
				latest[row.ID] = row.Cells[n-1].State
			}
		}
	}
	return map[string]any{"DAG": d, "Grid": g, "Graph": template.HTML(graphSVG(d, latest)) /* #nosec G203 -- graphSVG escapes every text it writes (TestGraphEscapes) */, "RunStates": runStates}, nil
}

// defaultConf is the trigger form's conf: the DAG's params as JSON.
func defaultConf(params map[string]any) string {
	if len(params) == 0 {
		return "{}"
	}
	b, err := json.MarshalIndent(params, "", "  ")
	if err != nil {
		return "{}"
	}
	return string(b)
}

// handleGrid is the grid and graph fragment htmx refreshes while runs are
// unfinished.
func (u *UI) handleGrid(w http.ResponseWriter, r *request) error {
	d, err := u.cfg.Details.DAGDetail(r.PathValue("dag_id"))
	if err != nil {
		return err
	}
	data, err := u.liveData(r, d)
	if err != nil {
		return err
	}
	u.fragment(w, "dag", "live", u.withUser(r, data))
	return nil
}

// handleTrigger creates a manual run from the trigger form.
func (u *UI) handleTrigger(w http.ResponseWriter, r *request) error {
	d, err := u.cfg.Details.DAGDetail(r.PathValue("dag_id"))
	if err != nil {
		return err
	}
	form := &triggerForm{Conf: r.PostFormValue("conf"), RunID: strings.TrimSpace(r.PostFormValue("run_id")),
		LogicalDate: strings.TrimSpace(r.PostFormValue("logical_date")), Note: r.PostFormValue("note")}
	req, err := triggerRequest(form, u.cfg.Clock().UTC())
	if err == nil {
		var run api.Run
		run, err = u.cfg.Runs.TriggerRun(r.Context(), d.ID, req)
		if err == nil {
			u.log.Info("ui trigger", "dag_id", d.ID, "run_id", run.RunID, "user", r.who.Name)
			http.Redirect(w, r.Request, runPath(d.ID, run.RunID), http.StatusSeeOther)
			return nil
		}
		if errors.Is(err, api.ErrRunExists) {
			err = fmt.Errorf("a run with id %q exists already", req.RunID)
		} else if statusOf(err) >= 500 {
			return err
		}
	}
	form.Error = err.Error()
	data, derr := u.dagData(r, form)
	if derr != nil {
		return derr
	}
	u.render(w, r.Request, http.StatusUnprocessableEntity, "dag", u.withUser(r, data))
	return nil
}

// triggerRequest checks the trigger form: conf a JSON object, the logical
// date RFC 3339 or the form's local date-time (read as UTC).
func triggerRequest(f *triggerForm, now time.Time) (api.TriggerRequest, error) {
	req := api.TriggerRequest{RunAfter: now, TriggeredBy: "ui"}
	if c := strings.TrimSpace(f.Conf); c != "" {
		dec := json.NewDecoder(strings.NewReader(c))
		dec.UseNumber()
		if err := dec.Decode(&req.Conf); err != nil || req.Conf == nil {
			return req, fmt.Errorf("conf is not a JSON object: %v", errOr(err, "null"))
		}
		if dec.More() {
			return req, errors.New("conf: more than one JSON value")
		}
	}
	if f.LogicalDate != "" {
		var t time.Time
		var err error
		for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02T15:04", time.DateOnly} {
			if t, err = time.Parse(layout, f.LogicalDate); err == nil {
				break
			}
		}
		if err != nil {
			return req, fmt.Errorf("logical date %q: want 2006-01-02T15:04 or RFC 3339", f.LogicalDate)
		}
		t = t.UTC()
		req.LogicalDate = &t
	}
	if n := strings.TrimSpace(f.Note); n != "" {
		req.Note = &n
	}
	switch {
	case f.RunID == "." || f.RunID == "..":
		return req, fmt.Errorf("run id %q is not a name", f.RunID)
	case strings.ContainsAny(f.RunID, "/\\") || strings.ContainsFunc(f.RunID, func(r rune) bool { return r < 0x20 || r == 0x7f }):
		return req, fmt.Errorf("run id %q: no slashes or control characters", f.RunID)
	case f.RunID != "":
		req.RunID = f.RunID
	case req.LogicalDate != nil:
		req.RunID = "manual__" + req.LogicalDate.Format(time.RFC3339Nano)
	default:
		req.RunID = "manual__" + now.Format(time.RFC3339Nano)
	}
	return req, nil
}

func errOr(err error, def string) string {
	if err != nil {
		return err.Error()
	}
	return def
}

// tiRow is one task instance of the run page.
type tiRow struct {
	api.TaskInstance
	Group    string
	Selected bool
}

// tryView is one try of the selected task: its log, XCom and outputs.
type tryView struct {
	api.TaskInstance
	Log     string
	HasLog  bool
	Live    bool
	Outputs []outputLink
}

// outputLink downloads one data lake output through the server.
type outputLink struct {
	Name, URL string
}

func (u *UI) runData(r *request) (map[string]any, error) {
	d, err := u.cfg.Details.DAGDetail(r.PathValue("dag_id"))
	if err != nil {
		return nil, err
	}
	run, err := u.cfg.Runs.Run(r.Context(), d.ID, r.PathValue("run_id"))
	if err != nil {
		return nil, err
	}
	tis, err := u.cfg.Tasks.TaskInstances(r.Context(), d.ID, run.RunID)
	if err != nil && !errors.Is(err, api.ErrNotFound) {
		return nil, err
	}
	sel := r.URL.Query().Get("task")
	groups := map[string]string{}
	for _, t := range d.Tasks {
		groups[t.ID] = t.Group
	}
	rows := make([]tiRow, 0, len(tis))
	failed := 0
	for _, ti := range tis {
		rows = append(rows, tiRow{TaskInstance: ti, Group: groups[ti.TaskID], Selected: ti.TaskID == sel})
		if ti.State == "failed" || ti.State == "upstream_failed" {
			failed++
		}
	}
	data := map[string]any{"Title": run.RunID + " · " + d.ID, "DAG": d, "Run": run, "TIs": rows, "Failed": failed,
		"Live": !run.State.Finished(), "Selected": sel, "CanClearTask": u.cfg.Clearer != nil}
	if sel != "" {
		tries, err := u.cfg.Tasks.Tries(r.Context(), d.ID, run.RunID, sel)
		if err != nil {
			return nil, err
		}
		var xcom json.RawMessage
		for _, ti := range tis {
			if ti.TaskID == sel {
				xcom = ti.ReturnValue
			}
		}
		views := make([]tryView, 0, len(tries))
		for i := len(tries) - 1; i >= 0; i-- { // the latest try first
			tv := u.tryView(r.Context(), tries[i])
			if i == len(tries)-1 {
				tv.Outputs = outputLinks(xcom, d.ID, run.RunID, sel)
			}
			views = append(views, tv)
		}
		data["Tries"] = views
		data["XCom"] = xcom
	}
	return data, nil
}

func (u *UI) tryView(ctx context.Context, ti api.TaskInstance) tryView {
	tv := tryView{TaskInstance: ti, Live: !finished(ti.State)}
	if ti.Try > 0 {
		if log, err := u.cfg.Tasks.Log(ctx, ti.DagID, ti.RunID, ti.TaskID, ti.Try); err == nil {
			tv.Log, tv.HasLog = tailString(log, 256<<10), true
		}
	}
	return tv
}

// tailString is the end of b, at most n bytes.
func tailString(b []byte, n int) string {
	if len(b) <= n {
		return string(b)
	}
	return "… (" + strconv.Itoa(len(b)-n) + " bytes before)\n" + string(b[len(b)-n:])
}

// handleRun is the run page.
func (u *UI) handleRun(w http.ResponseWriter, r *request) error {
	data, err := u.runData(r)
	if err != nil {
		return err
	}
	return u.view(w, r, "run", data)
}

// handleRunTasks is the run page's task table, refreshed while it runs.
func (u *UI) handleRunTasks(w http.ResponseWriter, r *request) error {
	data, err := u.runData(r)
	if err != nil {
		return err
	}
	u.fragment(w, "run", "tasks", u.withUser(r, data))
	return nil
}

// handleClear clears the run: mode all, failed or task (with task=).
func (u *UI) handleClear(w http.ResponseWriter, r *request) error {
	dagID, runID := r.PathValue("dag_id"), r.PathValue("run_id")
	run, err := u.cfg.Runs.Run(r.Context(), dagID, runID)
	if err != nil {
		return err
	}
	back := runPath(dagID, runID)
	switch mode := r.PostFormValue("mode"); mode {
	case "all", "failed":
		err = u.cfg.Editor.ClearRun(r.Context(), run.DagID, run.RunID, mode == "failed")
	case "task":
		task := r.PostFormValue("task")
		if u.cfg.Clearer == nil {
			return errStatus(http.StatusNotImplemented, "this server cannot clear one task")
		}
		err = u.cfg.Clearer.ClearTask(r.Context(), run.DagID, run.RunID, task)
		back += "?task=" + url.QueryEscape(task)
	default:
		return errStatus(http.StatusBadRequest, "clear mode %q: want all, failed or task", mode)
	}
	if err != nil {
		return err
	}
	u.log.Info("ui clear", "dag_id", dagID, "run_id", runID, "mode", r.PostFormValue("mode"), "task_id", r.PostFormValue("task"), "user", r.who.Name)
	http.Redirect(w, r.Request, back, http.StatusSeeOther)
	return nil
}

// handleMark marks the run success or failed.
func (u *UI) handleMark(w http.ResponseWriter, r *request) error {
	dagID, runID := r.PathValue("dag_id"), r.PathValue("run_id")
	state := api.RunState(r.PostFormValue("state"))
	if state != api.RunSuccess && state != api.RunFailed {
		return errStatus(http.StatusBadRequest, "state %q: want success or failed", state)
	}
	// as Airflow's: a finished run too (its task instances follow, see
	// the run store's setstate step)
	if _, err := u.cfg.Runs.Run(r.Context(), dagID, runID); err != nil {
		return err
	}
	if _, err := u.cfg.Editor.PatchRun(r.Context(), dagID, runID, state, nil); err != nil {
		return err
	}
	u.log.Info("ui mark", "dag_id", dagID, "run_id", runID, "state", string(state), "user", r.who.Name)
	http.Redirect(w, r.Request, runPath(dagID, runID), http.StatusSeeOther)
	return nil
}

// handleDelete deletes the run.
func (u *UI) handleDelete(w http.ResponseWriter, r *request) error {
	dagID, runID := r.PathValue("dag_id"), r.PathValue("run_id")
	if _, err := u.cfg.Runs.Run(r.Context(), dagID, runID); err != nil {
		return err
	}
	if err := u.cfg.Editor.DeleteRun(r.Context(), dagID, runID); err != nil {
		return err
	}
	u.log.Info("ui delete", "dag_id", dagID, "run_id", runID, "user", r.who.Name)
	http.Redirect(w, r.Request, "/dags/"+url.PathEscape(dagID), http.StatusSeeOther)
	return nil
}

// handleTasksPage is the ad-hoc tasks page: the submit form.
func (u *UI) handleTasksPage(w http.ResponseWriter, r *request) error {
	if u.cfg.Runner == nil {
		return errStatus(http.StatusNotImplemented, "this server runs no ad-hoc tasks")
	}
	if id := strings.TrimSpace(r.URL.Query().Get("id")); id != "" {
		http.Redirect(w, r.Request, "/tasks/"+url.PathEscape(id), http.StatusSeeOther)
		return nil
	}
	return u.view(w, r, "tasks", map[string]any{"Title": "Ad-hoc tasks", "Types": u.cfg.TaskTypes, "Args": "{}"})
}

// handleSubmitTask submits an ad-hoc task from the form.
func (u *UI) handleSubmitTask(w http.ResponseWriter, r *request) error {
	if u.cfg.Runner == nil {
		return errStatus(http.StatusNotImplemented, "this server runs no ad-hoc tasks")
	}
	typ, args, queue := r.PostFormValue("type"), strings.TrimSpace(r.PostFormValue("args")), strings.TrimSpace(r.PostFormValue("queue"))
	fail := func(msg string) error {
		u.render(w, r.Request, http.StatusUnprocessableEntity, "tasks", u.withUser(r, map[string]any{"Title": "Ad-hoc tasks",
			"Types": u.cfg.TaskTypes, "Type": typ, "Args": args, "Queue": queue, "Error": msg}))
		return nil
	}
	if len(u.cfg.TaskTypes) > 0 && !slices.Contains(u.cfg.TaskTypes, typ) {
		return fail(fmt.Sprintf("unknown task type %q; known: %s", typ, strings.Join(u.cfg.TaskTypes, ", ")))
	}
	if args == "" {
		args = "{}"
	}
	var obj map[string]any
	if err := json.Unmarshal([]byte(args), &obj); err != nil || obj == nil {
		return fail("args are not a JSON object: " + errOr(err, "null"))
	}
	t, err := u.cfg.Runner.Submit(r.Context(), api.TaskRequest{Type: typ, Args: json.RawMessage(args), Queue: queue})
	if err != nil {
		if statusOf(err) < 500 {
			return fail(err.Error())
		}
		return err
	}
	u.log.Info("ui ad-hoc task", "task_id", t.ID, "type", typ, "user", r.who.Name)
	http.Redirect(w, r.Request, "/tasks/"+url.PathEscape(t.ID), http.StatusSeeOther)
	return nil
}

// handleTaskPage shows one ad-hoc task; it refreshes until it ends.
func (u *UI) handleTaskPage(w http.ResponseWriter, r *request) error {
	if u.cfg.Runner == nil {
		return errStatus(http.StatusNotImplemented, "this server runs no ad-hoc tasks")
	}
	t, err := u.cfg.Runner.Task(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	links := outputLinks(t.Result, "adhoc", t.ID, t.Type)
	if len(links) == 0 && t.OutputURI != "" {
		links = outputLinks(json.RawMessage(strconv.Quote(t.OutputURI)), "adhoc", t.ID, t.Type)
	}
	data := map[string]any{"Title": "Task " + t.ID, "Task": t, "Live": t.State != "success" && t.State != "failed", "Outputs": links}
	if r.Header.Get("HX-Request") != "" {
		u.fragment(w, "task", "task", u.withUser(r, data))
		return nil
	}
	return u.view(w, r, "task", data)
}

// outputLinks finds the data lake keys runs/<a>/<b>/<c>/<name> in the
// strings of a task's XCom (its outputs' URIs) and links each to the
// server's outputs endpoint.
func outputLinks(raw json.RawMessage, a, b, c string) []outputLink {
	if len(raw) == 0 {
		return nil
	}
	var v any
	if json.Unmarshal(raw, &v) != nil {
		return nil
	}
	prefix := "runs/" + a + "/" + b + "/" + c + "/"
	seen := map[string]bool{}
	var out []outputLink
	var walk func(v any)
	walk = func(v any) {
		switch x := v.(type) {
		case string:
			if i := strings.Index(x, prefix); i >= 0 {
				name := x[i+len(prefix):]
				if name != "" && !strings.ContainsAny(name, "/?#") && !seen[name] {
					seen[name] = true
					out = append(out, outputLink{Name: name, URL: outputURL(a, b, c, name)})
				}
			}
		case []any:
			for _, e := range x {
				walk(e)
			}
		case map[string]any:
			keys := make([]string, 0, len(x))
			for k := range x {
				keys = append(keys, k)
			}
			slices.Sort(keys)
			for _, k := range keys {
				walk(x[k])
			}
		}
	}
	walk(v)
	return out
}

// outputURL is the path of the API's outputs endpoint for one object.
func outputURL(dagID, runID, taskID, name string) string {
	return "/api/dagworker/v1/outputs/" + url.PathEscape(dagID) + "/" + url.PathEscape(runID) + "/" +
		url.PathEscape(taskID) + "/" + url.PathEscape(name)
}

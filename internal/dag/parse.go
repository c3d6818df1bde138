package dag

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strings"
	"time"
	_ "time/tzdata" // DAG timezones must resolve on machines without zoneinfo
)

// Options tell the parser which operators exist.
type Options struct {
	// Operators maps each registered task type to the argument names it
	// accepts. A nil list accepts any argument; a nil map accepts any
	// operator (no operator or argument checks).
	Operators map[string][]string
	// Aliases maps alternative operator names, such as the Airflow
	// provider's class paths ("dagworker_airflow.operators.ScrapeOperator"),
	// to a registered task type ("scrape").
	Aliases map[string]string
	// IO says what each operator reads from its upstream tasks and writes
	// for its downstream tasks (output kinds such as "pages"), so the
	// wiring is checked before a run: a task that reads a kind needs an
	// upstream task that writes it, unless its "input" argument names an
	// object; the tasks its "input_task" names must be upstream and write
	// that kind. An operator missing from the map may write anything.
	IO map[string]OperatorIO
}

// OperatorIO is the output kind an operator reads ("" for none) and the one
// it writes ("" for none).
type OperatorIO struct {
	Reads, Writes string
}

// idPattern is Airflow's rule for dag, task and group ids.
var idPattern = regexp.MustCompile(`^[A-Za-z0-9_.-]{1,250}$`)

type parser struct {
	file  string
	opts  Options
	errs  ErrorList
	warns []Warning
}

// Parse decodes one DAG file. file is the name used in messages. It returns
// the DAGs that have no errors, the warnings, and an ErrorList with every
// problem found (nil when there is none).
func Parse(file string, src []byte, opts Options) ([]*DAG, []Warning, error) {
	p := &parser{file: file, opts: opts}
	root, err := decodeYAML(file, src)
	if err != nil {
		if e := (*Error)(nil); errors.As(err, &e) {
			return nil, nil, ErrorList{e}
		}
		return nil, nil, ErrorList{{File: file, Msg: err.Error(), Kind: ErrSyntax}}
	}
	if root.isNull() {
		return nil, nil, nil
	}
	if root.kind != kindMap {
		p.errAt(root.line, root.col, ErrInvalid, "a DAG file is a mapping of dag ids to DAGs, not %s", root.typeName())
		return nil, nil, p.errs
	}
	var defaults *node
	if e := root.get("default"); e != nil {
		switch {
		case e.val.kind == kindMap:
			defaults = e.val
		case !e.val.isNull():
			p.typeErr("", e, "a mapping")
		}
	}
	var dags []*DAG
	for _, e := range root.entries {
		if e.key == "default" {
			continue
		}
		before := len(p.errs)
		d := p.dag(e, defaults)
		if d != nil && len(p.errs) == before {
			dags = append(dags, d)
		}
	}
	return dags, p.finishWarnings(), p.finishErrors()
}

func (p *parser) finishErrors() error {
	seen := map[string]bool{}
	out := p.errs[:0]
	for _, e := range p.errs {
		if s := e.Error(); !seen[s] {
			seen[s] = true
			out = append(out, e)
		}
	}
	out.Sort()
	return out.Err()
}

func (p *parser) finishWarnings() []Warning {
	seen := map[string]bool{}
	var out []Warning
	for _, w := range p.warns {
		if s := w.String(); !seen[s] {
			seen[s] = true
			out = append(out, w)
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Line != out[j].Line {
			return out[i].Line < out[j].Line
		}
		return out[i].Column < out[j].Column
	})
	return out
}

// mergeNodes merges base under over, recursively for mappings (dag-factory's
// merge of the "default" block: the DAG's own values win; lists are replaced).
func mergeNodes(over, base *node) *node {
	if base == nil || over.kind != kindMap || base.kind != kindMap {
		return over
	}
	out := &node{kind: kindMap, line: over.line, col: over.col}
	for _, e := range over.entries {
		if b := base.get(e.key); b != nil && e.val.kind == kindMap && b.val.kind == kindMap {
			c := *e
			c.val = mergeNodes(e.val, b.val)
			out.add(&c)
			continue
		}
		out.add(e)
	}
	for _, e := range base.entries {
		if over.get(e.key) == nil {
			out.add(e)
		}
	}
	return out
}

// checkKeys reports unknown keys of n (with a suggestion) and warns about
// ignored Airflow keys. Keys for which extra returns true are left alone.
func (p *parser) checkKeys(what string, n *node, known, ignored []string, extra func(*entry) bool) {
	k, ig := set(known), set(ignored)
	for _, e := range n.entries {
		switch {
		case k[e.key]:
		case ig[e.key]:
			p.warnAt(e.line, e.col, "%skey %q is an Airflow setting dagworker ignores", what, e.key)
		case extra != nil && extra(e):
		default:
			p.errAt(e.line, e.col, ErrUnknownKey, "%sunknown key %q%s", what, e.key, didYouMean(e.key, known))
		}
	}
}

func (p *parser) checkID(what, id string, line, col int) {
	switch {
	case !idPattern.MatchString(id):
		p.errAt(line, col, ErrInvalid, "%s %q must be 1 to 250 letters, digits, '_', '-' or '.'", what, id)
	case id == "." || id == "..":
		p.errAt(line, col, ErrInvalid, "%s %q is not a name (the data lake's paths cannot hold it)", what, id)
	}
}

func (p *parser) dag(de *entry, defaults *node) *DAG {
	id := de.key
	if de.val.kind != kindMap {
		p.errAt(de.val.line, de.val.col, ErrInvalid, "DAG %q must be a mapping, not %s", id, de.val.typeName())
		return nil
	}
	n := mergeNodes(de.val, defaults)
	what := fmt.Sprintf("DAG %q: ", id)
	p.checkKeys(what, n, dagKeys(), dagIgnoredKeys(), nil)
	if e := n.get("dag_id"); e != nil {
		if s, ok := p.str(what, e); ok {
			id = s
		}
	}
	p.checkID("dag id", id, de.line, de.col)
	d := &DAG{ID: id, File: p.file, Line: de.line, Location: time.UTC}

	var dargs *node
	if e := n.get("default_args"); e != nil && !e.val.isNull() {
		if e.val.kind != kindMap {
			p.typeErr(what, e, "a mapping")
		} else {
			dargs = e.val
		}
	}
	// The timezone comes first: dates without an offset are read in it.
	tzEntry := n.get("timezone")
	if tzEntry == nil && dargs != nil {
		tzEntry = dargs.get("timezone")
	}
	if tzEntry != nil {
		if s, ok := p.str(what, tzEntry); ok {
			loc, err := time.LoadLocation(s)
			if err != nil || s == "" || s == "Local" {
				p.errAt(tzEntry.val.line, tzEntry.val.col, ErrSchedule, "%sunknown timezone %q (use an IANA name such as Europe/Paris or UTC)", what, s)
			} else {
				d.Location = loc
			}
		}
	}
	dateOf := func(key string) (time.Time, *entry) {
		e := n.get(key)
		if e == nil && dargs != nil {
			e = dargs.get(key)
		}
		if e == nil || e.val.isNull() {
			return time.Time{}, nil
		}
		s, ok := p.str(what, e)
		if !ok {
			return time.Time{}, nil
		}
		t, err := parseDate(s, d.Location)
		if err != nil {
			p.errAt(e.val.line, e.val.col, ErrInvalid, "%s%s: %v", what, key, err)
			return time.Time{}, nil
		}
		return t, e
	}
	d.StartDate, _ = dateOf("start_date")
	var endEntry *entry
	d.EndDate, endEntry = dateOf("end_date")
	if !d.StartDate.IsZero() && !d.EndDate.IsZero() && d.StartDate.After(d.EndDate) {
		p.errAt(endEntry.val.line, endEntry.val.col, ErrInvalid, "%send_date %s is before start_date %s", what,
			d.EndDate.Format(time.RFC3339), d.StartDate.Format(time.RFC3339))
	}
	p.dagScalars(what, d, n)
	p.schedule(what, d, n)
	p.tasks(what, d, n, dargs)
	if len(d.Tasks) > 0 {
		d.Version = version(d)
	}
	return d
}

func (p *parser) dagScalars(what string, d *DAG, n *node) {
	for _, e := range n.entries {
		switch e.key {
		case "description":
			d.Description, _ = p.str(what, e)
		case "dag_display_name":
			d.DisplayName, _ = p.str(what, e)
		case "doc_md":
			d.DocMD, _ = p.str(what, e)
		case "catchup":
			d.Catchup, _ = p.boolean(what, e)
		case "is_paused_upon_creation":
			d.IsPausedUponCreation, _ = p.boolean(what, e)
		case "max_active_runs":
			d.MaxActiveRuns, _ = p.integer(what, e, 1)
		case "max_active_tasks", "concurrency":
			if e.key == "concurrency" && n.get("max_active_tasks") != nil {
				p.errAt(e.line, e.col, ErrInvalid, "%sset max_active_tasks or concurrency, not both", what)
				continue
			}
			d.MaxActiveTasks, _ = p.integer(what, e, 1)
		case "dagrun_timeout", "dagrun_timeout_sec":
			if e.key == "dagrun_timeout_sec" && n.get("dagrun_timeout") != nil {
				p.errAt(e.line, e.col, ErrInvalid, "%sset dagrun_timeout or dagrun_timeout_sec, not both", what)
				continue
			}
			d.DagrunTimeout, _ = p.duration(what, e)
		case "tags":
			d.Tags, _ = p.strList(what, e)
		case "params":
			switch {
			case e.val.kind == kindMap:
				d.Params = e.val.toAny().(map[string]any)
			case !e.val.isNull():
				p.typeErr(what, e, "a mapping")
			}
		}
	}
}

func (p *parser) schedule(what string, d *DAG, n *node) {
	e := n.get("schedule")
	if alt := n.get("schedule_interval"); alt != nil {
		if e != nil {
			p.errAt(alt.line, alt.col, ErrInvalid, "%sset schedule or schedule_interval, not both", what)
			return
		}
		e = alt
	}
	if e == nil || e.val.isNull() {
		return
	}
	v := e.val
	if s, ok := v.val.(string); ok && v.kind == kindScalar {
		switch strings.TrimSpace(s) {
		case "None", "null", "":
			return
		}
		if !strings.HasPrefix(s, "@") && !strings.Contains(strings.TrimSpace(s), " ") {
			if dur, err := parseDurationString(s); err == nil {
				p.everySchedule(what, d, e, dur)
				return
			}
		}
		sched, warns, err := parseCron(s)
		if err != nil {
			p.errAt(v.line, v.col, ErrSchedule, "%s%v", what, err)
			return
		}
		for _, w := range warns {
			p.warnAt(v.line, v.col, "%s%s", what, w)
		}
		d.Schedule = sched
		return
	}
	if dur, ok := p.duration(what, e); ok {
		p.everySchedule(what, d, e, dur)
	}
}

func (p *parser) everySchedule(what string, d *DAG, e *entry, dur time.Duration) {
	switch {
	case dur < time.Second:
		p.errAt(e.val.line, e.val.col, ErrSchedule, "%sa duration schedule must be at least 1s", what)
	case d.StartDate.IsZero():
		p.errAt(e.val.line, e.val.col, ErrSchedule, "%sa duration schedule needs a start_date to count from", what)
	default:
		d.Schedule = &Schedule{Expr: dur.String(), Every: dur}
	}
}

// version hashes the DAG's normalised definition.
func version(d *DAG) string {
	type task struct {
		*Task
		Line, Column int `json:"-"`
	}
	ts := make([]task, len(d.Tasks))
	for i, t := range d.Tasks {
		ts[i] = task{Task: t}
	}
	b, _ := json.Marshal(struct {
		ID, Description, Schedule, Location string
		Start, End                          time.Time
		Catchup, Paused                     bool
		Runs, TasksMax                      int
		Timeout                             time.Duration
		Tags                                []string
		Params                              map[string]any
		Tasks                               []task
	}{d.ID, d.Description, d.Schedule.String(), d.Location.String(), d.StartDate, d.EndDate, d.Catchup,
		d.IsPausedUponCreation, d.MaxActiveRuns, d.MaxActiveTasks, d.DagrunTimeout, d.Tags, d.Params, ts})
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:8])
}

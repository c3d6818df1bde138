package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/goccy/go-yaml"

	"github.com/dagworker/dagworker/dags"
	"github.com/dagworker/dagworker/internal/dag"
	"github.com/dagworker/dagworker/internal/template"
)

// dagsCommands lists the "dags" subcommands. The engine's "test" lives in
// cmd_dagstest.go and is added here as one more line.
func dagsCommands() map[string]command {
	return map[string]command{
		"validate": {summary: "check DAG files (all errors, exit 1 on any)", run: runDagsValidate},
		"list":     {summary: "list DAGs: id, schedule, next 3 runs, tags, task count", run: runDagsList},
		"render":   {summary: "print a DAG's tasks with templates rendered for a logical date", run: runDagsRender},
		"test":     {summary: "run one DAG run to the end in this process and print each task", run: runDagsTest},
		"pause":    {summary: "pause a DAG on the server (no new scheduled runs)", run: runDagsPause},
		"unpause":  {summary: "unpause a DAG on the server", run: runDagsUnpause},
	}
}

// runDags runs the dags subcommand named by args[0].
func runDags(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cmds := dagsCommands()
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		w := stdout
		if len(args) == 0 {
			w = stderr
		}
		fmt.Fprintln(w, "usage: dagworker dags <subcommand> [flags]\n\nsubcommands:")
		printCommands(w, cmds, 10)
		if len(args) == 0 {
			return exitError(2)
		}
		return nil
	}
	c, ok := cmds[args[0]]
	if !ok {
		suggest(stderr, "subcommand", args[0], slices.Sorted(maps.Keys(cmds)))
		return fmt.Errorf("dags: unknown subcommand %q", args[0])
	}
	return c.run(ctx, args[1:], stdout, stderr)
}

// dagsFlag adds --dags: the DAG folder. Empty means ./dags when that folder
// exists, else the DAGs embedded in the binary.
func dagsFlag(fs *flag.FlagSet) *string {
	return fs.String("dags", "", "DAG folder (default ./dags if it exists, else the embedded DAGs)")
}

// dagSource is a loaded DAG folder and the name shown for it.
type dagSource struct {
	set  *dag.Set
	root string // prefix for file names in messages ("" for embedded)
}

func loadDAGs(dir string) (*dagSource, error) {
	var fsys fs.FS
	root := dir
	switch {
	case dir != "":
		fsys = os.DirFS(dir)
	case isDir("dags"):
		root, fsys = "dags", os.DirFS("dags")
	default:
		root, fsys = "", dags.FS
	}
	set, err := dag.LoadDir(fsys, dagOptions())
	if err != nil {
		return nil, err
	}
	src := &dagSource{set: set, root: root}
	src.prefix()
	return src, nil
}

func isDir(p string) bool {
	st, err := os.Stat(p)
	return err == nil && st.IsDir()
}

// prefix rewrites file names relative to the folder into paths the user can open.
func (s *dagSource) prefix() {
	if s.root == "" {
		return
	}
	join := func(f string) string { return filepath.ToSlash(filepath.Join(s.root, f)) }
	for _, l := range s.set.Errors {
		for _, e := range l {
			e.File = join(e.File)
		}
	}
	for i := range s.set.Warnings {
		s.set.Warnings[i].File = join(s.set.Warnings[i].File)
	}
	for _, d := range s.set.DAGs {
		d.File = join(d.File)
	}
}

func runDagsValidate(_ context.Context, args []string, stdout, stderr io.Writer) error {
	fset := newFlagSet("dags validate [paths...]", stderr)
	dir := dagsFlag(fset)
	useSchema := fset.Bool("schema", true, "also check each file against the JSON Schema of the format")
	if err := parseFlags(fset, args); err != nil {
		return flagError(err)
	}
	paths := fset.Args()
	var sources []*dagSource
	if len(paths) == 0 {
		src, err := loadDAGs(*dir)
		if err != nil {
			return err
		}
		sources = append(sources, src)
	}
	for _, p := range paths {
		src, err := loadPath(p)
		if err != nil {
			return err
		}
		sources = append(sources, src)
	}
	var errs dag.ErrorList
	var warns []dag.Warning
	byID := map[string]*dag.DAG{}
	for _, src := range sources {
		for _, l := range src.set.Errors {
			errs = append(errs, l...)
		}
		warns = append(warns, src.set.Warnings...)
		for _, id := range src.set.IDs() {
			d := src.set.DAGs[id]
			if prev, ok := byID[id]; ok {
				errs = append(errs, &dag.Error{File: d.File, Line: d.Line, Column: 1, Kind: dag.ErrDuplicate,
					Msg: fmt.Sprintf("DAG %q is already defined in %s:%d", id, prev.File, prev.Line)})
				continue
			}
			byID[id] = d
			errs = append(errs, templateCheck(d)...)
		}
	}
	if *useSchema {
		errs = append(errs, schemaCheck(sources, errs)...)
	}
	errs.Sort()
	for _, w := range warns {
		fmt.Fprintln(stderr, "warning: "+w.String())
	}
	for _, e := range errs {
		fmt.Fprintln(stderr, e.Error())
	}
	if len(errs) > 0 {
		fmt.Fprintf(stderr, "%d error(s)\n", len(errs))
		return exitError(1)
	}
	fmt.Fprintf(stdout, "ok: %d DAG(s) valid\n", len(byID))
	return nil
}

// schemaCheck validates every file the parser accepted against the JSON
// Schema (a file the parser rejected already has its errors).
func schemaCheck(sources []*dagSource, parserErrs dag.ErrorList) dag.ErrorList {
	bad := map[string]bool{}
	for _, e := range parserErrs {
		bad[e.File] = true
	}
	var out dag.ErrorList
	for _, src := range sources {
		seen := map[string]bool{}
		for _, id := range src.set.IDs() {
			f := src.set.DAGs[id].File
			if bad[f] || seen[f] {
				continue
			}
			seen[f] = true
			var b []byte
			var err error
			if src.root == "" {
				b, err = fs.ReadFile(dags.FS, f)
			} else {
				b, err = os.ReadFile(f) //nolint:gosec // G304: a DAG file the user named on the command line
			}
			if err == nil {
				err = dag.ValidateSchema(b)
			}
			if err != nil {
				out = append(out, &dag.Error{File: f, Msg: "does not match the JSON Schema: " + err.Error(), Kind: dag.ErrInvalid})
			}
		}
	}
	return out
}

// loadPath loads a folder, or a single file, named on the command line.
func loadPath(p string) (*dagSource, error) {
	st, err := os.Stat(p)
	if err != nil {
		return nil, err
	}
	if st.IsDir() {
		return loadDAGs(p)
	}
	set := dag.LoadFiles(os.DirFS(filepath.Dir(p)), []string{filepath.Base(p)}, dagOptions())
	src := &dagSource{set: set, root: filepath.Dir(p)}
	src.prefix()
	return src, nil
}

func runDagsList(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fset := newFlagSet("dags list", stderr)
	dir := dagsFlag(fset)
	now := fset.String("now", "", "show next runs after this RFC 3339 time instead of the current time")
	remote := fset.Bool("remote", false, "list the DAGs the server (--api-url) loaded, with their paused flag, instead of the local folder's")
	rf := addRemoteFlags(fset)
	if err := parseFlags(fset, args); err != nil {
		return flagError(err)
	}
	if *remote {
		if *rf.apiURL == "" {
			return fmt.Errorf("dags list --remote: --api-url (or DAGWORKER_API_URL) is required")
		}
		c, err := rf.client()
		if err != nil {
			return err
		}
		return listDAGsRemote(ctx, c, stdout)
	}
	at := time.Now()
	if *now != "" {
		t, err := time.Parse(time.RFC3339, *now)
		if err != nil {
			return fmt.Errorf("--now: %w", err)
		}
		at = t
	}
	src, err := loadDAGs(*dir)
	if err != nil {
		return err
	}
	for _, l := range src.set.Errors {
		for _, e := range l {
			fmt.Fprintln(stderr, "error: "+e.Error())
		}
	}
	tw := tabwriter.NewWriter(stdout, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "DAG_ID\tSCHEDULE\tNEXT 3 RUNS AT (end of each data interval)\tTAGS\tTASKS")
	for _, id := range src.set.IDs() {
		d := src.set.DAGs[id]
		var next []string
		for _, iv := range d.NextIntervals(at, 3) {
			next = append(next, iv.End.Format("2006-01-02T15:04Z07:00"))
		}
		runs := "manual"
		if d.Schedule != nil {
			runs = strings.Join(next, ", ")
			if runs == "" {
				runs = "none (past end_date)"
			}
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d\n", id, d.Schedule.String(), runs, strings.Join(d.Tags, ","), len(d.Tasks))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if len(src.set.Errors) > 0 {
		return exitError(1)
	}
	return nil
}

// renderedTask is one task as `dags render` prints it.
type renderedTask struct {
	TaskID      string         `json:"task_id" yaml:"task_id"`
	Operator    string         `json:"operator" yaml:"operator"`
	Group       string         `json:"task_group,omitempty" yaml:"task_group,omitempty"`
	Upstream    []string       `json:"upstream,omitempty" yaml:"upstream,omitempty"`
	TriggerRule string         `json:"trigger_rule" yaml:"trigger_rule"`
	Args        map[string]any `json:"args" yaml:"args"`
}

func runDagsRender(_ context.Context, args []string, stdout, stderr io.Writer) error {
	fset := newFlagSet("dags render <dag_id>", stderr)
	dir := dagsFlag(fset)
	logical := fset.String("logical-date", "", "logical date (2026-11-28 or RFC 3339; default: now)")
	confJSON := fset.String("conf", "", "trigger conf as a JSON object (overrides params)")
	format := fset.String("format", "yaml", "output format: yaml or json")
	var id string
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		id, args = args[0], args[1:]
	}
	if err := parseFlags(fset, args); err != nil {
		return flagError(err)
	}
	if id == "" && fset.NArg() > 0 {
		id = fset.Arg(0)
	}
	if id == "" {
		fset.Usage()
		return exitError(2)
	}
	if *format != "yaml" && *format != "json" {
		return fmt.Errorf("--format must be yaml or json, not %q", *format)
	}
	src, err := loadDAGs(*dir)
	if err != nil {
		return err
	}
	d, ok := src.set.DAGs[id]
	if !ok {
		if l := src.set.Errors; len(l) > 0 {
			fmt.Fprintln(stderr, src.set.Err())
		}
		return fmt.Errorf("dags render: no valid DAG %q", id)
	}
	conf := map[string]any{}
	if *confJSON != "" {
		if err := json.Unmarshal([]byte(*confJSON), &conf); err != nil {
			return fmt.Errorf("--conf must be a JSON object: %w", err)
		}
	}
	ld := time.Now().In(d.Location)
	if *logical != "" {
		if ld, err = parseLogicalDate(*logical, d.Location); err != nil {
			return err
		}
	}
	out, err := renderTasks(d, ld, conf)
	if err != nil {
		return err
	}
	var b []byte
	if *format == "json" {
		b, err = json.MarshalIndent(out, "", "  ")
		b = append(b, '\n')
	} else {
		b, err = yaml.MarshalWithOptions(out, yaml.UseLiteralStyleIfMultiline(true))
	}
	if err != nil {
		return err
	}
	_, err = stdout.Write(b)
	return err
}

func parseLogicalDate(s string, loc *time.Location) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	if t, err := time.ParseInLocation("2006-01-02", s, loc); err == nil {
		return t, nil
	}
	if t, err := time.ParseInLocation("2006-01-02T15:04:05", s, loc); err == nil {
		return t, nil
	}
	return time.Time{}, fmt.Errorf("--logical-date %q: write 2026-11-28 or RFC 3339", s)
}

// renderTasks renders every task's arguments for a run of d at logical
// date ld. ti.xcom_pull returns a placeholder naming the upstream value.
func renderTasks(d *dag.DAG, ld time.Time, conf map[string]any) ([]renderedTask, error) {
	iv := d.IntervalAt(ld)
	runID := "manual__" + ld.UTC().Format(time.RFC3339)
	if iv.End.After(iv.Start) {
		runID = "scheduled__" + ld.UTC().Format(time.RFC3339)
	}
	params := map[string]any{}
	for k, v := range d.Params {
		params[k] = v
	}
	for k, v := range conf {
		params[k] = v
	}
	vars := template.Vars(template.RunInfo{DagID: d.ID, RunID: runID, LogicalDate: ld,
		DataIntervalStart: iv.Start, DataIntervalEnd: iv.End, Params: params, Conf: conf})
	// Variables exist only at run time: a placeholder names each one read.
	variables := map[string]any{"value": map[string]any{}, "json": map[string]any{}}
	for _, t := range d.Tasks {
		for _, m := range varRef.FindAllStringSubmatch(fmt.Sprint(t.Args), -1) {
			variables[m[1]].(map[string]any)[m[2]] = fmt.Sprintf("<var %s.%s>", m[1], m[2])
		}
	}
	vars["var"] = variables
	var out []renderedTask
	var errs []error
	for _, t := range d.Tasks {
		tvars := vars
		if len(t.Params) > 0 { // the task's own params, under the conf
			tp := maps.Clone(d.Params)
			if tp == nil {
				tp = map[string]any{}
			}
			maps.Copy(tp, t.Params)
			maps.Copy(tp, conf)
			tvars = maps.Clone(vars)
			tvars["params"] = tp
		}
		ctx := &template.Context{Vars: tvars, XCom: func(taskID, key string) (any, error) {
			return fmt.Sprintf("<xcom %s.%s>", taskID, key), nil
		}}
		args := map[string]any{}
		for _, k := range slices.Sorted(maps.Keys(t.Args)) {
			v, err := template.Render(t.Args[k], ctx)
			if err != nil {
				errs = append(errs, fmt.Errorf("%s:%d: dag %q task %q field %q: %w", d.File, t.Line, d.ID, t.ID, k, err))
				continue
			}
			args[k] = v
		}
		out = append(out, renderedTask{TaskID: t.ID, Operator: t.Operator, Group: t.Group,
			Upstream: t.Upstream, TriggerRule: string(t.TriggerRule), Args: args})
	}
	return out, errors.Join(errs...)
}

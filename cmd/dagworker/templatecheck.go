package main

import (
	"errors"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/dagworker/dagworker/internal/dag"
	"github.com/dagworker/dagworker/internal/template"
)

// confRef finds the trigger conf keys a template reads
// (dag_run.conf.key, dag_run.conf['key']).
var confRef = regexp.MustCompile(`dag_run\.conf(?:\.([A-Za-z_][A-Za-z0-9_]*)|\[\s*['"]([^'"]+)['"]\s*\])`)

// varRef finds the Airflow variables a template reads (var.value.x,
// var.json.x): their values exist only at run time.
var varRef = regexp.MustCompile(`var\.(value|json)\.([A-Za-z_][A-Za-z0-9_]*)`)

// templateCheck renders every task argument of d as a run would, with the
// DAG's params, a placeholder for every trigger conf key the templates
// read (a trigger may supply any), and ti.xcom_pull allowed for upstream
// tasks only. It reports unknown names, unknown filters, syntax errors and
// XComs of tasks that are not upstream, with did-you-mean; errors that
// depend on values only a run has (types) are left to the run.
func templateCheck(d *dag.DAG) dag.ErrorList {
	conf := map[string]any{}
	for _, t := range d.Tasks {
		for _, m := range confRef.FindAllStringSubmatch(fmt.Sprint(t.Args), -1) {
			conf[m[1]+m[2]] = "<conf>"
		}
	}
	params := map[string]any{}
	for k, v := range d.Params {
		params[k] = v
	}
	for k, v := range conf {
		if _, ok := params[k]; !ok {
			params[k] = v // conf overrides params, so a conf key is a param too
		}
	}
	ld := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	iv := d.IntervalAt(ld)
	vars := template.Vars(template.RunInfo{DagID: d.ID, RunID: "manual__check", LogicalDate: ld,
		DataIntervalStart: iv.Start, DataIntervalEnd: iv.End, Params: params, Conf: conf})
	variables := map[string]any{"value": map[string]any{}, "json": map[string]any{}}
	for _, t := range d.Tasks {
		for _, m := range varRef.FindAllStringSubmatch(fmt.Sprint(t.Args), -1) {
			variables[m[1]].(map[string]any)[m[2]] = "<var>"
		}
	}
	vars["var"] = variables
	names := varNames(vars)
	var errs dag.ErrorList
	for _, t := range d.Tasks {
		tvars := vars
		if len(t.Params) > 0 {
			// The task's own params are merged over the DAG's for its templates.
			tp := maps.Clone(params)
			maps.Copy(tp, t.Params)
			tvars = maps.Clone(vars)
			tvars["params"] = tp
		}
		ctx := &template.Context{Vars: tvars, XCom: func(taskID, key string) (any, error) {
			if !slices.Contains(t.Upstream, taskID) {
				return nil, fmt.Errorf("task %q is not upstream of %q (upstream: %s)%s", taskID, t.ID,
					strings.Join(t.Upstream, ", "), dag.DidYouMean(taskID, t.Upstream))
			}
			return "<xcom>", nil
		}}
		for _, k := range slices.Sorted(maps.Keys(t.Args)) {
			_, err := template.Render(t.Args[k], ctx)
			if err == nil || !(errors.Is(err, template.ErrUnknownName) || errors.Is(err, template.ErrUnsupported) ||
				errors.Is(err, template.ErrSyntax) || errors.Is(err, template.ErrXCom)) {
				continue
			}
			msg := err.Error()
			var te *template.Error
			if errors.As(err, &te) && errors.Is(err, template.ErrUnknownName) {
				if name, ok := quoted(te.Err.Error()); ok {
					msg += dag.DidYouMean(name, names)
				}
			}
			errs = append(errs, &dag.Error{File: d.File, Line: t.Line, Column: t.Column, Kind: dag.ErrInvalid,
				Msg: fmt.Sprintf("task %q: argument %q: template: %s", t.ID, k, msg)})
		}
	}
	return errs
}

// varNames lists the template names: the top-level ones and one level
// below them (params.sites, dag_run.conf.x), for did-you-mean.
func varNames(vars map[string]any) []string {
	var out []string
	for k, v := range vars {
		out = append(out, k)
		if m, ok := v.(map[string]any); ok {
			for sub, sv := range m {
				out = append(out, k+"."+sub)
				if mm, ok := sv.(map[string]any); ok {
					for s2 := range mm {
						out = append(out, k+"."+sub+"."+s2)
					}
				}
			}
		}
	}
	return append(out, "ti")
}

// quoted returns the first double-quoted string in s.
func quoted(s string) (string, bool) {
	i := strings.IndexByte(s, '"')
	if i < 0 {
		return "", false
	}
	j := strings.IndexByte(s[i+1:], '"')
	if j < 0 {
		return "", false
	}
	return s[i+1 : i+1+j], true
}

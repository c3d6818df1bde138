package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"path"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/dagworker/dagworker/internal/api"
	"github.com/dagworker/dagworker/internal/apiclient"
)

// The remote halves of trigger, runs and tasks: the same output as the
// Redis ones, from the server's API.

func triggerRemote(ctx context.Context, c *apiclient.Client, dagID, runID string, conf json.RawMessage, wait bool, timeout time.Duration, stdout, stderr io.Writer) error {
	run, created, err := c.Trigger(ctx, dagID, runID, conf)
	if err != nil {
		return fmt.Errorf("trigger %s: %w", dagID, err)
	}
	if created {
		fmt.Fprintf(stdout, "triggered %s run %s (%s)\n", dagID, run.DagRunID, run.State)
	} else {
		fmt.Fprintf(stdout, "run %s of %s exists already (%s); not triggered again\n", run.DagRunID, dagID, run.State)
	}
	if !wait {
		return nil
	}
	ctx, cancel := withTimeout(ctx, timeout)
	defer cancel()
	run, tis, err := followRemote(ctx, c, dagID, run.DagRunID, stderr)
	if err != nil {
		return err
	}
	printRemoteRun(stdout, run, tis, failureReasons(ctx, c, dagID, run.DagRunID, tis))
	printRemoteOutputs(ctx, stdout, stderr, c, dagID, run.DagRunID)
	if api.RunState(run.State) != api.RunSuccess {
		return exitError(1)
	}
	return nil
}

// followRemote polls the run through the API until it finishes, drawing
// the live view on w.
func followRemote(ctx context.Context, c *apiclient.Client, dagID, runID string, w io.Writer) (api.DAGRunResponse, []api.TaskInstanceResponse, error) {
	view := newLiveView(w)
	reasons := map[string]string{}
	tick := time.NewTicker(250 * time.Millisecond)
	defer tick.Stop()
	for {
		run, err := c.Run(ctx, dagID, runID)
		if err != nil {
			return run, nil, err
		}
		tis, err := c.TaskInstances(ctx, dagID, runID)
		if err != nil {
			return run, nil, err
		}
		rv := remoteView(run, tis)
		for i, f := range rv.failed {
			// A failure's message is in its try's log; read it once.
			if msg, ok := reasons[f.task]; ok {
				rv.failed[i].detail = msg
				continue
			}
			reasons[f.task] = f.detail
			if msg := failureReason(ctx, c, dagID, runID, f.task, tis); msg != "" {
				reasons[f.task] = msg
				rv.failed[i].detail = msg
			}
		}
		view.update(rv)
		if api.RunState(run.State).Finished() {
			return run, tis, nil
		}
		select {
		case <-ctx.Done():
			return run, nil, fmt.Errorf("run %s not finished: %w", runID, ctx.Err())
		case <-tick.C:
		}
	}
}

func tiState(ti api.TaskInstanceResponse) string {
	if ti.State == nil {
		return "none"
	}
	return string(*ti.State)
}

// remoteView is the live view of a run read from the API.
func remoteView(run api.DAGRunResponse, tis []api.TaskInstanceResponse) runView {
	v := runView{runID: run.DagRunID, state: string(run.State), total: len(tis)}
	for _, ti := range tis {
		switch s := tiState(ti); s {
		case "success", "skipped", "upstream_failed":
			v.done++
		case "failed":
			v.done++
			v.failed = append(v.failed, taskFailure{task: ti.TaskID, detail: fmt.Sprintf("try %d/%d", ti.TryNumber, ti.MaxTries+1)})
		case "running":
			v.running = append(v.running, ti.TaskID)
		case "up_for_retry":
			v.retrying = append(v.retrying, fmt.Sprintf("%s (try %d/%d)", ti.TaskID, ti.TryNumber, ti.MaxTries+1))
		}
	}
	return v
}

func fmtPtrTime(t *time.Time) string {
	if t == nil {
		return "-"
	}
	return fmtTime(*t)
}

func fmtPtrSpan(start, end *time.Time) string {
	if start == nil {
		return "-"
	}
	var e time.Time
	if end != nil {
		e = *end
	}
	return fmtSpan(*start, e)
}

func ptrOrDash(s *string) string {
	if s == nil {
		return "-"
	}
	return orDash(*s)
}

// failureReason is the error of the failed try of task, read from the
// try's log ("" when the log has none).
func failureReason(ctx context.Context, c *apiclient.Client, dagID, runID, task string, tis []api.TaskInstanceResponse) string {
	for _, ti := range tis {
		if ti.TaskID == task && ti.TryNumber > 0 {
			log, err := c.Log(ctx, dagID, runID, task, ti.TryNumber)
			if err != nil {
				return ""
			}
			return tryError(log)
		}
	}
	return ""
}

// failureReasons are the errors of the run's failed tasks.
func failureReasons(ctx context.Context, c *apiclient.Client, dagID, runID string, tis []api.TaskInstanceResponse) map[string]string {
	out := map[string]string{}
	for _, ti := range tis {
		if tiState(ti) == "failed" {
			out[ti.TaskID] = failureReason(ctx, c, dagID, runID, ti.TaskID, tis)
		}
	}
	return out
}

// tryError is the error= value of the last "try failed" line of a try's
// log (the worker's slog text line), or "".
func tryError(log string) string {
	lines := strings.Split(log, "\n")
	for i := len(lines) - 1; i >= 0; i-- {
		l := lines[i]
		if !strings.Contains(l, `msg="try failed"`) {
			continue
		}
		_, v, ok := strings.Cut(l, " error=")
		if !ok {
			return ""
		}
		if strings.HasPrefix(v, `"`) {
			if q, err := strconv.QuotedPrefix(v); err == nil {
				if u, err := strconv.Unquote(q); err == nil {
					return u
				}
			}
		}
		v, _, _ = strings.Cut(v, " ")
		return v
	}
	return ""
}

// printRemoteRun prints a run and its task instances as printRun does;
// reasons are the failed tasks' errors.
func printRemoteRun(w io.Writer, run api.DAGRunResponse, tis []api.TaskInstanceResponse, reasons map[string]string) {
	done := remoteView(run, tis).done
	fmt.Fprintf(w, "dag %s run %s: %s (%s)\nlogical date %s, started %s, duration %s, tasks %d/%d done\n",
		run.DagID, run.DagRunID, run.State, run.RunType, fmtPtrTime(run.LogicalDate), fmtPtrTime(run.StartDate),
		fmtPtrSpan(run.StartDate, run.EndDate), done, len(tis))
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "TASK\tSTATE\tTRIES\tDURATION\tHOSTNAME\tERROR")
	for _, ti := range tis {
		fmt.Fprintf(tw, "%s\t%s\t%d/%d\t%s\t%s\t%s\n", ti.TaskID, tiState(ti), ti.TryNumber, ti.MaxTries+1,
			fmtPtrSpan(ti.StartDate, ti.EndDate), ptrOrDash(ti.Hostname), firstLine(reasons[ti.TaskID]))
	}
	_ = tw.Flush()
}

// printRemoteOutputs prints the run's data lake outputs with their download
// URLs, then the report's (the first PDF). A server without a lake has none.
func printRemoteOutputs(ctx context.Context, w, stderr io.Writer, c *apiclient.Client, dagID, runID string) {
	outs, err := c.Outputs(ctx, dagID, runID)
	if errors.Is(err, apiclient.ErrNotFound) {
		return // an ad-hoc task without outputs has no run to list
	}
	if err != nil {
		fmt.Fprintf(stderr, "warning: outputs of run %s: %v\n", runID, err)
		return
	}
	report := ""
	for _, o := range outs {
		u := c.URL(o.URL)
		fmt.Fprintf(w, "output %s/%s (%d bytes): %s\n", o.TaskID, o.Name, o.Size, u)
		if report == "" && path.Ext(o.Name) == ".pdf" {
			report = u
		}
	}
	if report != "" {
		fmt.Fprintf(w, "report: %s\n", report)
	}
}

// printXComOutputs prints the output URI each task's XCom names (the
// operators return output.uri), with the local path of file:// ones, then
// the report's (the first PDF).
func printXComOutputs(w io.Writer, xcoms map[string]json.RawMessage) {
	report := ""
	for _, task := range slices.Sorted(maps.Keys(xcoms)) {
		uri, err := outputURI(xcoms[task])
		if err != nil {
			continue
		}
		where := uri
		if p := localPath(uri); p != "" {
			where = p
		}
		fmt.Fprintf(w, "output %s: %s\n", task, where)
		if report == "" && path.Ext(uri) == ".pdf" {
			report = where
		}
	}
	if report != "" {
		fmt.Fprintf(w, "report: %s\n", report)
	}
}

// listRunsRemote prints the latest limit runs of a DAG as listRuns does.
func listRunsRemote(ctx context.Context, c *apiclient.Client, dagID string, limit int, w io.Writer) error {
	runs, total, err := c.Runs(ctx, dagID, limit)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "RUN_ID\tSTATE\tTYPE\tLOGICAL_DATE\tSTARTED\tDURATION\tTASKS")
	for _, r := range runs {
		tis, err := c.TaskInstances(ctx, dagID, r.DagRunID)
		if err != nil {
			return err
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%d/%d\n", r.DagRunID, r.State, r.RunType, fmtPtrTime(r.LogicalDate),
			fmtPtrTime(r.StartDate), fmtPtrSpan(r.StartDate, r.EndDate), remoteView(r, tis).done, len(tis))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if len(runs) < total {
		fmt.Fprintf(w, "(%d of %d runs; --limit 0 for all)\n", len(runs), total)
	}
	return nil
}

func showRunRemote(ctx context.Context, c *apiclient.Client, dagID, runID string, stdout, stderr io.Writer) error {
	run, err := c.Run(ctx, dagID, runID)
	if err != nil {
		return err
	}
	tis, err := c.TaskInstances(ctx, dagID, runID)
	if err != nil {
		return err
	}
	printRemoteRun(stdout, run, tis, failureReasons(ctx, c, dagID, runID, tis))
	printRemoteOutputs(ctx, stdout, stderr, c, dagID, runID)
	return nil
}

func printLogRemote(ctx context.Context, c *apiclient.Client, dagID, runID, taskID string, try int, w io.Writer) error {
	if try == 0 {
		ti, err := c.TaskInstance(ctx, dagID, runID, taskID)
		if err != nil {
			return err
		}
		if ti.TryNumber == 0 {
			return fmt.Errorf("runs logs: task %s of run %s has not run yet", taskID, runID)
		}
		try = ti.TryNumber
	}
	log, err := c.Log(ctx, dagID, runID, taskID, try)
	if err != nil {
		return err
	}
	_, err = io.WriteString(w, log)
	return err
}

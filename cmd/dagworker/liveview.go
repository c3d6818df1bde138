package main

import (
	"fmt"
	"io"
	"os"
	"strings"
	"time"
)

// runView is what the live view of `trigger --wait` shows of a run.
type runView struct {
	runID, state string
	done, total  int
	running      []string // task ids
	retrying     []string // "task (try 2/3)"
	// failed are the failed tasks with what is known of the failure.
	failed []taskFailure
}

type taskFailure struct{ task, detail string }

// liveView draws runViews on w. On a terminal the status block (state,
// done/total, elapsed, running and retrying tasks) is redrawn in place and
// each failure is printed above it once, as it happens; otherwise one line
// is printed per change (the elapsed time alone is no change).
type liveView struct {
	w     io.Writer
	tty   bool
	start time.Time
	lines int // lines of the block drawn last (tty)
	last  string
	seen  map[string]bool
}

func newLiveView(w io.Writer) *liveView {
	v := &liveView{w: w, start: time.Now(), seen: map[string]bool{}}
	if f, ok := w.(*os.File); ok {
		v.tty = isTerminal(f)
	}
	return v
}

func (v *liveView) update(rv runView) {
	var fails []string
	for _, f := range rv.failed {
		if !v.seen[f.task] {
			v.seen[f.task] = true
			line := "failed: " + f.task
			if f.detail != "" {
				line += ": " + firstLine(f.detail)
			}
			fails = append(fails, line)
		}
	}
	status := fmt.Sprintf("%s %s: %d/%d tasks done", rv.runID, rv.state, rv.done, rv.total)
	var extra []string
	if len(rv.running) > 0 {
		extra = append(extra, "running: "+strings.Join(rv.running, ", "))
	}
	if len(rv.retrying) > 0 {
		extra = append(extra, "retrying: "+strings.Join(rv.retrying, ", "))
	}
	elapsed := fmt.Sprintf("%.1fs", time.Since(v.start).Seconds())
	if !v.tty {
		for _, f := range fails {
			fmt.Fprintln(v.w, f)
		}
		key := strings.Join(append([]string{status}, extra...), "; ")
		if key != v.last {
			fmt.Fprintf(v.w, "%s, %s\n", key, elapsed)
			v.last = key
		}
		return
	}
	if v.lines > 0 {
		fmt.Fprintf(v.w, "\033[%dA\033[J", v.lines) // back to the block's first line, erase it
	}
	for _, f := range fails {
		fmt.Fprintf(v.w, "\033[31m%s\033[0m\n", f)
	}
	fmt.Fprintf(v.w, "%s, %s\n", status, elapsed)
	for _, e := range extra {
		fmt.Fprintf(v.w, "  %s\n", e)
	}
	v.lines = 1 + len(extra)
}

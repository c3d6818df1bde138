package render

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path"
	"sort"
	"strings"
	"time"

	"gocloud.dev/blob"

	"github.com/dagworker/dagworker/tasks"
)

// Bounds of the comparison with the previous run.
const (
	maxCompareRecords = 100_000 // URLs compared per side
	maxRunsListed     = 100_000 // run folders looked at
	maxChangesShown   = 20
)

// comparison is how this run's labels differ from the previous run's.
type comparison struct {
	prevRun              string
	added, gone, changed int
	examples             []change // the first changed labels
}

type change struct{ url, from, to string }

// runTime is the time in a run id (scheduled__<RFC 3339>, manual__...,
// backfill__...), or false for an id of the caller's.
func runTime(runID string) (time.Time, bool) {
	_, ts, ok := strings.Cut(runID, "__")
	if !ok {
		return time.Time{}, false
	}
	t, err := time.Parse(time.RFC3339Nano, ts)
	return t, err == nil
}

// previousRun is the latest earlier run of the DAG whose report this task
// wrote (so that run got this far): "" when there is none.
func previousRun(ctx context.Context, lake *tasks.Lake, info tasks.Info) (string, error) {
	now, ok := runTime(info.RunID)
	if !ok {
		now = info.LogicalDate
	}
	prefix := "runs/" + info.DagID + "/"
	it := lake.Bucket().List(&blob.ListOptions{Prefix: prefix, Delimiter: "/"})
	type run struct {
		id string
		t  time.Time
	}
	var runs []run
	for n := 0; n < maxRunsListed; n++ {
		obj, err := it.Next(ctx)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return "", err
		}
		id := path.Base(strings.TrimSuffix(obj.Key, "/"))
		if t, ok := runTime(id); obj.IsDir && ok && id != info.RunID && t.Before(now) {
			runs = append(runs, run{id, t})
		}
	}
	sort.Slice(runs, func(i, j int) bool { return runs[i].t.After(runs[j].t) })
	for i, r := range runs {
		if i == 10 {
			break
		}
		key, err := tasks.OutputKey(tasks.Info{DagID: info.DagID, RunID: r.id, TaskID: info.TaskID}, OutputName)
		if err != nil {
			continue
		}
		if ok, err := lake.Bucket().Exists(ctx, key); err == nil && ok {
			return r.id, nil
		}
	}
	return "", nil
}

// urlLabels reads url → label of a classified.jsonl (a missing object is
// an empty map).
func urlLabels(ctx context.Context, lake *tasks.Lake, key string) (map[string]string, error) {
	out := map[string]string{}
	r, err := lake.Open(ctx, key)
	if errors.Is(err, tasks.ErrNotFound) {
		return out, nil
	}
	if err != nil {
		return nil, err
	}
	defer r.Close()
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), maxLineBytes)
	for sc.Scan() && len(out) < maxCompareRecords {
		var rec record
		if json.Unmarshal(sc.Bytes(), &rec) == nil && rec.URL != "" {
			out[rec.URL] = labelOf(rec)
		}
	}
	return out, sc.Err()
}

// labelOf is the label a report shows for a record.
func labelOf(rec record) string {
	if rec.Label != "" {
		return rec.Label
	}
	return noLabel(rec)
}

// compare compares the labels of this run's inputs with those of the same
// upstream tasks in the previous run. Inputs given by key (no task) are
// left out.
func compare(ctx context.Context, lake *tasks.Lake, info tasks.Info, sections []section) (*comparison, error) {
	prev, err := previousRun(ctx, lake, info)
	if err != nil || prev == "" {
		return nil, err
	}
	c := &comparison{prevRun: prev}
	compared := false
	for _, s := range sections {
		if s.task == "" {
			continue
		}
		oldKey, err := tasks.OutputKey(tasks.Info{DagID: info.DagID, RunID: prev, TaskID: s.task}, "classified.jsonl")
		if err != nil {
			continue
		}
		old, err := urlLabels(ctx, lake, oldKey)
		if err != nil {
			return nil, err
		}
		compared = true
		for u, l := range s.data.labels {
			switch o, ok := old[u]; {
			case !ok:
				c.added++
			case o != l:
				c.changed++
				c.examples = append(c.examples, change{u, o, l})
			}
		}
		for u := range old {
			if _, ok := s.data.labels[u]; !ok {
				c.gone++
			}
		}
	}
	if !compared {
		return nil, nil
	}
	sort.Slice(c.examples, func(i, j int) bool { return c.examples[i].url < c.examples[j].url })
	if len(c.examples) > maxChangesShown {
		c.examples = c.examples[:maxChangesShown]
	}
	return c, nil
}

// comparisonSection sets what changed since the previous run.
func comparisonSection(l *layout, c *comparison) {
	if c == nil || !l.room(stHeading.size*lineFactor+3*16) {
		return
	}
	l.para("Compared with the previous run", stHeading, marginX, contentW)
	l.para(fmt.Sprintf("%s: %d new pages, %d gone, %d with another label.", clean(c.prevRun), c.added, c.gone, c.changed), stBody, marginX, contentW)
	for _, ch := range c.examples {
		u, _ := truncateRunes(clean(ch.url), maxURLLen)
		if !l.para(u+": "+clean(ch.from)+" → "+clean(ch.to), stMeta, marginX+12, contentW-12) {
			return
		}
	}
}

package engine

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/dagworker/dagworker/internal/runstore"
	"github.com/dagworker/dagworker/tasks"
	"gocloud.dev/blob"
)

// CleanOptions selects the runs CleanRuns deletes: finished (success or
// failed) runs that ended before OlderThan, except each DAG's KeepLast
// newest runs. Running and queued runs are never touched.
type CleanOptions struct {
	// OlderThan: a finished run whose end (its start, or logical date, when
	// it has none) is before it is deleted. Required.
	OlderThan time.Time
	// KeepLast keeps each DAG's newest runs (by the run index, logical date
	// order) whatever their age. Default 0.
	KeepLast int
	// DagIDs limits the clean to these DAGs. Default: every DAG with runs.
	DagIDs []string
	// Limit bounds the runs deleted by one call (the retention loop's
	// batch); it also bounds the runs read to 4 × Limit per DAG. Default 0:
	// no bound.
	Limit int
	// DryRun reports what would be deleted and deletes nothing.
	DryRun bool
	// Lake, when set, also loses each deleted run's outputs
	// (runs/<dag>/<run>/) and task logs (logs/<dag>/<run>/).
	Lake *tasks.Lake
}

// RunRef names one run.
type RunRef struct{ DagID, RunID string }

// CleanReport is what CleanRuns deleted (or, in a dry run, would delete).
type CleanReport struct {
	// Runs are the runs deleted, oldest first per DAG.
	Runs []RunRef
	// Objects counts the lake objects deleted (none in a dry run).
	Objects int
}

// cleanPage is how many runs CleanRuns reads at a time.
const cleanPage = 500

// CleanRuns deletes old finished runs with their task instances, try
// records and XComs (the run store's delete step) and, with a Lake, their
// outputs and logs. Safe to call on any replica at any time: a run that
// another replica deleted meanwhile is skipped.
func (e *Engine) CleanRuns(ctx context.Context, o CleanOptions) (CleanReport, error) {
	var rep CleanReport
	if o.OlderThan.IsZero() {
		return rep, fmt.Errorf("%w: CleanRuns without OlderThan", ErrConfig)
	}
	dagIDs := o.DagIDs
	if dagIDs == nil {
		var err error
		if dagIDs, err = e.store.DAGIDs(ctx); err != nil {
			return rep, err
		}
	}
	var errs []error
	for _, dagID := range dagIDs {
		left := 0
		if o.Limit > 0 {
			if left = o.Limit - len(rep.Runs); left <= 0 {
				break
			}
		}
		if err := e.cleanDAG(ctx, dagID, o, left, &rep); err != nil {
			errs = append(errs, err)
		}
	}
	return rep, errors.Join(errs...)
}

// cleanDAG cleans one DAG, deleting at most limit runs (0: no bound).
func (e *Engine) cleanDAG(ctx context.Context, dagID string, o CleanOptions, limit int, rep *CleanReport) error {
	_, total, err := e.store.ListRuns(ctx, dagID, runstore.ListRunsOptions{Limit: 1})
	if err != nil {
		return err
	}
	candidates := total - max(o.KeepLast, 0) // the oldest ones, by index order
	if limit > 0 {
		candidates = min(candidates, 4*limit)
	}
	deleted, offset := 0, 0
	for offset < candidates && (limit == 0 || deleted < limit) {
		runs, _, err := e.store.ListRuns(ctx, dagID, runstore.ListRunsOptions{Offset: offset, Limit: min(cleanPage, candidates-offset)})
		if err != nil {
			return err
		}
		if len(runs) == 0 {
			break
		}
		kept := 0
		for _, r := range runs {
			if limit > 0 && deleted >= limit {
				break
			}
			if !expired(r, o.OlderThan) {
				kept++
				continue
			}
			if !o.DryRun {
				if err := e.deleteRun(ctx, r, o.Lake, rep); err != nil {
					return err
				}
			}
			rep.Runs = append(rep.Runs, RunRef{DagID: dagID, RunID: r.RunID})
			deleted++
		}
		// Deleted runs left the index: the next page starts after the kept
		// ones of this page (all of them in a dry run).
		if o.DryRun {
			offset += len(runs)
		} else {
			offset += kept
			candidates -= len(runs) - kept
		}
	}
	return nil
}

// expired reports whether r is finished and ended before cutoff.
func expired(r *runstore.Run, cutoff time.Time) bool {
	if !r.State.Finished() {
		return false
	}
	at := r.EndDate
	if at.IsZero() {
		at = r.StartDate
	}
	if at.IsZero() {
		at = r.LogicalDate
	}
	return !at.IsZero() && at.Before(cutoff)
}

func (e *Engine) deleteRun(ctx context.Context, r *runstore.Run, lake *tasks.Lake, rep *CleanReport) error {
	// The lake first: a crash in between leaves a run whose files a later
	// clean deletes again, never files of a run no clean can find.
	if lake != nil {
		for _, top := range []string{"runs", "logs"} {
			prefix, err := tasks.JoinKey(top, r.DagID, r.RunID)
			if err != nil {
				return err
			}
			n, err := deletePrefix(ctx, lake.Bucket(), prefix+"/")
			rep.Objects += n
			if err != nil {
				return fmt.Errorf("clean %s/%s: lake %s/: %w", r.DagID, r.RunID, prefix, err)
			}
		}
	}
	err := e.DeleteRun(ctx, r.DagID, r.RunID)
	if errors.Is(err, runstore.ErrRunNotFound) {
		return nil // another replica deleted it
	}
	return err
}

// deletePrefix deletes every object under prefix and returns how many.
func deletePrefix(ctx context.Context, b *blob.Bucket, prefix string) (int, error) {
	n := 0
	it := b.List(&blob.ListOptions{Prefix: prefix})
	for {
		obj, err := it.Next(ctx)
		if errors.Is(err, io.EOF) {
			return n, nil
		}
		if err != nil {
			return n, err
		}
		if obj.IsDir {
			continue
		}
		if err := b.Delete(ctx, obj.Key); err != nil {
			return n, err
		}
		n++
	}
}

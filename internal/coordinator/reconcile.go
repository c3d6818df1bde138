package coordinator

import (
	"context"
	"log/slog"
	"sort"

	"github.com/dagworker/dagworker/internal/engine"
)

func (c *Coordinator) reconcileLoop(ctx context.Context) {
	for {
		c.Sweep(ctx)
		select {
		case <-ctx.Done():
			return
		case <-c.cfg.Clock.After(c.cfg.ReconcileEvery):
		}
	}
}

// Sweep runs one reconcile sweep now, as every replica does every
// ReconcileEvery: every loaded DAG and every DAG that has runs in the store
// (also when its file was removed from the folder) is reconciled. It returns
// the sum of the repairs and how many DAGs failed (logged, and counted in
// the metrics). A no-op without a Reconciler.
func (c *Coordinator) Sweep(ctx context.Context) (engine.Repairs, int) {
	var sum engine.Repairs
	if c.cfg.Reconciler == nil {
		return sum, 0
	}
	failed := 0
	ids := map[string]bool{}
	for _, d := range c.cfg.Folder.DAGs() {
		ids[d.ID] = true
	}
	stored, err := c.cfg.Reconciler.DAGIDs(ctx)
	if err != nil && ctx.Err() == nil {
		failed++
		c.log.ErrorContext(ctx, "reconcile sweep: listing dag ids with runs failed", slog.Any("error", err))
	}
	for _, id := range stored {
		ids[id] = true
	}
	sorted := make([]string, 0, len(ids))
	for id := range ids {
		sorted = append(sorted, id)
	}
	sort.Strings(sorted)
	for _, id := range sorted {
		if ctx.Err() != nil {
			break
		}
		rep, err := c.cfg.Reconciler.ReconcileDAG(ctx, id)
		sum = sum.Add(rep)
		if err != nil && ctx.Err() == nil {
			failed++
			c.log.ErrorContext(ctx, "reconcile sweep failed", slog.String("dag_id", id), slog.Any("error", err))
		}
		if rep.Total() > 0 {
			c.log.InfoContext(ctx, "reconcile sweep repaired runs", slog.String("dag_id", id),
				slog.Int("enqueued", rep.Enqueued), slog.Int("lost_tries", rep.LostTries),
				slog.Int("finished_runs", rep.FinishedRuns))
		}
	}
	c.met.sweep(failed, sum)
	return sum, failed
}

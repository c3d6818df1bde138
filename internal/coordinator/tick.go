package coordinator

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"time"

	"github.com/dagworker/dagworker/internal/dag"
	"github.com/dagworker/dagworker/internal/engine"
	"github.com/dagworker/dagworker/internal/lease"
	"github.com/dagworker/dagworker/internal/runstore"
	"github.com/redis/go-redis/v9"
)

// advanceScript records the logical date of the latest scheduled run created
// for a DAG, only ever moving it forward, so a late write from a slower
// replica cannot move it back. KEYS[1]: the hash; ARGV: dag id, unix ms.
var advanceScript = redis.NewScript(`
local cur = tonumber(redis.call('HGET', KEYS[1], ARGV[1]) or '')
if cur == nil or tonumber(ARGV[2]) > cur then
  redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
end
return 1`)

// tick is Tick with the leader's fencing token (0: not fenced).
func (c *Coordinator) tick(ctx context.Context, token int64) (time.Time, error) {
	if token > 0 {
		if err := lease.Check(ctx, c.cfg.Client, c.leaseKey, token); err != nil {
			if errors.Is(err, lease.ErrStaleToken) {
				return time.Time{}, fmt.Errorf("%w: %w", ErrNotLeader, err)
			}
			return time.Time{}, err
		}
	}
	paused, err := c.pauses.all(ctx)
	if err != nil {
		return time.Time{}, err
	}
	lastMS, err := c.cfg.Client.HGetAll(ctx, c.lastKey).Result()
	if err != nil {
		return time.Time{}, fmt.Errorf("read last scheduled runs: %w", err)
	}
	now := c.cfg.Clock.Now()
	var wake time.Time
	var errs []error
	for _, d := range c.cfg.Folder.DAGs() {
		p, set := paused[d.ID]
		if !set {
			p = d.IsPausedUponCreation
		}
		var last time.Time
		if v, ok := lastMS[d.ID]; ok {
			if n, err := strconv.ParseInt(v, 10, 64); err == nil {
				last = time.UnixMilli(n)
			}
		}
		plan := PlanRuns(planInput(d, p, last, now, c.cfg.MaxPerTick))
		for _, iv := range plan.Intervals {
			if err := c.create(ctx, d, iv); err != nil {
				errs = append(errs, err)
				break
			}
		}
		if !plan.Wake.IsZero() && (wake.IsZero() || plan.Wake.Before(wake)) {
			wake = plan.Wake
		}
	}
	return wake, errors.Join(errs...)
}

// create creates the scheduled run of one interval (a no-op when it exists),
// enqueues its ready tasks (through Runs) and records it as the DAG's latest.
func (c *Coordinator) create(ctx context.Context, d *dag.DAG, iv Interval) error {
	res, err := c.cfg.Runs.CreateRun(ctx, d, engine.RunOptions{
		RunType:           runstore.RunScheduled,
		LogicalDate:       iv.Start,
		DataIntervalStart: iv.Start,
		DataIntervalEnd:   iv.End,
		RunAfter:          iv.End,
		TriggeredBy:       "timetable",
	})
	if res == nil {
		return fmt.Errorf("create scheduled run of %q at %s: %w", d.ID, iv.Start.UTC().Format(time.RFC3339), err)
	}
	if res.Created {
		c.met.runCreated(d.ID, runstore.RunScheduled)
		c.log.InfoContext(ctx, "scheduled run created", slog.String("dag_id", d.ID),
			slog.String("run_id", res.Run.RunID), slog.Int("dispatch", len(res.Dispatch)))
	}
	if err != nil {
		// The run exists; the reconcile sweep enqueues what is missing.
		c.log.WarnContext(ctx, "enqueue of a new run failed; the reconcile sweep will retry",
			slog.String("dag_id", d.ID), slog.String("run_id", res.Run.RunID), slog.Any("error", err))
	}
	if err := advanceScript.Run(ctx, c.cfg.Client, []string{c.lastKey}, d.ID, iv.Start.UnixMilli()).Err(); err != nil {
		return fmt.Errorf("record scheduled run of %q: %w", d.ID, err)
	}
	return nil
}

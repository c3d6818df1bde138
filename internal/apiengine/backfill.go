package apiengine

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/dagworker/dagworker/internal/apimodel"
	"github.com/dagworker/dagworker/internal/engine"
	"github.com/dagworker/dagworker/internal/runstore"
)

// MaxBackfillRuns bounds the runs of one backfill.
const MaxBackfillRuns = 10000

func (b *EngineBackend) backfillsKey() string { return b.store().Keys().Prefix() + ":backfills" }

// backfillPlan is one interval a backfill runs: a new run, or an existing
// one to reprocess (RunID set).
type backfillPlan struct {
	Logical, End time.Time
	RunID        string
}

func (b *EngineBackend) plan(ctx context.Context, req apimodel.BackfillRequest) ([]backfillPlan, error) {
	d, err := b.dag(req.DagID)
	if err != nil {
		return nil, err
	}
	far := req.To.AddDate(100, 0, 0)
	ivs := d.IntervalsBetween(req.From, far, MaxBackfillRuns+1)
	var out []backfillPlan
	for _, iv := range ivs {
		if iv.Start.After(req.To) {
			break
		}
		if len(out) == MaxBackfillRuns {
			return nil, fmt.Errorf("backfill of %s: more than %d runs: %w", req.DagID, MaxBackfillRuns, apimodel.ErrInvalid)
		}
		p := backfillPlan{Logical: iv.Start, End: iv.End}
		skip := false
		for _, rt := range []runstore.RunType{runstore.RunBackfill, runstore.RunScheduled} {
			id := runstore.RunID(rt, iv.Start, time.Time{})
			r, err := b.store().GetRun(ctx, req.DagID, id)
			if errors.Is(err, runstore.ErrRunNotFound) {
				continue
			}
			if err != nil {
				return nil, err
			}
			// An existing run is reprocessed by the behaviour, never while
			// it is unfinished (Airflow's reprocess rules).
			switch {
			case !r.State.Finished(), req.Reprocess == "none",
				req.Reprocess == "failed" && r.State != runstore.RunFailed:
				skip = true
			default:
				p.RunID = id
			}
			break
		}
		if !skip {
			out = append(out, p)
		}
	}
	return out, nil
}

// PlanBackfill implements Backfiller.
func (b *EngineBackend) PlanBackfill(ctx context.Context, req apimodel.BackfillRequest) ([]time.Time, error) {
	ps, err := b.plan(ctx, req)
	if err != nil {
		return nil, err
	}
	out := make([]time.Time, 0, len(ps))
	for _, p := range ps {
		out = append(out, p.Logical)
	}
	return out, nil
}

// CreateBackfill implements Backfiller: the new runs are created at once
// with the backfill's max_active_runs as their limit, so the run store
// starts them oldest first, at most that many of the DAG's runs active at a
// time; a reprocessed run is cleared (only its failed tasks with
// reprocess_behavior failed) and runs again at once.
func (b *EngineBackend) CreateBackfill(ctx context.Context, req apimodel.BackfillRequest) (apimodel.Backfill, error) {
	d, err := b.dag(req.DagID)
	if err != nil {
		return apimodel.Backfill{}, err
	}
	open, err := b.Backfills(ctx, req.DagID)
	if err != nil {
		return apimodel.Backfill{}, err
	}
	for _, o := range open {
		if o.CompletedAt == nil {
			return apimodel.Backfill{}, fmt.Errorf("backfill %d: %w", o.ID, apimodel.ErrBackfillRunning)
		}
	}
	ps, err := b.plan(ctx, req)
	if err != nil {
		return apimodel.Backfill{}, err
	}
	rdb := b.store().Client()
	id, err := rdb.Incr(ctx, b.backfillsKey()+":id").Result()
	if err != nil {
		return apimodel.Backfill{}, fmt.Errorf("backfill: %w", err)
	}
	now := time.Now().UTC()
	bf := apimodel.Backfill{ID: int(id), DagID: req.DagID, From: req.From, To: req.To, Conf: req.Conf, Reprocess: req.Reprocess,
		MaxActiveRuns: req.MaxActive, CreatedAt: now, UpdatedAt: now, RunIDs: []string{}}
	var conf json.RawMessage
	if req.Conf != nil {
		if conf, err = json.Marshal(req.Conf); err != nil {
			return apimodel.Backfill{}, fmt.Errorf("dag_run_conf: %w: %w", err, apimodel.ErrInvalid)
		}
	}
	limited := *d
	limited.MaxActiveRuns = req.MaxActive
	for _, p := range ps {
		if p.RunID != "" {
			if _, err := b.Engine.ClearRun(ctx, req.DagID, p.RunID, req.Reprocess == "failed"); err != nil && !errors.Is(err, runstore.ErrInvalid) {
				return apimodel.Backfill{}, err
			}
			bf.RunIDs = append(bf.RunIDs, p.RunID)
			continue
		}
		res, err := b.Engine.CreateRun(ctx, &limited, engine.RunOptions{RunType: runstore.RunBackfill, LogicalDate: p.Logical,
			DataIntervalStart: p.Logical, DataIntervalEnd: p.End, RunAfter: p.End, Conf: conf, TriggeredBy: "backfill",
			TriggeringUser: req.CreatedBy})
		if err != nil && (res == nil || res.Run == nil) {
			return apimodel.Backfill{}, err
		}
		bf.RunIDs = append(bf.RunIDs, res.Run.RunID)
	}
	if len(bf.RunIDs) == 0 {
		bf.CompletedAt = &now
	}
	return bf, b.saveBackfill(ctx, bf)
}

func (b *EngineBackend) saveBackfill(ctx context.Context, bf apimodel.Backfill) error {
	raw, err := json.Marshal(bf)
	if err != nil {
		return fmt.Errorf("backfill %d: %w", bf.ID, err)
	}
	if err := b.store().Client().HSet(ctx, b.backfillsKey(), strconv.Itoa(bf.ID), raw).Err(); err != nil {
		return fmt.Errorf("backfill %d: %w", bf.ID, err)
	}
	return nil
}

// refresh marks an unfinished backfill completed once all its runs are
// finished (or deleted).
func (b *EngineBackend) refresh(ctx context.Context, bf apimodel.Backfill) (apimodel.Backfill, error) {
	if bf.CompletedAt != nil {
		return bf, nil
	}
	for _, id := range bf.RunIDs {
		r, err := b.store().GetRun(ctx, bf.DagID, id)
		if errors.Is(err, runstore.ErrRunNotFound) {
			continue
		}
		if err != nil {
			return bf, err
		}
		if !r.State.Finished() {
			return bf, nil
		}
	}
	now := time.Now().UTC()
	bf.CompletedAt, bf.UpdatedAt = &now, now
	return bf, b.saveBackfill(ctx, bf)
}

// Backfills implements Backfiller.
func (b *EngineBackend) Backfills(ctx context.Context, dagID string) ([]apimodel.Backfill, error) {
	m, err := b.store().Client().HGetAll(ctx, b.backfillsKey()).Result()
	if err != nil {
		return nil, fmt.Errorf("backfills: %w", err)
	}
	var out []apimodel.Backfill
	for _, raw := range m {
		var bf apimodel.Backfill
		if err := json.Unmarshal([]byte(raw), &bf); err != nil {
			return nil, fmt.Errorf("backfill: %w", err)
		}
		if dagID != "" && bf.DagID != dagID {
			continue
		}
		if bf, err = b.refresh(ctx, bf); err != nil {
			return nil, err
		}
		out = append(out, bf)
	}
	slices.SortFunc(out, func(x, y apimodel.Backfill) int { return x.ID - y.ID })
	return out, nil
}

// apimodel.Backfill implements Backfiller.
func (b *EngineBackend) Backfill(ctx context.Context, id int) (apimodel.Backfill, error) {
	raw, err := b.store().Client().HGet(ctx, b.backfillsKey(), strconv.Itoa(id)).Result()
	if errors.Is(err, redis.Nil) {
		return apimodel.Backfill{}, fmt.Errorf("backfill %d: %w", id, apimodel.ErrNotFound)
	}
	if err != nil {
		return apimodel.Backfill{}, fmt.Errorf("backfill %d: %w", id, err)
	}
	var bf apimodel.Backfill
	if err := json.Unmarshal([]byte(raw), &bf); err != nil {
		return apimodel.Backfill{}, fmt.Errorf("backfill %d: %w", id, err)
	}
	return b.refresh(ctx, bf)
}

// PauseBackfill implements Backfiller.
func (b *EngineBackend) PauseBackfill(ctx context.Context, id int, paused bool) (apimodel.Backfill, error) {
	bf, err := b.Backfill(ctx, id)
	if err != nil {
		return apimodel.Backfill{}, err
	}
	if bf.CompletedAt != nil {
		return apimodel.Backfill{}, fmt.Errorf("backfill %d: %w", id, apimodel.ErrBackfillDone)
	}
	if err := b.Engine.HoldRuns(ctx, bf.DagID, bf.RunIDs, paused); err != nil {
		return apimodel.Backfill{}, err
	}
	bf.Paused, bf.UpdatedAt = paused, time.Now().UTC()
	return bf, b.saveBackfill(ctx, bf)
}

// CancelBackfill implements Backfiller: the runs that did not start are
// held and marked failed; the running ones finish.
func (b *EngineBackend) CancelBackfill(ctx context.Context, id int) (apimodel.Backfill, error) {
	bf, err := b.Backfill(ctx, id)
	if err != nil {
		return apimodel.Backfill{}, err
	}
	if bf.CompletedAt != nil {
		return apimodel.Backfill{}, fmt.Errorf("backfill %d: %w", id, apimodel.ErrBackfillDone)
	}
	if err := b.Engine.HoldRuns(ctx, bf.DagID, bf.RunIDs, true); err != nil {
		return apimodel.Backfill{}, err
	}
	for _, rid := range bf.RunIDs {
		r, err := b.store().GetRun(ctx, bf.DagID, rid)
		if errors.Is(err, runstore.ErrRunNotFound) {
			continue
		}
		if err != nil {
			return apimodel.Backfill{}, err
		}
		if r.State == runstore.RunQueued {
			if err := b.Engine.SetRunState(ctx, bf.DagID, rid, runstore.RunFailed, "backfill cancelled"); err != nil {
				return apimodel.Backfill{}, err
			}
		}
	}
	now := time.Now().UTC()
	bf.CompletedAt, bf.UpdatedAt = &now, now
	return bf, b.saveBackfill(ctx, bf)
}

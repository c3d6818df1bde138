package runstore

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
)

// RunSpan is what the span of a finished run is built from.
type RunSpan struct {
	// TraceParent is the run span's own context, TraceParentOf its
	// parent's (see NewRun).
	TraceParent   string
	TraceParentOf string
	State         RunState
	RunType       RunType
	QueuedAt      time.Time
	StartDate     time.Time
	EndDate       time.Time
	Reason        string
}

// claimRunSpan hands out a finished run's span fields once: the first
// caller after the run ended (with tracing on when it was created) gets
// them and marks the run ("tpe"), so a run's span is emitted once however
// many processes see it end (a cleared run that ends again emits none).
var claimRunSpan = redis.NewScript(`
local k = KEYS[1]
local st = redis.call('HGET', k, 'state')
if (st ~= 'success' and st ~= 'failed') or redis.call('HEXISTS', k, 'tp') == 0 then return false end
if redis.call('HSETNX', k, 'tpe', '1') == 0 then return false end
return redis.call('HMGET', k, 'tp', 'tpp', 'state', 'run_type', 'queued_at', 'start_date', 'end_date', 'failure_reason')
`)

// ClaimRunSpan returns the span fields of a finished run the first time it
// is called for that run, and false when the run is not finished, was
// created without a trace context, or its span was claimed before.
func (s *Store) ClaimRunSpan(ctx context.Context, dagID, runID string) (*RunSpan, bool, error) {
	res, err := claimRunSpan.Run(ctx, s.rdb, []string{s.keys.Run(dagID, runID)}).Slice()
	if errors.Is(err, redis.Nil) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("run span of %s/%s: %w", dagID, runID, err)
	}
	if len(res) < 8 {
		return nil, false, fmt.Errorf("run span of %s/%s: short reply", dagID, runID)
	}
	return &RunSpan{TraceParent: str(res[0]), TraceParentOf: str(res[1]), State: RunState(str(res[2])),
		RunType: RunType(str(res[3])), QueuedAt: fromMS(str(res[4])), StartDate: fromMS(str(res[5])),
		EndDate: fromMS(str(res[6])), Reason: str(res[7])}, true, nil
}

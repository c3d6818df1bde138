package worker

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/dagworker/dagworker/internal/engine"
	"github.com/dagworker/dagworker/internal/runstore"
	"github.com/hibiken/asynq"
)

// errPoolFull hands a try back to asynq until its pool has room; it is not
// a failure (asynq's retry count does not grow).
var errPoolFull = errors.New("pool full: try again shortly")

// isFailure tells asynq which errors count against MaxRetry.
func isFailure(err error) bool { return !errors.Is(err, errPoolFull) }

// retryDelay spaces asynq's own retries: a full pool is asked again after a
// second; otherwise these only happen when the worker could not record a
// try (Redis unreachable) or crashed.
func retryDelay(n int, err error, _ *asynq.Task) time.Duration {
	if errors.Is(err, errPoolFull) {
		return time.Second
	}
	return time.Duration(n+1) * time.Second
}

// acquirePool takes the try's pool slots, renewing the lease until release
// is called. It returns errPoolFull when the pool has no room.
func (w *Worker) acquirePool(ctx context.Context, p engine.Payload, log *slog.Logger) (release func(), err error) {
	pool := p.Pool
	if pool == "" {
		pool = runstore.DefaultPool
	}
	limit := w.poolLimit(ctx, pool, log)
	if limit < 0 {
		return func() {}, nil
	}
	st := w.eng.Store()
	holder := engine.TaskID(p)
	ok, err := st.AcquirePool(ctx, pool, holder, max(1, p.PoolSlots), limit, w.cfg.PoolLease)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, errPoolFull
	}
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(w.cfg.PoolLease / 3)
		defer t.Stop()
		for {
			select {
			case <-stop:
				return
			case <-t.C:
				if _, err := st.ExtendPool(context.WithoutCancel(ctx), pool, holder, w.cfg.PoolLease); err != nil {
					log.Warn("could not renew the pool lease", "pool", pool, "error", err.Error())
				}
			}
		}
	}()
	return func() {
		close(stop)
		<-done
		if err := st.ReleasePool(context.WithoutCancel(ctx), pool, holder); err != nil {
			log.Warn("could not release pool slots; they free themselves when the lease ends", "pool", pool, "error", err.Error())
		}
	}, nil
}

// poolDefTTL is how long a worker trusts what it read of a pool defined
// through the API.
const poolDefTTL = 5 * time.Second

type poolLimit struct {
	limit int
	at    time.Time
}

// poolLimit returns the slots of pool: those of its definition through the
// API (runstore.PoolDef, re-read every poolDefTTL) or else its configured
// size; -1 means unlimited (a pool neither defined nor configured, or
// defined with -1 slots).
func (w *Worker) poolLimit(ctx context.Context, pool string, log *slog.Logger) int {
	now := time.Now()
	w.poolMu.Lock()
	c, ok := w.poolLimits[pool]
	w.poolMu.Unlock()
	if ok && now.Sub(c.at) < poolDefTTL {
		return c.limit
	}
	limit := -1
	if n := w.cfg.Pools[pool]; n > 0 {
		limit = n
	}
	def, defined, err := w.eng.Store().PoolDef(ctx, pool)
	switch {
	case err != nil:
		log.Warn("could not read the pool's definition; its configured size applies", "pool", pool, "error", err.Error())
	case defined && def.Slots < 0:
		limit = -1
	case defined:
		limit = def.Slots
	}
	w.poolMu.Lock()
	if w.poolLimits == nil {
		w.poolLimits = map[string]poolLimit{}
	}
	w.poolLimits[pool] = poolLimit{limit: limit, at: now}
	w.poolMu.Unlock()
	return limit
}

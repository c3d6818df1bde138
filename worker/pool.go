package worker

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/dagworker/dagworker/internal/engine"
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
	limit := w.cfg.Pools[p.Pool]
	if p.Pool == "" || limit == 0 {
		return func() {}, nil
	}
	st := w.eng.Store()
	holder := engine.TaskID(p)
	ok, err := st.AcquirePool(ctx, p.Pool, holder, max(1, p.PoolSlots), limit, w.cfg.PoolLease)
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
				if _, err := st.ExtendPool(context.WithoutCancel(ctx), p.Pool, holder, w.cfg.PoolLease); err != nil {
					log.Warn("could not renew the pool lease", "pool", p.Pool, "error", err.Error())
				}
			}
		}
	}()
	return func() {
		close(stop)
		<-done
		if err := st.ReleasePool(context.WithoutCancel(ctx), p.Pool, holder); err != nil {
			log.Warn("could not release pool slots; they free themselves when the lease ends", "pool", p.Pool, "error", err.Error())
		}
	}, nil
}

package lease

import (
	"context"
	"errors"
	"log/slog"
	"time"
)

// Run contends for the lease until ctx ends. Whenever this contender becomes
// the leader it calls onElected in a new goroutine with a context that is
// cancelled when leadership ends (lost, expired or ctx done) and the
// acquisition's fencing token; Run waits for onElected to return before it
// contends again, so at most one onElected runs at a time in this process.
//
// The holder renews every RenewEvery. A renewal that finds the lease gone
// ends leadership at once; when Redis cannot be reached, leadership ends
// before the lease could expire in Redis (TTL after the start of the last
// successful renewal, less RenewEvery/2 of margin), so an unreachable leader
// stops before another one can start. If onElected returns while still leader, the lease is
// released and Run contends again after RenewEvery. On ctx's end the lease is
// released so another contender takes over without waiting for TTL.
//
// Run returns nil when ctx ends.
func (l *Lease) Run(ctx context.Context, onElected func(ctx context.Context, token int64)) error {
	log := l.cfg.Logger.With(slog.String("lease", l.cfg.Key), slog.String("owner", l.cfg.Owner))
	for {
		start := l.cfg.Clock.Now()
		token, ok, err := l.Acquire(ctx)
		switch {
		case ctx.Err() != nil:
			if ok {
				l.release(ctx, log)
			}
			return nil
		case err != nil:
			log.WarnContext(ctx, "lease acquire failed", slog.Any("error", err))
		case ok:
			log.InfoContext(ctx, "elected leader", slog.Int64("token", token))
			l.lead(ctx, log, start, token, onElected)
			if ctx.Err() != nil {
				return nil
			}
		}
		select {
		case <-ctx.Done():
			return nil
		case <-l.cfg.Clock.After(l.cfg.RenewEvery):
		}
	}
}

// lead runs onElected while renewing the lease; it returns once leadership
// has ended and onElected has returned. acquired is when the acquisition
// started (the lease's TTL counts from no earlier than that).
func (l *Lease) lead(ctx context.Context, log *slog.Logger, acquired time.Time, token int64,
	onElected func(context.Context, int64)) {
	leadCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	done := make(chan struct{})
	go func() {
		defer close(done)
		onElected(leadCtx, token)
	}()
	end := func(reason string, attrs ...any) {
		cancel()
		<-done
		log.InfoContext(ctx, "leadership ended", append([]any{slog.String("reason", reason), slog.Int64("token", token)}, attrs...)...)
	}
	// deadline is when leadership ends unless a renewal succeeds first: the
	// lease expires in Redis at lastRenew+TTL at the earliest, and half a
	// RenewEvery of margin covers clock drift and scheduling.
	deadline := acquired.Add(l.cfg.TTL - l.cfg.RenewEvery/2)
	for {
		wait := min(l.cfg.RenewEvery, deadline.Sub(l.cfg.Clock.Now()))
		select {
		case <-ctx.Done():
			end("shutdown")
			l.release(ctx, log)
			return
		case <-done:
			log.InfoContext(ctx, "leader work returned; releasing the lease", slog.Int64("token", token))
			l.release(ctx, log)
			return
		case <-l.cfg.Clock.After(wait):
		}
		start := l.cfg.Clock.Now()
		if !start.Before(deadline) {
			end("renewal failing; lease about to expire")
			l.value = ""
			return
		}
		rctx, cancelRenew := context.WithTimeout(ctx, deadline.Sub(start))
		err := l.Renew(rctx)
		cancelRenew()
		switch {
		case err == nil:
			deadline = start.Add(l.cfg.TTL - l.cfg.RenewEvery/2)
		case ctx.Err() != nil:
			// Shutdown: handled at the top of the loop.
		case errors.Is(err, ErrNotHeld):
			end("lost")
			return
		default:
			log.WarnContext(ctx, "lease renew failed; retrying", slog.Any("error", err))
		}
	}
}

// release gives the lease up with a short deadline of its own (ctx may be
// done already).
func (l *Lease) release(ctx context.Context, log *slog.Logger) {
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), l.cfg.RenewEvery)
	defer cancel()
	if err := l.Release(rctx); err != nil && !errors.Is(err, ErrNotHeld) {
		log.WarnContext(ctx, "lease release failed; it expires after its TTL", slog.Any("error", err))
	}
}

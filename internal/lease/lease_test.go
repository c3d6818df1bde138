package lease_test

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/dagworker/dagworker/internal/lease"
	"github.com/dagworker/dagworker/internal/redistest"
	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"
)

func TestMain(m *testing.M) { redistest.Main(m) }

type testBundle struct {
	rdb *redis.Client
	key string
}

func setup(t *testing.T) testBundle {
	t.Helper()
	env := redistest.New(t)
	return testBundle{rdb: env.Client(), key: env.Key("lease")}
}

func newLease(t *testing.T, tb testBundle, owner string, ttl time.Duration) *lease.Lease {
	t.Helper()
	l, err := lease.New(tb.rdb, lease.Config{Key: tb.key, TTL: ttl, RenewEvery: ttl / 4, Owner: owner})
	require.NoError(t, err)
	return l
}

func TestNewValidates(t *testing.T) {
	t.Parallel()
	rdb := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1"})
	t.Cleanup(func() { _ = rdb.Close() })
	tests := []struct {
		name string
		cfg  lease.Config
		ok   bool
	}{
		{"defaults", lease.Config{Key: "k"}, true},
		{"no key", lease.Config{}, false},
		{"tiny ttl", lease.Config{Key: "k", TTL: time.Millisecond}, false},
		{"renew not below ttl", lease.Config{Key: "k", TTL: time.Second, RenewEvery: time.Second}, false},
		{"negative renew", lease.Config{Key: "k", TTL: time.Second, RenewEvery: -1}, false},
		{"owner with separator", lease.Config{Key: "k", Owner: "a|b"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			l, err := lease.New(rdb, tt.cfg)
			if tt.ok {
				require.NoError(t, err)
				require.NotEmpty(t, l.Owner())
				return
			}
			require.ErrorIs(t, err, lease.ErrInvalidConfig)
		})
	}
	_, err := lease.New(nil, lease.Config{Key: "k"})
	require.ErrorIs(t, err, lease.ErrInvalidConfig)
}

func TestAcquireRenewRelease(t *testing.T) {
	t.Parallel()
	tb := setup(t)
	ctx := t.Context()
	a := newLease(t, tb, "a", 10*time.Second)
	b := newLease(t, tb, "b", 10*time.Second)

	tokA, ok, err := a.Acquire(ctx)
	require.NoError(t, err)
	require.True(t, ok)
	require.Equal(t, int64(1), tokA)

	_, ok, err = b.Acquire(ctx)
	require.NoError(t, err)
	require.False(t, ok, "a second contender must not get a held lease")
	require.ErrorIs(t, b.Renew(ctx), lease.ErrNotHeld)
	require.ErrorIs(t, b.Release(ctx), lease.ErrNotHeld)

	require.NoError(t, a.Renew(ctx))
	require.NoError(t, lease.Check(ctx, tb.rdb, tb.key, tokA))
	require.NoError(t, a.Release(ctx))
	require.ErrorIs(t, lease.Check(ctx, tb.rdb, tb.key, tokA), lease.ErrStaleToken)

	tokB, ok, err := b.Acquire(ctx)
	require.NoError(t, err)
	require.True(t, ok)
	require.Greater(t, tokB, tokA, "fencing tokens increase with each acquisition")
	require.ErrorIs(t, a.Renew(ctx), lease.ErrNotHeld)
}

// A holder that stops renewing (a frozen or crashed process) loses the lease
// after TTL; its late renewal and release fail and its token is stale.
func TestStaleLeaderAfterTTL(t *testing.T) {
	t.Parallel()
	tb := setup(t)
	ctx := t.Context()
	const ttl = 300 * time.Millisecond
	a := newLease(t, tb, "a", ttl)
	b := newLease(t, tb, "b", ttl)

	tokA, ok, err := a.Acquire(ctx)
	require.NoError(t, err)
	require.True(t, ok)
	acquired := time.Now()

	elected := make(chan int64, 1)
	bctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	wg.Go(func() {
		_ = b.Run(bctx, func(ctx context.Context, token int64) {
			elected <- token
			<-ctx.Done()
		})
	})
	t.Cleanup(func() { cancel(); wg.Wait() })

	var tokB int64
	select {
	case tokB = <-elected:
	case <-time.After(5 * time.Second):
		t.Fatal("the other contender never took over")
	}
	require.GreaterOrEqual(t, time.Since(acquired), ttl-20*time.Millisecond, "took over before the TTL ran out")
	require.Greater(t, tokB, tokA)

	require.ErrorIs(t, a.Renew(ctx), lease.ErrNotHeld)
	require.ErrorIs(t, a.Release(ctx), lease.ErrNotHeld, "a stale holder must not delete the new lease")
	require.ErrorIs(t, lease.Check(ctx, tb.rdb, tb.key, tokA), lease.ErrStaleToken)
	require.NoError(t, lease.Check(ctx, tb.rdb, tb.key, tokB))
}

// Two contenders running Run: exactly one leads at any time, the leader keeps
// the lease across many TTLs by renewing, and on shutdown it hands over at
// once (release) instead of after TTL.
func TestTwoContendersOneLeader(t *testing.T) {
	t.Parallel()
	tb := setup(t)
	const ttl = 400 * time.Millisecond
	var active, maxActive atomic.Int32
	type election struct {
		who   string
		token int64
	}
	elections := make(chan election, 8)
	run := func(ctx context.Context, l *lease.Lease) {
		_ = l.Run(ctx, func(ctx context.Context, token int64) {
			n := active.Add(1)
			for {
				m := maxActive.Load()
				if n <= m || maxActive.CompareAndSwap(m, n) {
					break
				}
			}
			elections <- election{l.Owner(), token}
			<-ctx.Done()
			active.Add(-1)
		})
	}
	ctxA, cancelA := context.WithCancel(t.Context())
	ctxB, cancelB := context.WithCancel(t.Context())
	leases := map[string]*lease.Lease{"a": newLease(t, tb, "a", ttl), "b": newLease(t, tb, "b", ttl)}
	cancels := map[string]context.CancelFunc{"a": cancelA, "b": cancelB}
	var wg sync.WaitGroup
	wg.Go(func() { run(ctxA, leases["a"]) })
	wg.Go(func() { run(ctxB, leases["b"]) })
	t.Cleanup(func() { cancelA(); cancelB(); wg.Wait() })

	var first election
	select {
	case first = <-elections:
	case <-time.After(5 * time.Second):
		t.Fatal("nobody was elected")
	}
	// The leader holds through several TTLs: no second election.
	select {
	case e := <-elections:
		t.Fatalf("second election %+v while %+v still leads", e, first)
	case <-time.After(3 * ttl):
	}
	require.Equal(t, int32(1), active.Load())

	stopped := time.Now()
	cancels[first.who]()
	var second election
	select {
	case second = <-elections:
	case <-time.After(5 * time.Second):
		t.Fatal("no takeover after the leader stopped")
	}
	require.NotEqual(t, first.who, second.who)
	require.Greater(t, second.token, first.token)
	require.Less(t, time.Since(stopped), ttl, "a released lease is taken over before its TTL")
	require.Equal(t, int32(1), maxActive.Load(), "two leaders at once")
}

// A leader whose lease is taken away (expired and re-acquired elsewhere) sees
// its leadership context cancelled at its next renewal.
func TestLeaderNoticesLoss(t *testing.T) {
	t.Parallel()
	tb := setup(t)
	const ttl = 400 * time.Millisecond
	a := newLease(t, tb, "a", ttl)
	elected := make(chan context.Context, 1)
	ctx, cancel := context.WithCancel(t.Context())
	var wg sync.WaitGroup
	wg.Go(func() {
		_ = a.Run(ctx, func(ctx context.Context, _ int64) {
			select {
			case elected <- ctx:
			default:
			}
			<-ctx.Done()
		})
	})
	t.Cleanup(func() { cancel(); wg.Wait() })

	var leadCtx context.Context
	select {
	case leadCtx = <-elected:
	case <-time.After(5 * time.Second):
		t.Fatal("not elected")
	}
	// Someone else's value replaces ours (what an expiry plus a foreign
	// acquisition looks like to the holder).
	require.NoError(t, tb.rdb.Set(t.Context(), tb.key, "intruder|99", time.Minute).Err())
	select {
	case <-leadCtx.Done():
	case <-time.After(ttl):
		t.Fatal("leadership context not cancelled after the lease was lost")
	}
	require.Equal(t, "intruder|99", tb.rdb.Get(t.Context(), tb.key).Val(), "the loser must not touch the new lease")
}

// A leader that cannot reach Redis steps down before its lease could expire.
func TestLeaderStepsDownWhenRedisUnreachable(t *testing.T) {
	t.Parallel()
	env := redistest.New(t)
	srv, err := redistest.StartServer(t.Context(), t.TempDir())
	require.NoError(t, err)
	t.Cleanup(srv.Stop)
	rdb := redis.NewClient(&redis.Options{Addr: srv.Addr, MaxRetries: -1, DialTimeout: 50 * time.Millisecond})
	t.Cleanup(func() { _ = rdb.Close() })
	const ttl = 400 * time.Millisecond
	l, err := lease.New(rdb, lease.Config{Key: env.Key("lease"), TTL: ttl, RenewEvery: ttl / 4})
	require.NoError(t, err)

	elected := make(chan time.Time, 1)
	ended := make(chan time.Time, 1)
	ctx, cancel := context.WithCancel(t.Context())
	var wg sync.WaitGroup
	wg.Go(func() {
		_ = l.Run(ctx, func(ctx context.Context, _ int64) {
			elected <- time.Now()
			<-ctx.Done()
			ended <- time.Now()
		})
	})
	t.Cleanup(func() { cancel(); wg.Wait() })
	var start time.Time
	select {
	case start = <-elected:
	case <-time.After(5 * time.Second):
		t.Fatal("not elected")
	}
	srv.Kill()
	select {
	case end := <-ended:
		require.Less(t, end.Sub(start), ttl, "stepped down after the lease could have expired")
	case <-time.After(5 * time.Second):
		t.Fatal("leader kept leading without Redis")
	}
}

package redistest

import (
	"context"
	"testing"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"
)

func TestMain(m *testing.M) { Main(m) }

func TestEnvIsolation(t *testing.T) {
	t.Parallel()
	a, b := New(t), New(t)
	require.NotEqual(t, a.Prefix, b.Prefix)
	require.NotEqual(t, a.Queue("q"), b.Queue("q"))
	ctx := context.Background()
	rdb := a.Client()
	require.NoError(t, rdb.Set(ctx, a.Key("x"), "1", 0).Err())
	require.Equal(t, int64(0), rdb.Exists(ctx, b.Key("x")).Val())
	require.Equal(t, "1", rdb.Get(ctx, a.Key("x")).Val())
}

func TestServerAppendOnlyAndKill(t *testing.T) {
	t.Parallel()
	srv := StartOwn(t)
	ctx := context.Background()
	rdb := redis.NewClient(&redis.Options{Addr: srv.Addr, MaxRetries: -1})
	defer rdb.Close()
	cfg, err := rdb.ConfigGet(ctx, "appendonly").Result()
	require.NoError(t, err)
	require.Equal(t, "yes", cfg["appendonly"])
	srv.Kill()
	require.Error(t, rdb.Ping(ctx).Err())
}

package redisproc_test

import (
	"testing"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/dagworker/dagworker/internal/redisproc"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestStartServesUntilStopped(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		end  func(*redisproc.Server)
	}{
		{name: "stop", end: (*redisproc.Server).Stop},
		{name: "kill", end: (*redisproc.Server).Kill},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv, err := redisproc.Start(t.Context(), t.TempDir())
			require.NoError(t, err)
			opts, err := redis.ParseURL(srv.URL())
			require.NoError(t, err)
			require.Equal(t, srv.Addr, opts.Addr)
			opts.MaxRetries = -1
			rdb := redis.NewClient(opts)
			defer rdb.Close()
			cfg, err := rdb.ConfigGet(t.Context(), "appendonly").Result()
			require.NoError(t, err)
			require.Equal(t, "yes", cfg["appendonly"])
			require.Contains(t, srv.Addr, "127.0.0.1:")
			tc.end(srv)
			require.Error(t, rdb.Ping(t.Context()).Err(), "server still answers after %s", tc.name)
		})
	}
}

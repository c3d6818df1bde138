package embedredis

import (
	"context"
	"testing"
	"time"

	"github.com/dagworker/dagworker/internal/runstore"
	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestBothKindsServeTheStore(t *testing.T) {
	t.Parallel()
	starts := map[string]func() (*Server, error){
		"redis-server": func() (*Server, error) { return Start(context.Background(), nil) },
		"miniredis":    func() (*Server, error) { return StartMiniredis(nil) },
	}
	for kind, start := range starts {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			srv, err := start()
			require.NoError(t, err)
			defer srv.Close()
			require.Equal(t, kind, srv.Kind)
			opts, err := redis.ParseURL(srv.URL)
			require.NoError(t, err)
			rdb := redis.NewClient(opts)
			defer rdb.Close()
			ctx := context.Background()
			require.NoError(t, rdb.Set(ctx, "k", "v", 1500*time.Millisecond).Err())
			st, err := runstore.New(runstore.Config{Client: rdb})
			require.NoError(t, err)
			res, err := st.CreateRun(ctx, runstore.NewRun{RunID: "r", DAG: &runstore.Snapshot{DagID: "d",
				Tasks: []runstore.SnapshotTask{{TaskID: "a", Operator: "noop"}}}})
			require.NoError(t, err)
			require.Len(t, res.Dispatch, 1)
			require.Eventually(t, func() bool { return rdb.Exists(ctx, "k").Val() == 0 }, 5*time.Second, 50*time.Millisecond,
				"TTLs expire (miniredis is fast-forwarded every second)")
		})
	}
}

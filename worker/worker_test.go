package worker_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/dagworker/dagworker/internal/redistest"
	"github.com/dagworker/dagworker/tasks"
	"github.com/dagworker/dagworker/worker"
	"github.com/hibiken/asynq"
	"github.com/stretchr/testify/require"
)

func TestMain(m *testing.M) { redistest.Main(m) }

func TestConfigValidation(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		cfg  worker.Config
	}{
		{"no redis", worker.Config{}},
		{"bad url", worker.Config{RedisURL: "http://x"}},
		{"bad concurrency", worker.Config{RedisURL: "redis://127.0.0.1:1/0", Concurrency: -1}},
		{"bad queue weight", worker.Config{RedisURL: "redis://127.0.0.1:1/0", Queues: map[string]int{"q": 0}}},
		{"negative dequeuers", worker.Config{RedisURL: "redis://127.0.0.1:1/0", Dequeuers: -1}},
		{"more dequeuers than slots", worker.Config{RedisURL: "redis://127.0.0.1:1/0", Concurrency: 2, Dequeuers: 3}},
		{"tiny poll", worker.Config{RedisURL: "redis://127.0.0.1:1/0", TaskCheckInterval: 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := worker.New(tt.cfg)
			require.ErrorIs(t, err, worker.ErrConfig)
		})
	}
	w, err := worker.New(worker.Config{RedisURL: "redis://127.0.0.1:1/0"})
	require.NoError(t, err)
	require.ErrorIs(t, w.Handle("dagworker:ti", nil), worker.ErrConfig)
}

func TestConfigDefaults(t *testing.T) {
	t.Parallel()
	tests := []struct {
		concurrency, dequeuers, want int
	}{
		{0, 0, 2}, // Concurrency's default is 10
		{1, 0, 1},
		{16, 0, 2},
		{16, 5, 5},
	}
	for _, tt := range tests {
		c := worker.Config{Concurrency: tt.concurrency, Dequeuers: tt.dequeuers}.WithDefaults()
		require.Equal(t, tt.want, c.Dequeuers, "Concurrency %d, Dequeuers %d", tt.concurrency, tt.dequeuers)
	}
}

// A worker runs Dequeuers asynq servers on its queues, Concurrency split
// among them, and stops them all when its context ends.
func TestDequeuersSplitConcurrency(t *testing.T) {
	t.Parallel()
	env := redistest.New(t)
	queue := env.Queue("split")
	w, err := worker.New(worker.Config{Redis: env.ConnOpt(), KeyPrefix: env.Prefix, Concurrency: 5, Dequeuers: 3,
		Queues: map[string]int{queue: 1}})
	require.NoError(t, err)
	ran := make(chan string, 10)
	require.NoError(t, w.Handle("echo", tasks.HandlerFunc(func(_ context.Context, task *tasks.Task) (any, error) {
		ran <- string(task.Args)
		return nil, nil
	})))
	insp := asynq.NewInspector(env.ConnOpt())
	t.Cleanup(func() { _ = insp.Close() })
	ours := func() []int {
		servers, err := insp.Servers()
		require.NoError(t, err)
		var slots []int
		for _, s := range servers {
			if _, ok := s.Queues[queue]; ok {
				slots = append(slots, s.Concurrency)
			}
		}
		slices.Sort(slots)
		return slots
	}

	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- w.Run(ctx) }()
	require.Eventually(t, func() bool { return slices.Equal(ours(), []int{1, 2, 2}) }, 10*time.Second, 20*time.Millisecond)

	client := asynq.NewClient(env.ConnOpt())
	t.Cleanup(func() { _ = client.Close() })
	for i := range 6 {
		_, err := client.Enqueue(asynq.NewTask("echo", []byte{'a' + byte(i)}), asynq.Queue(queue))
		require.NoError(t, err)
	}
	var got []string
	for range 6 {
		select {
		case s := <-ran:
			got = append(got, s)
		case <-time.After(10 * time.Second):
			t.Fatalf("ran %v of 6 tasks", got)
		}
	}
	slices.Sort(got)
	require.Equal(t, []string{"a", "b", "c", "d", "e", "f"}, got)

	cancel()
	require.NoError(t, <-done)
	require.Empty(t, ours(), "every server stopped and left the server list")
}

package worker_test

import (
	"testing"

	"github.com/dagworker/dagworker/internal/redistest"
	"github.com/dagworker/dagworker/worker"
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

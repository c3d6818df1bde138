// Package embedredis provides the Redis used when no Redis URL is given: a
// private redis-server child process on a free loopback port in a temporary
// directory when redis-server is on PATH (full speed, real Lua), otherwise
// miniredis in process (about a third of the speed; its TTL clock is advanced
// by a goroutine every second, which asynq's locks and leases need). Either
// way the state is not durable and is lost when the process ends.
package embedredis

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/dagworker/dagworker/internal/redisproc"
)

// Server is an embedded Redis.
type Server struct {
	// URL is the redis:// URL to connect to.
	URL string
	// Kind is "redis-server" or "miniredis".
	Kind string
	stop func()
}

// Start starts an embedded Redis; stop it with Close. log gets one warning
// that the state is not durable.
func Start(ctx context.Context, log *slog.Logger) (*Server, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if _, err := exec.LookPath("redis-server"); err == nil {
		dir, err := os.MkdirTemp("", "dagworker-redis-")
		if err != nil {
			return nil, fmt.Errorf("embedded redis: %w", err)
		}
		srv, err := redisproc.Start(ctx, filepath.Join(dir, "data"))
		if err != nil {
			_ = os.RemoveAll(dir)
			return nil, fmt.Errorf("embedded redis: %w", err)
		}
		log.Warn("no Redis URL given: using a private redis-server child process; its state is NOT durable and is lost on exit",
			"addr", srv.Addr)
		return &Server{URL: srv.URL(), Kind: "redis-server", stop: func() {
			srv.Stop()
			_ = os.RemoveAll(dir)
		}}, nil
	}
	return startMini(log)
}

// StartMiniredis starts the miniredis fallback even when redis-server is
// installed (to test that path).
func StartMiniredis(log *slog.Logger) (*Server, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return startMini(log)
}

func startMini(log *slog.Logger) (*Server, error) {
	mr := miniredis.NewMiniRedis()
	if err := mr.Start(); err != nil {
		return nil, fmt.Errorf("embedded miniredis: %w", err)
	}
	done := make(chan struct{})
	ticked := make(chan struct{})
	go func() {
		defer close(ticked)
		t := time.NewTicker(time.Second)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				mr.FastForward(time.Second)
			}
		}
	}()
	log.Warn("no Redis URL given and redis-server is not installed: using in-process miniredis; state is NOT durable and is lost on exit",
		"addr", mr.Addr())
	return &Server{URL: "redis://" + mr.Addr() + "/0", Kind: "miniredis", stop: func() {
		close(done)
		<-ticked
		mr.Close()
	}}, nil
}

// Close stops the server and removes its files.
func (s *Server) Close() { s.stop() }

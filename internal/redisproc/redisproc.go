// Package redisproc runs redis-server as a child process on a free loopback
// port, with append-only persistence in a given directory. The embedded
// Redis of the serve, demo and dags test commands (internal/embedredis) and
// the test harness (internal/redistest) both start their servers with it.
package redisproc

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// ErrNotInstalled is returned by Start when the redis-server binary is not on
// PATH.
var ErrNotInstalled = errors.New("redis-server not found on PATH")

// Server is a redis-server child process on a loopback port.
type Server struct {
	// Addr is host:port of the server.
	Addr  string
	cmd   *exec.Cmd
	dir   string
	extra []string
	done  chan struct{}
}

// URL returns the redis:// URL of the server (database 0).
func (s *Server) URL() string { return "redis://" + s.Addr + "/0" }

// Start starts a redis-server with append-only persistence in dir on a free
// loopback port and waits until it answers PING. Stop it with Stop (or Kill
// to simulate a crash).
func Start(ctx context.Context, dir string) (*Server, error) {
	return StartWith(ctx, dir, nil)
}

// StartWith is Start with more redis-server arguments: args returns them
// for the chosen port (a cluster node, for one, needs a bus port of its
// own). A nil args adds none.
func StartWith(ctx context.Context, dir string, args func(port int) ([]string, error)) (*Server, error) {
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		return nil, ErrNotInstalled
	}
	var lastErr error
	for attempt := 0; attempt < 5; attempt++ {
		port, err := freePort()
		if err != nil {
			return nil, err
		}
		var extra []string
		if args != nil {
			if extra, err = args(port); err != nil {
				return nil, err
			}
		}
		s, err := startOn(ctx, bin, dir, port, extra)
		if err == nil {
			return s, nil
		}
		lastErr = err
	}
	return nil, lastErr
}

// startOn starts redis-server on port and waits until it is ready.
func startOn(ctx context.Context, bin, dir string, port int, extra []string) (*Server, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("redis dir: %w", err)
	}
	args := append([]string{
		"--port", strconv.Itoa(port),
		"--bind", "127.0.0.1",
		"--dir", dir,
		"--appendonly", "yes",
		"--save", "",
		"--daemonize", "no",
		"--logfile", filepath.Join(dir, "redis.log"),
	}, extra...)
	// not CommandContext: the server outlives ctx (which bounds only the start); Stop ends it
	cmd := exec.Command(bin, args...) //nolint:noctx // see above
	setParentDeathSignal(cmd)
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start redis-server: %w", err)
	}
	s := &Server{Addr: net.JoinHostPort("127.0.0.1", strconv.Itoa(port)), cmd: cmd, dir: dir, extra: extra, done: make(chan struct{})}
	go func() {
		_ = cmd.Wait()
		close(s.done)
	}()
	if err := s.waitReady(ctx); err != nil {
		s.Kill()
		return nil, err
	}
	return s, nil
}

// waitReady polls PING until it answers, the child exits, ctx ends or 10 s
// pass.
func (s *Server) waitReady(ctx context.Context) error {
	rdb := newClient(s.Addr)
	defer rdb.Close()
	deadline := time.Now().Add(10 * time.Second)
	for {
		select {
		case <-s.done:
			return fmt.Errorf("redis-server on %s exited at start: %s", s.Addr, s.logTail())
		case <-ctx.Done():
			return fmt.Errorf("redis-server on %s not ready: %w", s.Addr, ctx.Err())
		default:
		}
		if err := rdb.Ping(ctx).Err(); err == nil {
			return nil
		} else if time.Now().After(deadline) {
			return fmt.Errorf("redis-server on %s not ready: %w", s.Addr, err)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// logTail returns the last lines of the server's log.
func (s *Server) logTail() string {
	f, err := os.Open(filepath.Join(s.dir, "redis.log"))
	if err != nil {
		return ""
	}
	defer f.Close()
	var lines []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		lines = append(lines, sc.Text())
	}
	if len(lines) > 5 {
		lines = lines[len(lines)-5:]
	}
	return strings.Join(lines, "\n")
}

// Kill ends the server with SIGKILL (a crash) and waits for it to exit.
func (s *Server) Kill() {
	_ = s.cmd.Process.Kill()
	<-s.done
}

// Restart starts a stopped or killed server again on its port and folder
// (its append-only file brings the data back) and waits until it answers.
// Call it only after Kill or Stop returned.
func (s *Server) Restart(ctx context.Context) error {
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		return ErrNotInstalled
	}
	_, portStr, err := net.SplitHostPort(s.Addr)
	if err != nil {
		return err
	}
	port, err := strconv.Atoi(portStr)
	if err != nil {
		return err
	}
	n, err := startOn(ctx, bin, s.dir, port, s.extra)
	if err != nil {
		return err
	}
	s.cmd, s.done = n.cmd, n.done
	return nil
}

// Stop ends the server with SIGTERM and waits up to 10 s before killing it.
func (s *Server) Stop() {
	_ = s.cmd.Process.Signal(os.Interrupt)
	select {
	case <-s.done:
	case <-time.After(10 * time.Second):
		s.Kill()
	}
}

// FreePort returns a loopback port that was free a moment ago.
func FreePort() (int, error) { return freePort() }

// freePort returns a loopback port that was free a moment ago.
func freePort() (int, error) {
	l, err := (&net.ListenConfig{}).Listen(context.Background(), "tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("find a free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// newClient returns a client that does not retry, to probe the server.
func newClient(addr string) *redis.Client {
	return redis.NewClient(&redis.Options{Addr: addr, MaxRetries: -1})
}

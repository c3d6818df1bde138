package redistest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"
	"go.uber.org/goleak"
)

// EnvVar names an external Redis to test against instead of a child process.
const EnvVar = "DAGWORKER_TEST_REDIS"

// shared is the one server of this test binary, started on first use by New
// and stopped by Main after the tests ran.
var shared struct {
	once   sync.Once
	srv    *Server
	dir    string
	url    string
	err    error
	inMain bool
}

// Main runs the package's tests (call it from TestMain): it starts the shared
// Redis lazily on the first New, checks for leaked goroutines after the tests
// (goleak, ignoring opts), stops the server and exits with the tests' status.
func Main(m *testing.M, opts ...goleak.Option) {
	shared.inMain = true
	code := m.Run()
	if shared.srv != nil {
		shared.srv.Stop()
	}
	if shared.dir != "" {
		_ = os.RemoveAll(shared.dir)
	}
	if code == 0 {
		if err := goleak.Find(opts...); err != nil {
			fmt.Fprintln(os.Stderr, "goleak:", err)
			code = 1
		}
	}
	os.Exit(code)
}

func sharedURL() (string, error) {
	shared.once.Do(func() {
		if u := os.Getenv(EnvVar); u != "" {
			shared.url = u
			return
		}
		dir, err := os.MkdirTemp("", "dagworker-redistest-")
		if err != nil {
			shared.err = err
			return
		}
		shared.dir = dir
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		srv, err := StartServer(ctx, filepath.Join(dir, "data"))
		if err != nil {
			shared.err = err
			return
		}
		shared.srv = srv
		shared.url = srv.URL()
	})
	return shared.url, shared.err
}

// Env is one test's slice of the shared Redis: its own key prefix and queue
// names.
type Env struct {
	t testing.TB
	// URL is the redis:// URL of the server.
	URL string
	// Opts are the go-redis options parsed from URL.
	Opts *redis.Options
	// Prefix is a key prefix unique to this test (no trailing separator).
	Prefix string
}

// New returns the calling test's Env; it fails the test with the install
// instruction when redis-server is missing. Tests using it need TestMain to
// call Main, or the shared server is never stopped.
func New(t testing.TB) *Env {
	t.Helper()
	if !shared.inMain {
		t.Fatal("redistest: call redistest.Main(m) from TestMain")
	}
	u, err := sharedURL()
	if err != nil {
		t.Fatalf("redistest: %v", err)
	}
	opts, err := redis.ParseURL(u)
	if err != nil {
		t.Fatalf("redistest: %s=%q: %v", EnvVar, u, err)
	}
	return &Env{t: t, URL: u, Opts: opts, Prefix: "t" + randHex(6)}
}

// Client returns a new go-redis client; it is closed when the test ends.
func (e *Env) Client() *redis.Client {
	rdb := redis.NewClient(e.Opts)
	e.t.Cleanup(func() { _ = rdb.Close() })
	return rdb
}

// ConnOpt returns asynq connection options for the server.
func (e *Env) ConnOpt() asynq.RedisClientOpt {
	return asynq.RedisClientOpt{Addr: e.Opts.Addr, Username: e.Opts.Username, Password: e.Opts.Password, DB: e.Opts.DB}
}

// Queue returns a queue name unique to this test.
func (e *Env) Queue(name string) string { return e.Prefix + "-" + name }

// Key returns a key under this test's prefix.
func (e *Env) Key(parts ...string) string {
	k := e.Prefix
	for _, p := range parts {
		k += ":" + p
	}
	return k
}

// StartOwn starts an extra redis-server of the test's own (for tests that
// kill or restart it); it is stopped when the test ends.
func StartOwn(t testing.TB) *Server {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	srv, err := StartServer(ctx, t.TempDir())
	if err != nil {
		t.Fatalf("redistest: %v", err)
	}
	t.Cleanup(srv.Stop)
	return srv
}

func randHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

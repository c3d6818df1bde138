package redistest

import (
	"context"
	"errors"

	"github.com/dagworker/dagworker/internal/redisproc"
)

// InstallHint is the instruction printed when redis-server is not installed.
const InstallHint = "redis-server not found on PATH: install it with `apt-get install redis-server` (Debian/Ubuntu) or set DAGWORKER_TEST_REDIS=redis://host:port/db"

// ErrNoRedisServer is returned when the redis-server binary is not on PATH.
var ErrNoRedisServer = errors.New(InstallHint)

// Server is a redis-server child process on a loopback port.
type Server = redisproc.Server

// StartServer starts a redis-server with append-only persistence in dir on a
// free loopback port and waits until it answers PING (redisproc.Start, with
// the install hint when redis-server is missing). Stop it with Stop (or Kill
// to simulate a crash).
func StartServer(ctx context.Context, dir string) (*Server, error) {
	srv, err := redisproc.Start(ctx, dir)
	if errors.Is(err, redisproc.ErrNotInstalled) {
		return nil, ErrNoRedisServer
	}
	return srv, err
}

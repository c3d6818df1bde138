package api

import (
	"errors"
	"io"
	"net"
	"syscall"

	"github.com/redis/go-redis/v9"
)

// Sentinel errors. Backends return ErrNotFound and ErrRunExists (wrapped or
// not); the API maps them to 404 and 409.
var (
	// ErrNotFound means the DAG, run, task instance, try, log or task does not exist.
	ErrNotFound = errors.New("not found")
	// ErrRunExists means a run with the requested dag_run_id exists already.
	ErrRunExists = errors.New("dag run already exists")
	// ErrConfig means the Config given to New is invalid.
	ErrConfig = errors.New("invalid api config")
	// ErrInvalid means a backend rejected a request as invalid (mapped to 400).
	ErrInvalid = errors.New("invalid request")
	// ErrUnavailable means the run state (Redis) cannot be reached: 503
	// with Retry-After. Network errors, refused connections and the Redis
	// client's pool timeout are mapped to it too.
	ErrUnavailable = errors.New("the run state (Redis) is unreachable")
)

// RetryAfter is the Retry-After (seconds) of a 503 answered while Redis is
// unreachable.
const RetryAfter = 5

// unavailable reports whether err means Redis could not be reached.
func unavailable(err error) bool {
	var ne net.Error
	return errors.Is(err, ErrUnavailable) || errors.As(err, &ne) || errors.Is(err, syscall.ECONNREFUSED) ||
		errors.Is(err, syscall.ECONNRESET) || errors.Is(err, redis.ErrPoolTimeout) || errors.Is(err, redis.ErrClosed) ||
		errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF)
}

package api

import (
	"errors"
	"io"
	"net"
	"syscall"

	"github.com/redis/go-redis/v9"

	"github.com/dagworker/dagworker/internal/apimodel"
)

// Sentinel errors (package apimodel's, which the backends return). The API
// maps them: ErrNotFound 404, ErrRunExists and ErrExists 409, ErrInvalid
// 400, ErrUnsupported 501, ErrUnavailable 503.
var (
	ErrNotFound    = apimodel.ErrNotFound
	ErrRunExists   = apimodel.ErrRunExists
	ErrInvalid     = apimodel.ErrInvalid
	ErrUnavailable = apimodel.ErrUnavailable
	ErrUnsupported = apimodel.ErrUnsupported
	// ErrConfig means the Config given to New is invalid.
	ErrConfig = errors.New("invalid api config")
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

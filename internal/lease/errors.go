package lease

import "errors"

// Errors returned by the lease.
var (
	// ErrInvalidConfig is returned by New for a configuration it cannot use.
	ErrInvalidConfig = errors.New("lease: invalid config")
	// ErrNotHeld is returned by Renew and Release when this contender does
	// not (or no longer) hold the lease.
	ErrNotHeld = errors.New("lease: not held")
	// ErrStaleToken is returned by Check when a fencing token is not the
	// token of the current holder.
	ErrStaleToken = errors.New("lease: stale fencing token")
)

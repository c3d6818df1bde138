package ssrf

import (
	"errors"
	"fmt"
	"net/netip"
)

var (
	// ErrBlocked reports a connection refused by the guard.
	ErrBlocked = errors.New("address blocked by SSRF guard")
	// ErrTooManyRedirects reports a redirect chain longer than Guard.MaxRedirects.
	ErrTooManyRedirects = errors.New("too many redirects")
)

// BlockedError is the error for a refused address. It matches ErrBlocked
// under errors.Is.
type BlockedError struct {
	// Addr is the refused address (for embedding forms, the address as dialled).
	Addr netip.Addr
	// Reason names the range, e.g. "loopback", "private", "link-local",
	// "IPv4-mapped loopback".
	Reason string
}

// Error implements error.
func (e *BlockedError) Error() string {
	return fmt.Sprintf("%v: %s is %s", ErrBlocked, e.Addr, e.Reason)
}

// Unwrap returns ErrBlocked.
func (e *BlockedError) Unwrap() error { return ErrBlocked }

// Package clock is the time source shared by the lease and the coordinator:
// an interface that tests replace with a fake one to simulate intervals
// without waiting, and the wall clock that is the default.
package clock

import "time"

// Clock is a time source.
type Clock interface {
	// Now returns the current time.
	Now() time.Time
	// After returns a channel that receives once d has elapsed.
	After(d time.Duration) <-chan time.Time
}

// Wall is the wall clock: time.Now and time.After.
type Wall struct{}

// Now returns time.Now().
func (Wall) Now() time.Time { return time.Now() }

// After returns time.After(d).
func (Wall) After(d time.Duration) <-chan time.Time { return time.After(d) }

package lease

import "time"

// Clock is the time source of the lease's timers. The lease's expiry itself
// is kept by Redis (PX), so a fake clock only changes when the lease tries to
// acquire or renew, not how long Redis keeps it.
type Clock interface {
	// Now returns the current time.
	Now() time.Time
	// After returns a channel that receives once d has elapsed.
	After(d time.Duration) <-chan time.Time
}

// realClock is the wall clock.
type realClock struct{}

func (realClock) Now() time.Time                         { return time.Now() }
func (realClock) After(d time.Duration) <-chan time.Time { return time.After(d) }

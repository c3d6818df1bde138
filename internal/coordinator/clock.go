package coordinator

import "time"

// Clock is the coordinator's time source: when runs are due and how long
// the leader sleeps between ticks. Tests inject a fake one to simulate
// intervals without waiting.
type Clock interface {
	// Now returns the current time.
	Now() time.Time
	// After returns a channel that receives once d has elapsed.
	After(d time.Duration) <-chan time.Time
}

type realClock struct{}

func (realClock) Now() time.Time                         { return time.Now() }
func (realClock) After(d time.Duration) <-chan time.Time { return time.After(d) }

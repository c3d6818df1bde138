package coordinator

import "time"

// DefaultMaxPerTick bounds how many runs one DAG gets per coordinator tick
// when it catches up. A DAG that missed more intervals gets the oldest 32 now
// and the next 32 on the following tick (which comes at once), so a long
// outage neither floods Redis and the queues in one burst nor starves the
// other DAGs of the tick.
const DefaultMaxPerTick = 32

// Interval is a data interval [Start, End). Start is the run's logical date
// (Airflow's cron timetable); the run is due once End has passed.
type Interval struct {
	Start, End time.Time
}

// PlanInput is what Plan decides from. It is plain data: Plan reads no clock
// and no Redis.
type PlanInput struct {
	// Next returns the first fire time of the DAG's schedule strictly after
	// t, or the zero time when there is none. nil means a manual-only DAG.
	Next func(t time.Time) time.Time
	// Location is the DAG's timezone; times are evaluated and returned in
	// it. nil means UTC.
	Location *time.Location
	// StartDate and EndDate bound the logical dates (zero when unset): the
	// first interval starts at the first fire at or after StartDate, and no
	// interval starts after EndDate.
	StartDate, EndDate time.Time
	// Catchup creates every missed interval (oldest first); without it only
	// the latest due interval is created.
	Catchup bool
	// Paused DAGs get no runs.
	Paused bool
	// Last is the logical date of the latest scheduled run already created
	// (zero when none).
	Last time.Time
	// Now is the current time.
	Now time.Time
	// Max bounds the intervals returned. Default DefaultMaxPerTick.
	Max int
}

// Plan is what to do for one DAG at one tick.
type Plan struct {
	// Intervals to create runs for, oldest first.
	Intervals []Interval
	// Wake is when the next interval becomes due (zero: never, e.g. a
	// manual-only DAG or one past its end_date). It is not after Now when
	// more intervals are due than Max allowed.
	Wake time.Time
}

// maxLookback bounds the search for the latest due interval of a DAG without
// catchup (a schedule that fires less than once in 20 years has none).
const maxLookback = 20 * 365 * 24 * time.Hour

// PlanRuns decides which scheduled runs a DAG needs now, following Airflow's
// cron timetable: interval i is [fire_i, fire_i+1) and its run is created
// once fire_i+1 has passed. With Catchup, every interval after Last (or from
// StartDate) that is due is returned, oldest first, at most Max; without it,
// only the latest due interval, and only if it is newer than Last. A paused
// or manual-only DAG gets nothing.
func PlanRuns(in PlanInput) Plan {
	if in.Paused || in.Next == nil {
		return Plan{}
	}
	loc := in.Location
	if loc == nil {
		loc = time.UTC
	}
	if in.Max <= 0 {
		in.Max = DefaultMaxPerTick
	}
	now := in.Now.In(loc)
	next := func(t time.Time) time.Time {
		n := in.Next(t.In(loc))
		if n.IsZero() {
			return n
		}
		return n.In(loc)
	}
	// atOrAfter is the first fire at or after t.
	atOrAfter := func(t time.Time) time.Time { return next(t.Add(-time.Nanosecond)) }
	pastEnd := func(start time.Time) bool {
		return start.IsZero() || (!in.EndDate.IsZero() && start.After(in.EndDate))
	}

	// lo is the earliest start an interval to create may have.
	var lo time.Time
	switch {
	case !in.Last.IsZero():
		lo = next(in.Last)
		if !in.StartDate.IsZero() && lo.Before(in.StartDate) {
			lo = atOrAfter(in.StartDate)
		}
	case !in.StartDate.IsZero():
		lo = atOrAfter(in.StartDate)
	}

	var out []Interval
	var frontier time.Time // start of the first interval not created
	if in.Catchup && !lo.IsZero() {
		s := lo
		for len(out) < in.Max && !pastEnd(s) {
			e := next(s)
			if e.IsZero() || e.After(now) {
				break
			}
			out = append(out, Interval{Start: s, End: e})
			s = e
		}
		frontier = s
	} else {
		if s, ok := latestDue(next, atOrAfter, lo, now); ok && !pastEnd(s) {
			out = append(out, Interval{Start: s, End: next(s)})
			frontier = next(s)
		} else {
			frontier = lo
			if frontier.IsZero() {
				frontier = atOrAfter(now)
			}
		}
	}
	p := Plan{Intervals: out}
	if !pastEnd(frontier) {
		p.Wake = next(frontier)
	}
	return p
}

// latestDue returns the start of the latest interval that is due at now
// (its end not after now) and starts at or after lo (lo may be zero). It
// searches backwards from now in doubling windows so a frequent schedule
// after a long outage costs a few steps, not one per missed fire.
func latestDue(next, atOrAfter func(time.Time) time.Time, lo, now time.Time) (time.Time, bool) {
	for d := time.Hour; d <= 2*maxLookback; d *= 2 {
		probe := now.Add(-d)
		atLo := !lo.IsZero() && !probe.After(lo)
		if atLo {
			probe = lo
		}
		var best time.Time
		found := false
		for f := atOrAfter(probe); !f.IsZero(); {
			e := next(f)
			if e.IsZero() || e.After(now) {
				break
			}
			best, found = f, true
			f = e
		}
		if found || atLo {
			return best, found
		}
	}
	return time.Time{}, false
}

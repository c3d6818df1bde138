package coordinator

import (
	"time"

	"github.com/dagworker/dagworker/internal/dag"
)

// nextFire returns the DAG's "first fire strictly after t" function for
// PlanRuns, or nil for a manual-only DAG. It is built on the DAG's own
// schedule arithmetic (NextIntervals) with the date bounds lifted, since
// PlanRuns applies start_date and end_date itself.
func nextFire(d *dag.DAG) func(time.Time) time.Time {
	if d.Schedule == nil {
		return nil
	}
	if every := d.Schedule.Every; every > 0 {
		// A duration schedule fires at start_date + k*every.
		start := d.StartDate
		return func(t time.Time) time.Time {
			if start.IsZero() {
				return t.Truncate(every).Add(every)
			}
			if t.Before(start) {
				return start
			}
			return start.Add((t.Sub(start)/every + 1) * every)
		}
	}
	free := *d
	free.StartDate, free.EndDate = time.Time{}, time.Time{}
	return func(t time.Time) time.Time {
		iv := free.NextIntervals(t, 1)
		if len(iv) == 0 {
			return time.Time{}
		}
		return iv[0].End
	}
}

// planInput is the PlanInput of d.
func planInput(d *dag.DAG, paused bool, last, now time.Time, max int) PlanInput {
	return PlanInput{
		Next: nextFire(d), Location: d.Location, StartDate: d.StartDate, EndDate: d.EndDate,
		Catchup: d.Catchup, Paused: paused, Last: last, Now: now, Max: max,
	}
}

package dag

import (
	"fmt"
	"strings"
	"time"

	"github.com/robfig/cron/v3"
)

// Schedule is when a DAG runs: a cron expression (5 fields or an Airflow
// preset such as @daily) or a fixed interval (a duration schedule).
type Schedule struct {
	// Expr is the schedule as written ("0 2 * * *", "@daily", "1h").
	Expr string
	// Every is the interval of a duration schedule (0 for cron).
	Every time.Duration
	cron  cron.Schedule
}

// String returns the schedule as written.
func (s *Schedule) String() string {
	if s == nil {
		return "None"
	}
	return s.Expr
}

// Interval is a run's data interval. Following Airflow, a scheduled run's
// logical date is the start of its interval and the run is due once the
// interval has ended.
type Interval struct {
	Start, End time.Time
}

// LogicalDate is the run's logical date: the start of its data interval.
func (i Interval) LogicalDate() time.Time { return i.Start }

// presets maps Airflow's cron presets to cron expressions. @once and
// @continuous are not supported.
func presets() map[string]string {
	return map[string]string{
		"@hourly": "0 * * * *", "@daily": "0 0 * * *", "@midnight": "0 0 * * *",
		"@weekly": "0 0 * * 0", "@monthly": "0 0 1 * *", "@quarterly": "0 0 1 */3 *",
		"@yearly": "0 0 1 1 *", "@annually": "0 0 1 1 *",
	}
}

// parseCron parses a 5-field cron expression or a preset. It returns the
// schedule and any warnings about specs that are probably mistakes.
func parseCron(expr string) (*Schedule, []string, error) {
	spec := strings.TrimSpace(expr)
	if strings.HasPrefix(spec, "@") {
		p, ok := presets()[spec]
		if !ok {
			names := []string{}
			for k := range presets() {
				names = append(names, k)
			}
			return nil, nil, fmt.Errorf("unknown schedule preset %q%s (supported: @hourly, @daily, @weekly, @monthly, @quarterly, @yearly; @once and @continuous are not)", spec, didYouMean(spec, names))
		}
		spec = p
	}
	fields := strings.Fields(spec)
	if len(fields) != 5 {
		return nil, nil, fmt.Errorf("cron expression %q has %d fields, want 5 (minute hour day-of-month month day-of-week)", expr, len(fields))
	}
	c, err := cron.ParseStandard(spec)
	if err != nil {
		return nil, nil, fmt.Errorf("invalid cron expression %q: %w", expr, err)
	}
	ref := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	if c.Next(ref).IsZero() {
		return nil, nil, fmt.Errorf("cron expression %q never fires", expr)
	}
	var warns []string
	if fields[0] == "*" && fields[1] != "*" {
		warns = append(warns, fmt.Sprintf("schedule %q fires every minute (60 times) in each matching hour; did you mean %q?",
			expr, strings.Join(append([]string{"0"}, fields[1:]...), " ")))
	}
	if fields[2] != "*" && fields[2] != "?" && fields[4] != "*" && fields[4] != "?" {
		warns = append(warns, fmt.Sprintf("schedule %q restricts both day-of-month and day-of-week: cron fires when EITHER matches", expr))
	}
	return &Schedule{Expr: expr, cron: c}, warns, nil
}

// fireAfter returns the first fire time strictly after t (zero if none).
func (d *DAG) fireAfter(t time.Time) time.Time {
	t = t.In(d.loc())
	s := d.Schedule
	if s.Every > 0 {
		if t.Before(d.StartDate) {
			return d.StartDate.In(d.loc())
		}
		k := t.Sub(d.StartDate)/s.Every + 1
		return d.StartDate.Add(k * s.Every).In(d.loc())
	}
	return s.cron.Next(t)
}

// fireAtOrAfter returns the first fire time at or after t.
func (d *DAG) fireAtOrAfter(t time.Time) time.Time {
	return d.fireAfter(t.Truncate(time.Second).Add(-time.Second))
}

// fireBefore returns the last fire time strictly before t (zero if none
// within about 30 years).
func (d *DAG) fireBefore(t time.Time) time.Time {
	t = t.In(d.loc())
	s := d.Schedule
	if s.Every > 0 {
		if !t.After(d.StartDate) {
			return time.Time{}
		}
		k := (t.Sub(d.StartDate) - 1) / s.Every
		return d.StartDate.Add(k * s.Every).In(d.loc())
	}
	for w := time.Minute; w <= 32*366*24*time.Hour; w *= 4 {
		x := s.cron.Next(t.Add(-w))
		if x.IsZero() || !x.Before(t) {
			continue
		}
		for {
			y := s.cron.Next(x)
			if y.IsZero() || !y.Before(t) {
				return x
			}
			x = y
		}
	}
	return time.Time{}
}

func (d *DAG) loc() *time.Location {
	if d.Location == nil {
		return time.UTC
	}
	return d.Location
}

// pastEnd reports whether an interval starting at start lies after end_date.
func (d *DAG) pastEnd(start time.Time) bool {
	return !d.EndDate.IsZero() && start.After(d.EndDate)
}

// NextIntervals returns up to n data intervals whose End is after `after`,
// in order, respecting start_date and end_date. The first one is the
// interval in progress at `after` (or the first one at or after start_date).
// A manual-only DAG has none.
func (d *DAG) NextIntervals(after time.Time, n int) []Interval {
	if d.Schedule == nil || n <= 0 {
		return nil
	}
	end := d.fireAfter(after)
	if end.IsZero() {
		return nil
	}
	start := d.fireBefore(end)
	if !d.StartDate.IsZero() {
		if s0 := d.fireAtOrAfter(d.StartDate); start.IsZero() || start.Before(s0) {
			start = s0
			end = d.fireAfter(s0)
		}
	}
	if start.IsZero() {
		return nil
	}
	var out []Interval
	for len(out) < n && !end.IsZero() && !d.pastEnd(start) {
		out = append(out, Interval{Start: start, End: end})
		start, end = end, d.fireAfter(end)
	}
	return out
}

// IntervalsBetween returns up to max intervals that start at or after from
// (and at or after start_date) and end at or before to: the runs a catchup
// between those times creates, oldest first.
func (d *DAG) IntervalsBetween(from, to time.Time, max int) []Interval {
	if d.Schedule == nil || max <= 0 {
		return nil
	}
	if !d.StartDate.IsZero() && from.Before(d.StartDate) {
		from = d.StartDate
	}
	start := d.fireAtOrAfter(from)
	var out []Interval
	for len(out) < max && !start.IsZero() && !d.pastEnd(start) {
		end := d.fireAfter(start)
		if end.IsZero() || end.After(to) {
			break
		}
		out = append(out, Interval{Start: start, End: end})
		start = end
	}
	return out
}

// IntervalAt returns the data interval of a run with the given logical date:
// for a scheduled DAG whose schedule fires at logical, the interval up to the
// next fire time; otherwise (manual DAG, or a date off the schedule) the
// empty interval [logical, logical], as Airflow gives manual runs.
func (d *DAG) IntervalAt(logical time.Time) Interval {
	if d.Schedule != nil {
		if start := d.fireAtOrAfter(logical); start.Equal(logical) {
			if end := d.fireAfter(start); !end.IsZero() {
				return Interval{Start: start, End: end}
			}
		}
	}
	return Interval{Start: logical, End: logical}
}

// ManualInterval is the data interval of a manual run with logical date t,
// as Airflow's interval timetables infer it: the last complete period that
// ends at or before t (a daily DAG triggered at 01:00 on the 25th covers the
// 24th). A manual-only DAG's interval is t itself, Airflow's exact interval.
func (d *DAG) ManualInterval(t time.Time) Interval {
	if d.Schedule == nil {
		return Interval{Start: t, End: t}
	}
	end := d.fireBefore(t.Add(time.Nanosecond)) // the last fire at or before t
	if end.IsZero() {
		return Interval{Start: t, End: t}
	}
	start := d.fireBefore(end)
	if start.IsZero() {
		start = end
	}
	return Interval{Start: start, End: end}
}

package coordinator_test

import (
	"testing"
	"time"

	"github.com/dagworker/dagworker/internal/coordinator"
	"github.com/robfig/cron/v3"
	"github.com/stretchr/testify/require"
)

func cronNext(t *testing.T, spec string) func(time.Time) time.Time {
	t.Helper()
	s, err := cron.ParseStandard(spec)
	require.NoError(t, err)
	return s.Next
}

func ts(t *testing.T, s string) time.Time {
	t.Helper()
	v, err := time.Parse(time.RFC3339, s)
	require.NoError(t, err)
	return v
}

func mustLoc(t *testing.T, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	require.NoError(t, err)
	return loc
}

func TestPlanRuns(t *testing.T) {
	t.Parallel()
	berlin := mustLoc(t, "Europe/Berlin")
	newYork := mustLoc(t, "America/New_York")
	type iv = [2]string // start, end in RFC 3339 UTC
	tests := []struct {
		name     string
		spec     string // "" = manual only
		loc      *time.Location
		start    string
		end      string
		catchup  bool
		paused   bool
		last     string
		now      string
		max      int
		want     []iv
		wantWake string // "" = never
	}{
		{
			name: "hourly without catchup creates only the latest interval",
			spec: "0 * * * *", start: "2026-01-01T00:00:00Z", now: "2026-01-01T05:30:00Z",
			want:     []iv{{"2026-01-01T04:00:00Z", "2026-01-01T05:00:00Z"}},
			wantWake: "2026-01-01T06:00:00Z",
		},
		{
			name: "hourly with catchup creates every interval since start_date",
			spec: "0 * * * *", start: "2026-01-01T00:00:00Z", now: "2026-01-01T05:30:00Z", catchup: true,
			want: []iv{
				{"2026-01-01T00:00:00Z", "2026-01-01T01:00:00Z"}, {"2026-01-01T01:00:00Z", "2026-01-01T02:00:00Z"},
				{"2026-01-01T02:00:00Z", "2026-01-01T03:00:00Z"}, {"2026-01-01T03:00:00Z", "2026-01-01T04:00:00Z"},
				{"2026-01-01T04:00:00Z", "2026-01-01T05:00:00Z"},
			},
			wantWake: "2026-01-01T06:00:00Z",
		},
		{
			name: "catchup continues after the last created run",
			spec: "0 * * * *", start: "2026-01-01T00:00:00Z", last: "2026-01-01T02:00:00Z",
			now: "2026-01-01T05:00:00Z", catchup: true,
			want:     []iv{{"2026-01-01T03:00:00Z", "2026-01-01T04:00:00Z"}, {"2026-01-01T04:00:00Z", "2026-01-01T05:00:00Z"}},
			wantWake: "2026-01-01T06:00:00Z",
		},
		{
			name: "nothing due: the latest interval exists already",
			spec: "0 * * * *", start: "2026-01-01T00:00:00Z", last: "2026-01-01T04:00:00Z",
			now:      "2026-01-01T05:59:59Z",
			wantWake: "2026-01-01T06:00:00Z",
		},
		{
			name: "a start_date between fires starts at the next fire",
			spec: "0 * * * *", start: "2026-01-01T00:10:00Z", now: "2026-01-01T02:30:00Z", catchup: true,
			want:     []iv{{"2026-01-01T01:00:00Z", "2026-01-01T02:00:00Z"}},
			wantWake: "2026-01-01T03:00:00Z",
		},
		{
			name: "start_date in the future: nothing until its first interval ends",
			spec: "@daily", start: "2026-02-01T00:00:00Z", now: "2026-01-15T00:00:00Z", catchup: true,
			wantWake: "2026-02-02T00:00:00Z",
		},
		{
			name: "first interval not yet ended",
			spec: "@daily", start: "2026-01-15T00:00:00Z", now: "2026-01-15T18:00:00Z",
			wantWake: "2026-01-16T00:00:00Z",
		},
		{
			name: "end_date stops the schedule",
			spec: "@daily", start: "2026-01-01T00:00:00Z", end: "2026-01-03T00:00:00Z",
			now: "2026-01-10T00:00:00Z", catchup: true,
			want: []iv{
				{"2026-01-01T00:00:00Z", "2026-01-02T00:00:00Z"}, {"2026-01-02T00:00:00Z", "2026-01-03T00:00:00Z"},
				{"2026-01-03T00:00:00Z", "2026-01-04T00:00:00Z"},
			},
		},
		{
			name: "end_date before the latest interval without catchup",
			spec: "@daily", start: "2026-01-01T00:00:00Z", end: "2026-01-03T00:00:00Z",
			last: "2026-01-03T00:00:00Z", now: "2026-01-10T00:00:00Z",
		},
		{
			name: "paused", spec: "@daily", start: "2026-01-01T00:00:00Z", now: "2026-01-10T00:00:00Z",
			catchup: true, paused: true,
		},
		{
			name: "manual only", start: "2026-01-01T00:00:00Z", now: "2026-01-10T00:00:00Z", catchup: true,
		},
		{
			name: "bounded per tick, oldest first, wake at once",
			spec: "@daily", start: "2026-01-01T00:00:00Z", now: "2026-01-10T00:00:00Z", catchup: true, max: 2,
			want:     []iv{{"2026-01-01T00:00:00Z", "2026-01-02T00:00:00Z"}, {"2026-01-02T00:00:00Z", "2026-01-03T00:00:00Z"}},
			wantWake: "2026-01-04T00:00:00Z",
		},
		{
			name: "timezone: 02:00 in New York is 07:00 UTC in winter",
			spec: "0 2 * * *", loc: newYork, start: "2026-01-01T00:00:00Z", now: "2026-01-03T08:00:00Z",
			want:     []iv{{"2026-01-02T07:00:00Z", "2026-01-03T07:00:00Z"}},
			wantWake: "2026-01-04T07:00:00Z",
		},
		{
			name: "DST spring forward in Berlin: a 23 hour interval",
			spec: "0 3 * * *", loc: berlin, last: "2026-03-27T02:00:00Z", now: "2026-03-30T12:00:00Z", catchup: true,
			want: []iv{
				{"2026-03-28T02:00:00Z", "2026-03-29T01:00:00Z"},
				{"2026-03-29T01:00:00Z", "2026-03-30T01:00:00Z"},
			},
			wantWake: "2026-03-31T01:00:00Z",
		},
		{
			name: "DST fall back in Berlin: a 25 hour interval",
			spec: "0 3 * * *", loc: berlin, last: "2026-10-23T01:00:00Z", now: "2026-10-26T12:00:00Z", catchup: true,
			want: []iv{
				{"2026-10-24T01:00:00Z", "2026-10-25T02:00:00Z"},
				{"2026-10-25T02:00:00Z", "2026-10-26T02:00:00Z"},
			},
			wantWake: "2026-10-27T02:00:00Z",
		},
		{
			name: "every minute, a year-long outage, no catchup: only the latest",
			spec: "* * * * *", start: "2025-01-01T00:00:00Z", last: "2025-01-01T00:00:00Z",
			now:      "2026-01-01T00:00:30Z",
			want:     []iv{{"2025-12-31T23:59:00Z", "2026-01-01T00:00:00Z"}},
			wantWake: "2026-01-01T00:01:00Z",
		},
		{
			name: "weekly schedule without start_date finds the latest interval",
			spec: "0 0 * * 1", now: "2026-01-15T00:00:00Z",
			want:     []iv{{"2026-01-05T00:00:00Z", "2026-01-12T00:00:00Z"}},
			wantWake: "2026-01-19T00:00:00Z",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			in := coordinator.PlanInput{
				Location: tt.loc, Catchup: tt.catchup, Paused: tt.paused, Now: ts(t, tt.now), Max: tt.max,
			}
			if tt.spec != "" {
				in.Next = cronNext(t, tt.spec)
			}
			for _, f := range []struct {
				s   string
				dst *time.Time
			}{{tt.start, &in.StartDate}, {tt.end, &in.EndDate}, {tt.last, &in.Last}} {
				if f.s != "" {
					*f.dst = ts(t, f.s)
				}
			}
			p := coordinator.PlanRuns(in)
			got := make([]iv, 0, len(p.Intervals))
			for _, i := range p.Intervals {
				got = append(got, iv{i.Start.UTC().Format(time.RFC3339), i.End.UTC().Format(time.RFC3339)})
			}
			require.Equal(t, append([]iv{}, tt.want...), got)
			if tt.wantWake == "" {
				require.True(t, p.Wake.IsZero(), "wake %s, want never", p.Wake)
			} else {
				require.Equal(t, tt.wantWake, p.Wake.UTC().Format(time.RFC3339))
			}
		})
	}
}

// After a simulated 74-day outage a catchup DAG gets every missed day, oldest
// first, in ticks of at most DefaultMaxPerTick, with no gap and no repeat.
func TestPlanRunsCatchupAfterOutage(t *testing.T) {
	t.Parallel()
	next := cronNext(t, "0 2 * * *")
	last := ts(t, "2026-01-01T02:00:00Z")
	now := ts(t, "2026-03-17T12:00:00Z")
	var all []coordinator.Interval
	ticks := 0
	for ; ticks < 10; ticks++ {
		p := coordinator.PlanRuns(coordinator.PlanInput{Next: next, Catchup: true, Last: last, Now: now})
		require.LessOrEqual(t, len(p.Intervals), coordinator.DefaultMaxPerTick)
		all = append(all, p.Intervals...)
		if len(p.Intervals) == 0 {
			require.Equal(t, ts(t, "2026-03-18T02:00:00Z"), p.Wake)
			break
		}
		last = p.Intervals[len(p.Intervals)-1].Start
		if p.Wake.After(now) {
			require.Less(t, len(p.Intervals), coordinator.DefaultMaxPerTick)
		}
	}
	require.Len(t, all, 74, "Jan 2 .. Mar 16 inclusive")
	require.Equal(t, 3, ticks, "32 + 32 + 10, then an empty tick")
	prev := ts(t, "2026-01-01T02:00:00Z")
	for _, iv := range all {
		require.Equal(t, prev.Add(24*time.Hour), iv.Start)
		require.Equal(t, iv.Start.Add(24*time.Hour), iv.End)
		prev = iv.Start
	}
}

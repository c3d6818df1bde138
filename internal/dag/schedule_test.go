package dag

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func mustDAG(t *testing.T, src string) *DAG {
	t.Helper()
	dags, _, err := Parse("t.yaml", []byte(src), Options{})
	require.NoError(t, err)
	require.Len(t, dags, 1)
	return dags[0]
}

func ts(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

func TestNextIntervals(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		head  string
		after string
		want  []string // start/end pairs, RFC 3339 in UTC
	}{
		{"daily in progress", `schedule: "@daily"`, "2026-03-01T12:00:00Z",
			[]string{"2026-03-01T00:00:00Z", "2026-03-02T00:00:00Z", "2026-03-02T00:00:00Z", "2026-03-03T00:00:00Z"}},
		{"cron at 02:00", `schedule: "0 2 * * *"`, "2026-03-01T02:00:00Z",
			[]string{"2026-03-01T02:00:00Z", "2026-03-02T02:00:00Z", "2026-03-02T02:00:00Z", "2026-03-03T02:00:00Z"}},
		{"before start_date", "schedule: \"@daily\"\n  start_date: 2026-05-01", "2026-03-01T00:00:00Z",
			[]string{"2026-05-01T00:00:00Z", "2026-05-02T00:00:00Z", "2026-05-02T00:00:00Z", "2026-05-03T00:00:00Z"}},
		{"end_date stops", "schedule: \"@daily\"\n  start_date: 2026-01-01\n  end_date: 2026-03-02", "2026-03-01T12:00:00Z",
			[]string{"2026-03-01T00:00:00Z", "2026-03-02T00:00:00Z", "2026-03-02T00:00:00Z", "2026-03-03T00:00:00Z"}},
		{"timezone", "schedule: \"0 2 * * *\"\n  timezone: Europe/Paris", "2026-07-01T12:00:00Z",
			[]string{"2026-07-01T00:00:00Z", "2026-07-02T00:00:00Z", "2026-07-02T00:00:00Z", "2026-07-03T00:00:00Z"}},
		{"duration schedule", "schedule: 6h\n  start_date: 2026-01-01T01:00:00", "2026-01-01T08:00:00Z",
			[]string{"2026-01-01T07:00:00Z", "2026-01-01T13:00:00Z", "2026-01-01T13:00:00Z", "2026-01-01T19:00:00Z"}},
		{"manual", "schedule: null", "2026-01-01T00:00:00Z", nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			d := mustDAG(t, "x:\n  "+tc.head+"\n  tasks:\n    - task_id: a\n      operator: noop\n")
			got := d.NextIntervals(ts(tc.after), 2)
			var flat []string
			for _, iv := range got {
				flat = append(flat, iv.Start.UTC().Format(time.RFC3339), iv.End.UTC().Format(time.RFC3339))
				require.Equal(t, iv.Start, iv.LogicalDate())
			}
			require.Equal(t, tc.want, flat)
		})
	}
}

func TestIntervalsBetween(t *testing.T) {
	t.Parallel()
	d := mustDAG(t, "x:\n  schedule: \"@daily\"\n  start_date: 2026-01-03\n  end_date: 2026-01-06\n  tasks:\n    - task_id: a\n      operator: noop\n")
	got := d.IntervalsBetween(ts("2026-01-01T00:00:00Z"), ts("2026-01-10T00:00:00Z"), 100)
	require.Len(t, got, 4) // starts 3,4,5,6 (end_date is inclusive of interval starts)
	require.Equal(t, ts("2026-01-03T00:00:00Z"), got[0].Start.UTC())
	require.Equal(t, ts("2026-01-07T00:00:00Z"), got[3].End.UTC())
	require.Len(t, d.IntervalsBetween(ts("2026-01-01T00:00:00Z"), ts("2026-01-10T00:00:00Z"), 2), 2)
	require.Empty(t, d.IntervalsBetween(ts("2026-01-04T00:00:00Z"), ts("2026-01-04T12:00:00Z"), 10))
	require.Equal(t, Interval{Start: ts("2026-01-04T00:00:00Z"), End: ts("2026-01-05T00:00:00Z")},
		utc(d.IntervalAt(ts("2026-01-04T00:00:00Z"))))
	require.Equal(t, Interval{Start: ts("2026-01-04T03:00:00Z"), End: ts("2026-01-04T03:00:00Z")},
		utc(d.IntervalAt(ts("2026-01-04T03:00:00Z"))))
}

func utc(i Interval) Interval { return Interval{Start: i.Start.UTC(), End: i.End.UTC()} }

func TestRetryDelay(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		task Task
		try  int
		want time.Duration
	}{
		{"fixed", Task{RetryDelay: 30 * time.Second}, 5, 30 * time.Second},
		{"exp try 1", Task{RetryDelay: 30 * time.Second, RetryExponentialBackoff: true}, 1, 30 * time.Second},
		{"exp try 3", Task{RetryDelay: 30 * time.Second, RetryExponentialBackoff: true}, 3, 120 * time.Second},
		{"exp capped", Task{RetryDelay: 30 * time.Second, RetryExponentialBackoff: true, MaxRetryDelay: time.Minute}, 4, time.Minute},
		{"exp default cap 24h", Task{RetryDelay: time.Hour, RetryExponentialBackoff: true}, 40, 24 * time.Hour},
		{"exp zero delay is 1s", Task{RetryExponentialBackoff: true}, 1, time.Second},
		{"exp sub-second rounds up", Task{RetryDelay: 1500 * time.Millisecond, RetryExponentialBackoff: true}, 1, 2 * time.Second},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			require.Equal(t, tc.want, tc.task.RetryDelayFor(tc.try))
			j := tc.task.RetryDelayJitter("dag", ts("2026-11-28T00:00:00Z"), tc.try)
			require.GreaterOrEqual(t, j, tc.want)
			require.LessOrEqual(t, j, max(2*tc.want, tc.want))
			require.Equal(t, j, tc.task.RetryDelayJitter("dag", ts("2026-11-28T00:00:00Z"), tc.try), "deterministic")
		})
	}
	require.Equal(t, "2026-11-28 00:00:00+00:00", pythonDatetime(ts("2026-11-28T00:00:00Z")))
}

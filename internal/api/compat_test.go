package api

import (
	"net/url"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestParseTimeForms: the date-time forms Airflow's parameters accept,
// the official client's first among them.
func TestParseTimeForms(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 12, 1, 19, 20, 39, 0, time.UTC)
	tests := []struct {
		in   string
		want time.Time
	}{
		{"2026-12-01T19:20:39.000000+0000", at},
		{"2026-12-01T19:20:39Z", at},
		{"2026-12-01T19:20:39+00:00", at},
		{"2026-12-01T19:20:39.5Z", at.Add(500 * time.Millisecond)},
		{"2026-12-01T19:20:39.123456789123Z", at.Add(123456789)},
		{"2026-12-01T20:20:39+01:00", at},
		{"2026-12-01T20:20:39+0100", at},
		{"2026-12-01T20:20:39+01", at},
		{"2026-12-01T18:20:39-01:00", at},
		{"2026-12-01 19:20:39", at},
		{"2026-12-01t19:20:39z", at},
		{"2026-12-01T19:20", at.Add(-39 * time.Second)},
		{"2026-12-01", time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)},
		{"1796152839", at},
		{"1796152839000", at},
	}
	for _, tc := range tests {
		got, err := parseTime(tc.in)
		require.NoError(t, err, tc.in)
		require.True(t, tc.want.Equal(got), "%s: got %s, want %s", tc.in, got, tc.want)
	}
	for _, bad := range []string{"never", "2026-13-01", "2026-02-30T00:00:00Z", "2026-12-01T25:00:00Z", "2026-12-01T19:20:39+25:00", "2026-12-01T19:20:39 UTC", "12/01/2026"} {
		_, err := parseTime(bad)
		require.Error(t, err, bad)
	}
}

// TestDatetimeFiltersAsTheClientSends: a list filter written the way the
// official client writes it answers 200 and filters.
func TestDatetimeFiltersAsTheClientSends(t *testing.T) {
	t.Parallel()
	b := setup(t)
	trigger(t, b, "nightly_sites", "r1") // logical date 2026-11-27T00:00:00Z
	for _, v := range []string{"2026-11-26T19:20:39.000000+0000", "2026-11-26T19:20:39Z", "2026-11-26T19:20:39+00:00", "2026-11-26"} {
		res := b.req(t, "GET", "/api/v2/dags/~/dagRuns?logical_date_gte="+url.QueryEscape(v), rd, nil)
		require.Equal(t, 200, res.status, "%s: %s", v, res.body)
		require.InDelta(t, 1, res.json(t)["total_entries"], 0, v)
		res = b.req(t, "GET", "/api/v2/dags/~/dagRuns?logical_date_lt="+url.QueryEscape(v), rd, nil)
		require.Equal(t, 200, res.status, "%s: %s", v, res.body)
		require.InDelta(t, 0, res.json(t)["total_entries"], 0, v)
	}
	res := b.req(t, "POST", "/api/v2/dags/nightly_sites/dagRuns", trg, map[string]any{"dag_run_id": "client", "logical_date": "2026-12-01T19:20:39.000000+0000"})
	require.Equal(t, 200, res.status, string(res.body))
	require.Equal(t, "2026-12-01T19:20:39Z", res.json(t)["logical_date"])
}

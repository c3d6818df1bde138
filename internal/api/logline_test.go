package api

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"
)

// A structured entry survives JSON both ways and prints back as the slog
// text line it came from (the CLI shows logs and reads a try's error so).
func TestStructuredLogRoundTrip(t *testing.T) {
	var prev time.Time
	for _, line := range []string{
		`time=2026-12-07T02:27:34.288Z level=INFO msg="try succeeded" dag_id=pipeline run_id=ui1 task_id=report try=1`,
		`time=2026-12-07T02:27:34.288Z level=ERROR msg="try failed" error="boom: on purpose" task_id=t`,
	} {
		m := parseLogLine(line, &prev)
		b, err := json.Marshal(m)
		if err != nil {
			t.Fatal(err)
		}
		var back StructuredLogMessage
		if err := json.Unmarshal(b, &back); err != nil {
			t.Fatal(err)
		}
		// attributes come back sorted by key
		if got, want := back.String(), sortedAttrs(line); got != want {
			t.Errorf("round trip:\n got %s\nwant %s", got, want)
		}
	}
}

// sortedAttrs sorts the attributes after msg of a slog text line.
func sortedAttrs(line string) string {
	attrs, _ := logfmt(line)
	head, rest := attrs[:3], attrs[3:]
	slices.SortFunc(rest, func(a, b [2]string) int { return strings.Compare(a[0], b[0]) })
	var parts []string
	for _, kv := range append(head, rest...) {
		parts = append(parts, kv[0]+"="+logValue(kv[1]))
	}
	return strings.Join(parts, " ")
}

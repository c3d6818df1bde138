package dag

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// FuzzParse feeds arbitrary bytes to the loader: it must never panic, every
// error must be an ErrorList of positioned errors, and a DAG it accepts must
// be internally consistent.
func FuzzParse(f *testing.F) {
	for _, glob := range []string{"testdata/valid/*.yaml", "testdata/errors/*.yaml", "../../dags/*.yaml"} {
		files, _ := filepath.Glob(glob)
		for _, name := range files {
			if b, err := os.ReadFile(name); err == nil {
				f.Add(b)
			}
		}
	}
	f.Add(billionLaughs())
	f.Add([]byte("a: &a {b: *a}"))
	f.Add([]byte("x:\n  <<: [*y]\n"))
	f.Fuzz(func(t *testing.T, src []byte) {
		dags, _, err := Parse("f.yaml", src, testOptions())
		if err != nil {
			var l ErrorList
			if !errors.As(err, &l) || len(l) == 0 {
				t.Fatalf("error is not a non-empty ErrorList: %T %v", err, err)
			}
		}
		for _, d := range dags {
			seen := map[string]bool{}
			for _, task := range d.Tasks {
				for _, u := range task.Upstream {
					if !seen[u] {
						t.Fatalf("task %q runs before its upstream %q", task.ID, u)
					}
				}
				seen[task.ID] = true
				_ = task.RetryDelayFor(3)
			}
			_ = d.NextIntervals(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), 2)
		}
	})
}

// FuzzDuration checks the duration parser never panics or goes negative.
func FuzzDuration(f *testing.F) {
	for _, s := range []string{"30s", "10m", "2h", "1h30m", "1d", "5 minutes", "1.5", "", "9999999999999h"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if d, err := parseDurationString(s); err == nil && d < 0 {
			t.Fatalf("%q parsed to negative %v", s, d)
		}
	})
}

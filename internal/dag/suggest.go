package dag

import (
	"fmt"
	"sort"

	"github.com/dagworker/dagworker/internal/textdist"
)

// suggest returns the candidate closest to name when it is close enough to
// be a likely typo (distance at most 2, or a third of the name's length),
// else "". Ties go to the alphabetically first candidate.
func suggest(name string, candidates []string) string {
	if len(name) > 100 {
		return ""
	}
	sorted := append([]string(nil), candidates...)
	sort.Strings(sorted)
	best, bestD := "", -1
	for _, c := range sorted {
		if c == name || len(c) > 100 {
			continue
		}
		d := textdist.Levenshtein(name, c)
		if bestD < 0 || d < bestD {
			best, bestD = c, d
		}
	}
	limit := textdist.Limit(name)
	if bestD < 0 || bestD > limit || bestD >= len(name) {
		return ""
	}
	return best
}

// didYouMean formats a " (did you mean "x"?)" suffix, or "" when nothing is close.
func didYouMean(name string, candidates []string) string {
	if s := suggest(name, candidates); s != "" {
		return fmt.Sprintf(" (did you mean %q?)", s)
	}
	return ""
}

// DidYouMean is the " (did you mean "x"?)" suffix for name among
// candidates, or "" when none is close: the hint of the package's own
// messages, for callers checking names the package does not know.
func DidYouMean(name string, candidates []string) string { return didYouMean(name, candidates) }

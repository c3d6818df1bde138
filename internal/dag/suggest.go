package dag

import (
	"fmt"
	"sort"
)

// levenshtein is the edit distance between a and b (bytes; the names it
// compares are ASCII identifiers).
func levenshtein(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

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
		d := levenshtein(name, c)
		if bestD < 0 || d < bestD {
			best, bestD = c, d
		}
	}
	limit := max(2, len(name)/3)
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

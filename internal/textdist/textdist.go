// Package textdist measures how far apart two short names are, for the
// "did you mean" hints of the DAG loader and the command line.
package textdist

// Levenshtein is the edit distance between a and b, in bytes (the names it
// compares are ASCII identifiers, flags and commands).
func Levenshtein(a, b string) int {
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

// Limit is the largest distance at which a candidate still reads as a typo
// of name: 2, or a third of the name's length when that is more.
func Limit(name string) int { return max(2, len(name)/3) }

package textdist

import "testing"

func TestLevenshtein(t *testing.T) {
	for _, tc := range []struct {
		a, b string
		want int
	}{
		{"", "", 0},
		{"", "abc", 3},
		{"abc", "", 3},
		{"trigger", "trigger", 0},
		{"triger", "trigger", 1},
		{"tirgger", "trigger", 2},
		{"kitten", "sitting", 3},
		{"--redis-url", "--redis-uri", 1},
	} {
		if got := Levenshtein(tc.a, tc.b); got != tc.want {
			t.Errorf("Levenshtein(%q, %q) = %d, want %d", tc.a, tc.b, got, tc.want)
		}
		if got := Levenshtein(tc.b, tc.a); got != tc.want {
			t.Errorf("Levenshtein(%q, %q) = %d, want %d (symmetric)", tc.b, tc.a, got, tc.want)
		}
	}
}

func TestLimit(t *testing.T) {
	for name, want := range map[string]int{"": 2, "ab": 2, "schedule": 2, "max_active_runs": 5} {
		if got := Limit(name); got != want {
			t.Errorf("Limit(%q) = %d, want %d", name, got, want)
		}
	}
}

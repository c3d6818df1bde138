package render

import (
	"sort"
	"strconv"
	"strings"
	"unicode"
)

// unshapedScripts are the scripts the report draws letter by letter:
// right-to-left scripts (letters in logical, not visual, order and Arabic
// unjoined) and scripts whose letters combine into clusters. gopdf places
// one glyph per character and shapes nothing, so pages in these scripts are
// marked and counted, not drawn as if they were right.
var unshapedScripts = []struct {
	name  string
	table *unicode.RangeTable
}{
	{"Arabic", unicode.Arabic}, {"Hebrew", unicode.Hebrew}, {"Syriac", unicode.Syriac}, {"Thaana", unicode.Thaana},
	{"Devanagari", unicode.Devanagari}, {"Bengali", unicode.Bengali}, {"Gurmukhi", unicode.Gurmukhi},
	{"Gujarati", unicode.Gujarati}, {"Tamil", unicode.Tamil}, {"Telugu", unicode.Telugu}, {"Kannada", unicode.Kannada},
	{"Malayalam", unicode.Malayalam}, {"Sinhala", unicode.Sinhala}, {"Thai", unicode.Thai}, {"Lao", unicode.Lao},
	{"Khmer", unicode.Khmer}, {"Myanmar", unicode.Myanmar}, {"Tibetan", unicode.Tibetan},
}

// scriptsIn names the unshaped scripts of the texts, in table order.
func scriptsIn(texts ...string) []string {
	var found []string
	for _, s := range unshapedScripts {
		for _, t := range texts {
			if strings.IndexFunc(t, func(r rune) bool { return unicode.Is(s.table, r) }) >= 0 {
				found = append(found, s.name)
				break
			}
		}
	}
	return found
}

// unshapedFact is the run fact that says which pages the report could not
// shape ("" when none).
func unshapedFact(counts map[string]int, pages int) string {
	if pages == 0 {
		return ""
	}
	names := make([]string, 0, len(counts))
	for n := range counts {
		names = append(names, n)
	}
	sort.Strings(names)
	return strings.Join(names, ", ") + " text on " + strconv.Itoa(pages) + " pages is drawn letter by letter, not shaped (right-to-left order and joining are not applied)"
}

package scrape

import (
	"strings"
	"unicode"
)

// docLang normalises an <html lang> value to its primary language subtag
// ("de-AT" → "de"); it returns "" for a missing or malformed value.
func docLang(v string) string {
	v = strings.TrimSpace(v)
	primary, _, _ := strings.Cut(v, "-")
	primary, _, _ = strings.Cut(primary, "_")
	if len(primary) < 2 || len(primary) > 3 {
		return ""
	}
	for _, r := range primary {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z') {
			return ""
		}
	}
	return strings.ToLower(primary)
}

// detectSample bounds the text the detector reads.
const detectSample = 4096

// scriptLangs maps a dominant non-Latin script to a language.
var scriptLangs = []struct {
	table *unicode.RangeTable
	lang  string
}{
	{unicode.Hiragana, "ja"}, {unicode.Katakana, "ja"}, {unicode.Hangul, "ko"},
	{unicode.Han, "zh"}, {unicode.Cyrillic, "ru"}, {unicode.Greek, "el"},
	{unicode.Arabic, "ar"}, {unicode.Hebrew, "he"}, {unicode.Thai, "th"},
	{unicode.Devanagari, "hi"}, {unicode.Armenian, "hy"}, {unicode.Georgian, "ka"},
}

// stopwords are frequent short words per Latin-script language.
var stopwords = map[string][]string{
	"en": {"the", "and", "is", "are", "of", "to", "in", "that", "it", "was", "with", "for", "this", "from", "our", "has", "have", "their"},
	"de": {"der", "die", "das", "und", "ist", "sind", "nicht", "mit", "ein", "eine", "den", "dem", "hat", "haben", "wird", "auf", "sich", "aus", "unsere", "dies"},
	"fr": {"le", "la", "les", "et", "est", "des", "une", "un", "du", "en", "que", "qui", "pour", "dans", "sont", "ont", "a", "au", "aux", "notre", "voici", "ce"},
	"es": {"el", "la", "los", "las", "y", "es", "de", "que", "del", "en", "un", "una", "por", "con", "para", "está", "están", "fue", "nuestro", "nuestra", "este"},
	"pl": {"i", "w", "się", "jest", "są", "nie", "na", "z", "że", "do", "to", "a", "po", "był", "była", "były", "naszej", "nasza", "ten", "oraz"},
	"it": {"il", "lo", "gli", "e", "è", "di", "che", "della", "delle", "un", "una", "per", "con", "sono", "nel", "nella"},
	"pt": {"o", "os", "as", "e", "é", "de", "que", "do", "da", "um", "uma", "para", "com", "não", "são", "foi"},
	"nl": {"de", "het", "een", "en", "is", "van", "dat", "niet", "zijn", "op", "met", "voor", "ook", "wordt"},
}

// letterHints are letters that point to one language.
var letterHints = map[rune]string{
	'ß': "de", 'ä': "de", 'ö': "de", 'ü': "de",
	'ł': "pl", 'ą': "pl", 'ę': "pl", 'ś': "pl", 'ż': "pl", 'ź': "pl", 'ć': "pl", 'ń': "pl",
	'ñ': "es", '¿': "es", '¡': "es",
	'ç': "fr", 'è': "fr", 'ê': "fr", 'â': "fr", 'ô': "fr", 'î': "fr", 'œ': "fr", 'à': "fr",
	'ã': "pt", 'õ': "pt",
}

var stopIndex = func() map[string][]string {
	idx := map[string][]string{}
	for lang, words := range stopwords {
		for _, w := range words {
			idx[w] = append(idx[w], lang)
		}
	}
	return idx
}()

// detectLang guesses the language of text: by script for non-Latin text
// (kana means Japanese even among Han characters; Cyrillic with і, ї, є or
// ґ is Ukrainian), by stopwords and characteristic letters for Latin
// text. It returns "" when it cannot tell.
func detectLang(text string) string {
	if len(text) > detectSample {
		text = text[:detectSample]
	}
	scripts := map[string]int{}
	latin := 0
	for _, r := range text {
		if !unicode.IsLetter(r) {
			continue
		}
		if unicode.Is(unicode.Latin, r) {
			latin++
			continue
		}
		for _, s := range scriptLangs {
			if unicode.Is(s.table, r) {
				scripts[s.lang]++
				break
			}
		}
	}
	best, bestN := "", 0
	for lang, n := range scripts {
		if n > bestN || n == bestN && lang < best {
			best, bestN = lang, n
		}
	}
	if scripts["ja"] > 0 && (best == "zh" || best == "ja") {
		best, bestN = "ja", scripts["ja"]+scripts["zh"]
	}
	if bestN > latin {
		if best == "ru" && strings.ContainsAny(text, "іїєґІЇЄҐ") {
			return "uk"
		}
		return best
	}
	if latin == 0 {
		return ""
	}
	return detectLatin(text)
}

func detectLatin(text string) string {
	score := map[string]int{}
	for _, w := range strings.FieldsFunc(strings.ToLower(text), func(r rune) bool { return !unicode.IsLetter(r) && r != '\'' }) {
		for _, lang := range stopIndex[w] {
			score[lang] += 2
		}
		if i := strings.IndexByte(w, '\''); i > 0 && i <= 2 { // French elision: l', d', qu'
			score["fr"]++
		}
	}
	for _, r := range strings.ToLower(text) {
		if lang, ok := letterHints[r]; ok {
			score[lang]++
		}
	}
	best, bestN := "", 0
	for lang, n := range score {
		if n > bestN || n == bestN && lang < best {
			best, bestN = lang, n
		}
	}
	return best
}

package onnxgen

import "strings"

// lexiconLang is the sentiment lexicon of one language. Entries are written
// as people write them (the vocabulary holds their normalised forms, see
// Normalize) and are word beginnings: WordPiece matches the longest
// vocabulary token at the start of a word, so a stem such as "wspaniał"
// also scores "wspaniałe" and "wspaniałym" (stem + ending pieces). An entry
// written "##x" matches only inside a word (German compounds:
// "Rekordgewinne"). Han ideographs are single tokens (the normaliser splits
// them), so Japanese entries are single kanji or kana words.
type lexiconLang struct {
	code string
	// inner also adds every kana or hangul entry as a "##" piece, so it is
	// found inside a run of text with no spaces ("がひどい").
	inner bool
	// positive and negative are the opinion words.
	positive, negative []string
	// neutral words are whole-word tokens with no score that keep a longer
	// word from being read as an opinion word it starts with ("bienvenue"
	// is not "bien").
	neutral []string
	// endings are common inflection endings, added as "##" pieces so a stem
	// plus ending tokenizes as stem + ending rather than letter by letter.
	endings []string
}

// lexiconEntry is one normalised vocabulary token of the lexicon.
type lexiconEntry struct {
	lang     string
	written  string  // as written in the lexicon
	token    string  // normalised vocabulary token ("##" prefix for inner pieces)
	polarity float32 // +1 positive, -1 negative, 0 neutral
}

// lexicon is the demo model's sentiment lexicon, one table per language of
// the demo site.
func lexicon() []lexiconLang {
	return []lexiconLang{
		english, german, french, spanish, polish, russian, greek, japanese, korean,
	}
}

// lexiconEntries lists every token the lexicon contributes, in a fixed
// order: per language, positive, negative and neutral words.
func lexiconEntries() []lexiconEntry {
	var out []lexiconEntry
	for _, l := range lexicon() {
		for _, list := range []struct {
			words    []string
			polarity float32
		}{{l.positive, 1}, {l.negative, -1}, {l.neutral, 0}} {
			for _, w := range list.words {
				inner := strings.HasPrefix(w, "##")
				tok := Normalize(strings.TrimPrefix(w, "##"))
				if inner {
					out = append(out, lexiconEntry{lang: l.code, written: w, token: "##" + tok, polarity: list.polarity})
					continue
				}
				out = append(out, lexiconEntry{lang: l.code, written: w, token: tok, polarity: list.polarity})
				if l.inner && list.polarity != 0 && !hasHan(tok) {
					out = append(out, lexiconEntry{lang: l.code, written: w, token: "##" + tok, polarity: list.polarity})
				}
			}
		}
	}
	return out
}

// lexiconEndings lists every language's ending pieces ("##" + normalised
// ending), without duplicates.
func lexiconEndings() []string {
	seen := map[string]bool{}
	var out []string
	for _, l := range lexicon() {
		for _, e := range l.endings {
			tok := "##" + Normalize(e)
			if !seen[tok] {
				seen[tok] = true
				out = append(out, tok)
			}
		}
	}
	return out
}

func hasHan(s string) bool {
	for _, r := range s {
		if isHan(r) {
			return true
		}
	}
	return false
}

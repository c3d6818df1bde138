package onnxgen

import (
	"math"
	"sort"
	"strings"
	"unicode"

	"github.com/dagworker/dagworker/internal/demosite"
)

// SentimentVocab is the demo sentiment model's own vocabulary: the
// lexicon's tokens, single characters and ending pieces, and the words of
// the demo site; Polarity holds each token's score (+1, -1 or 0) by id.
type SentimentVocab struct {
	*Vocab
	Polarity []float32
}

// Score is the sum of the polarities of text's tokens and the number of
// opinion tokens in it.
func (sv *SentimentVocab) Score(text string) (sum float32, opinions int) {
	for _, tok := range sv.Tokenize(text) {
		if p := sv.Polarity[sv.ID(tok)]; p != 0 {
			sum += p
			opinions++
		}
	}
	return sum, opinions
}

// Positive is the probability of POSITIVE the Sentiment model gives text:
// softmax(±k · mean) = sigmoid(2k · Σscore / (Σweight + eps)).
func (sv *SentimentVocab) Positive(text string) float64 {
	sum, n := sv.Score(text)
	mean := float64(sum) / (float64(n) + sentimentEps)
	return 1 / (1 + math.Exp(-2*sentimentGain*mean))
}

// charRanges are the scripts whose every letter is a token (and a "##"
// piece), so no word of these scripts is [UNK]: Latin, Greek, Cyrillic,
// kana and the conjoining hangul jamo the normaliser's NFD produces.
var charRanges = [][2]rune{
	{'0', '9'}, {'a', 'z'}, {0x00C0, 0x024F}, {0x0370, 0x03FF}, {0x0400, 0x045F},
	{0x3041, 0x3096}, {0x30A1, 0x30FA}, {0x30FC, 0x30FC}, {0x1100, 0x1112}, {0x1161, 0x1175}, {0x11A8, 0x11C2},
}

// punctuation are punctuation and symbol tokens besides those of the demo
// site's text (punctuation is always a word of its own; symbols such as €
// also get a "##" piece, for "10€").
const punctuation = "€£¥₽₩°%№×!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~¡¿«»‹›‘’‚“”„–—…·、。〈〉《》「」『』【】〔〕・！（），．：；？～"

// BuildSentimentVocab builds the demo model's vocabulary in four steps:
//  1. the base: special tokens, the lexicon (with its polarities), ending
//     pieces, and every letter of charRanges and of the demo site's text as
//     a word-initial token and a "##" piece (punctuation and Han ideographs,
//     always words of their own, only word-initial);
//  2. each word of the demo site (except kana runs, which stay pieces) as a
//     whole token when the base tokenizes it with at most one opinion
//     piece, taking that piece's polarity;
//  3. dropping any whole word that changes how another site word is scored
//     (a whole word can hide an opinion piece inside a longer word), until
//     none does;
//  4. ids in that order.
func BuildSentimentVocab() *SentimentVocab {
	v := &Vocab{ids: map[string]int{}}
	polarity := map[string]float32{}
	for _, t := range specialTokens {
		v.add(t)
	}
	for _, e := range lexiconEntries() {
		if _, ok := v.ids[e.token]; ok {
			continue // the first language's polarity wins; TestLexiconConsistent forbids conflicts
		}
		v.add(e.token)
		polarity[e.token] = e.polarity
	}
	for _, e := range lexiconEndings() {
		v.add(e)
	}
	texts := siteTexts()
	for _, c := range baseChars(texts) {
		v.add(c)
		if !isPunct([]rune(c)[0]) && !isHan([]rune(c)[0]) {
			v.add(continuation + c)
		}
	}
	base := v.clone()

	words := siteWords(texts)
	var whole []string
	for _, w := range words {
		if _, ok := base.ids[w]; ok || hasKana(w) {
			continue
		}
		sum, n := scoreTokens(base.WordPiece(w), polarity)
		if n <= 1 {
			whole = append(whole, w)
			polarity[w] = sum
		}
	}
	dropped := map[string]bool{}
	for {
		full := base.clone()
		for _, w := range whole {
			if !dropped[w] {
				full.add(w)
			}
		}
		changed := false
		for _, w := range words {
			if sameScores(base.WordPiece(w), full.WordPiece(w), polarity) {
				continue
			}
			first := full.WordPiece(w)[0]
			if _, inBase := base.ids[first]; !inBase && !dropped[first] {
				dropped[first] = true
				changed = true
			}
		}
		if !changed {
			p := make([]float32, len(full.Tokens))
			for i, tok := range full.Tokens {
				p[i] = polarity[tok]
			}
			return &SentimentVocab{Vocab: full, Polarity: p}
		}
	}
}

func (v *Vocab) clone() *Vocab {
	c := &Vocab{Tokens: append([]string(nil), v.Tokens...), ids: make(map[string]int, len(v.ids))}
	for k, id := range v.ids {
		c.ids[k] = id
	}
	return c
}

func scoreTokens(toks []string, polarity map[string]float32) (sum float32, opinions int) {
	for _, t := range toks {
		if p := polarity[t]; p != 0 {
			sum += p
			opinions++
		}
	}
	return sum, opinions
}

// sameScores reports whether two tokenizations of a word carry the same
// opinion polarities in the same order.
func sameScores(a, b []string, polarity map[string]float32) bool {
	var pa, pb []float32
	for _, t := range a {
		if p := polarity[t]; p != 0 {
			pa = append(pa, p)
		}
	}
	for _, t := range b {
		if p := polarity[t]; p != 0 {
			pb = append(pb, p)
		}
	}
	if len(pa) != len(pb) {
		return false
	}
	for i := range pa {
		if pa[i] != pb[i] {
			return false
		}
	}
	return true
}

// siteTexts is every text of the demo site: each page's main text and
// title, and the labelled corpus.
func siteTexts() []string {
	var out []string
	for _, p := range demosite.Pages(demosite.Config{}) {
		out = append(out, p.Title, p.Text)
	}
	for _, s := range demosite.Corpus() {
		out = append(out, s.Text)
	}
	return out
}

// siteWords lists the distinct normalised words of texts in order of first
// appearance.
func siteWords(texts []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, t := range texts {
		for _, w := range PreTokenize(NormalizeText(t)) {
			if !seen[w] {
				seen[w] = true
				out = append(out, w)
			}
		}
	}
	return out
}

// baseChars lists the normalised single characters of charRanges, of the
// lexicon, of punctuation and of texts, sorted.
func baseChars(texts []string) []string {
	set := map[string]bool{}
	addAll := func(s string) {
		for _, r := range s {
			if !isWhitespace(r) && !isControl(r) {
				set[string(r)] = true
			}
		}
	}
	for _, rg := range charRanges {
		for r := rg[0]; r <= rg[1]; r++ {
			if unicode.IsLetter(r) || unicode.IsDigit(r) {
				addAll(Normalize(string(r)))
			}
		}
	}
	for _, e := range lexiconEntries() {
		addAll(strings.TrimPrefix(e.token, continuation))
	}
	addAll(Normalize(punctuation))
	for _, t := range texts {
		addAll(NormalizeText(t))
	}
	out := make([]string, 0, len(set))
	for c := range set {
		out = append(out, c)
	}
	sort.Strings(out)
	return out
}

func hasKana(s string) bool {
	for _, r := range s {
		if unicode.In(r, unicode.Hiragana, unicode.Katakana) || r == 0x30FC {
			return true
		}
	}
	return false
}

package classify

import (
	"encoding/json"
	"strings"
	"unicode/utf8"

	"github.com/sugarme/tokenizer"
	"github.com/sugarme/tokenizer/normalizer"
)

// fixNormalizer makes hugot's Go tokenizer normalise like Hugging Face's
// Rust tokenizer. For a BertNormalizer that lowercases and does not
// explicitly keep accents (strip_accents null or true), HF decomposes (NFD)
// and drops combining marks, so "déjà" becomes "deja"; the Go port only
// drops marks without decomposing, leaving precomposed letters that the
// vocabulary lacks ([UNK]). It is replaced by the equivalent
// Sequence[BertNormalizer(strip_accents=false), NFD, StripAccents].
// It reports whether the normaliser was replaced.
func fixNormalizer(tk *tokenizer.Tokenizer, tokenizerJSON []byte) (bool, error) {
	var doc struct {
		Normalizer *struct {
			Type               string `json:"type"`
			CleanText          *bool  `json:"clean_text"`
			HandleChineseChars *bool  `json:"handle_chinese_chars"`
			StripAccents       *bool  `json:"strip_accents"`
			Lowercase          *bool  `json:"lowercase"`
		} `json:"normalizer"`
	}
	if err := json.Unmarshal(tokenizerJSON, &doc); err != nil {
		return false, err
	}
	n := doc.Normalizer
	if n == nil || n.Type != "BertNormalizer" {
		return false, nil
	}
	lower := n.Lowercase == nil || *n.Lowercase // HF default: true
	strip := lower
	if n.StripAccents != nil {
		strip = *n.StripAccents
	}
	if !strip {
		return false, nil
	}
	clean := n.CleanText == nil || *n.CleanText
	chinese := n.HandleChineseChars == nil || *n.HandleChineseChars
	tk.WithNormalizer(normalizer.NewSequence([]normalizer.Normalizer{
		normalizer.NewBertNormalizer(clean, lower, chinese, false),
		normalizer.NewNFD(),
		normalizer.NewStripAccents(),
	}))
	return true, nil
}

// setMaxTokens makes the tokenizer truncate to n tokens including the
// special tokens, so the final [SEP] is kept (hugot's own cut at
// max_position_embeddings drops it). The caller holds l.mu.
func (l *loaded) setMaxTokens(n int) {
	l.tk.WithTruncation(&tokenizer.TruncationParams{MaxLength: n, Strategy: tokenizer.LongestFirst})
	l.hmodel.Tokenizer.MaxAllowedTokens = n
}

// precut bounds the text handed to the tokenizer: no token is shorter than
// one character, so maxTokens*16 bytes keep every token truncation would
// keep while sparing the tokenizer megabytes of page text.
func precut(text string, maxTokens int) string {
	text = strings.ToValidUTF8(text, "\uFFFD")
	limit := maxTokens * 16
	if len(text) <= limit {
		return text
	}
	for limit > 0 && !utf8.RuneStart(text[limit]) {
		limit--
	}
	return text[:limit]
}

// truncateTokens cuts text so that it encodes to at most n tokens without
// special tokens, at a token boundary (byte offsets from the tokenizer). The
// caller holds l.mu and has disabled truncation.
func (l *loaded) truncateTokens(text string, n int) string {
	for range 3 {
		enc, err := l.tk.EncodeSingle(text, false)
		if err != nil || len(enc.Ids) <= n {
			return text
		}
		end := 0
		if n > 0 && n-1 < len(enc.Offsets) {
			end = enc.Offsets[n-1][1]
		}
		if end <= 0 || end >= len(text) {
			end = len(text) * n / len(enc.Ids) // offsets unusable: cut proportionally
		}
		for end > 0 && end < len(text) && !utf8.RuneStart(text[end]) {
			end--
		}
		text = text[:end]
	}
	return text
}

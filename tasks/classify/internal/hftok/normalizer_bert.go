package hftok

import (
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// bertNormalizer is Hugging Face's BertNormalizer: clean text, pad CJK
// ideographs with spaces, strip accents (NFD then drop Mn), lowercase.
type bertNormalizer struct {
	cleanText, chinese, stripAccents, lowercase bool
}

func (n bertNormalizer) normalize(s string) string {
	if n.cleanText {
		s = strings.Map(func(r rune) rune {
			if r == 0 || r == 0xFFFD || bertIsControl(r) {
				return -1
			}
			if bertIsWhitespace(r) {
				return ' '
			}
			return r
		}, s)
	}
	if n.chinese {
		var b strings.Builder
		b.Grow(len(s))
		for _, r := range s {
			if IsChineseChar(r) {
				b.WriteByte(' ')
				b.WriteRune(r)
				b.WriteByte(' ')
				continue
			}
			b.WriteRune(r)
		}
		s = b.String()
	}
	if n.stripAccents {
		s = strings.Map(func(r rune) rune {
			if isMarkNonspacing8(r) {
				return -1
			}
			return r
		}, normalize9(norm.NFD, s))
	}
	if n.lowercase {
		s = lowerRust(s)
	}
	return s
}

func bertIsWhitespace(r rune) bool {
	return r == '\t' || r == '\n' || r == '\r' || unicode.IsSpace(r)
}

func bertIsControl(r rune) bool {
	if r == '\t' || r == '\n' || r == '\r' {
		return false
	}
	return isOther8(r)
}

// IsChineseChar reports the CJK ideographs BertNormalizer's
// handle_chinese_chars puts spaces around (not kana or hangul).
func IsChineseChar(r rune) bool {
	switch {
	case r >= 0x4E00 && r <= 0x9FFF, r >= 0x3400 && r <= 0x4DBF, r >= 0x20000 && r <= 0x2A6DF,
		r >= 0x2A700 && r <= 0x2B73F, r >= 0x2B740 && r <= 0x2B81F, r >= 0x2B920 && r <= 0x2CEAF,
		r >= 0xF900 && r <= 0xFAFF, r >= 0x2F800 && r <= 0x2FA1F:
		return true
	}
	return false
}

package hftok

import "unicode"

// isRustWord is the Rust regex crate's Unicode \w as the reference has it.
func isRustWord(r rune) bool {
	if r < 0x80 {
		return baseWord(r)
	}
	return refAdjust(baseWord(r), r, refWordExtra, refWordMissing)
}

// isNumeric is Rust's char::is_numeric (general category N) as the
// reference has it.
func isNumeric(r rune) bool {
	return refAdjust(unicode.IsNumber(r), r, refNumericExtra, refNumericMissing)
}

// onigLetter is Oniguruma's \p{L} as the reference has it.
func onigLetter(r rune) bool {
	return refAdjust(unicode.IsLetter(r), r, refLetterExtra, refLetterMissing)
}

// onigNumber is Oniguruma's \p{N} as the reference has it.
func onigNumber(r rune) bool {
	return refAdjust(unicode.IsNumber(r), r, refNumberExtra, refNumberMissing)
}

func refAdjust(base bool, r rune, extra, missing *unicode.RangeTable) bool {
	if r < 0x80 {
		return base
	}
	if base {
		return !unicode.Is(missing, r)
	}
	return unicode.Is(extra, r)
}

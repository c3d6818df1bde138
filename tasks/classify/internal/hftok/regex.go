package hftok

import (
	"fmt"
	"regexp"
	"strings"
)

// Oniguruma's Unicode \s, \w and \d as Go character-class bodies.
const (
	onigSpace = `\t\n\v\f\r \x{85}\x{a0}\x{1680}\x{2000}-\x{200a}\x{2028}\x{2029}\x{202f}\x{205f}\x{3000}`
	onigWord  = `\p{L}\p{M}\p{Nd}\p{Pc}`
	onigDigit = `\p{Nd}`
)

// compileOnig compiles a pattern written for Oniguruma (Ruby syntax, as
// the Rust tokenizers use) with Go's regexp, translating what differs:
// \d, \w, \s and their negations are Unicode classes, ^ and $ are line
// anchors. Anything it cannot translate exactly is refused: word
// boundaries, negated classes inside brackets, and every construct Go's
// regexp does not compile (lookaround, backreferences, possessive and
// atomic groups, \h, \A-style Oniguruma-only escapes Go lacks).
func compileOnig(pattern string) (*regexp.Regexp, error) {
	var b strings.Builder
	inClass := false
	for i := 0; i < len(pattern); i++ {
		c := pattern[i]
		switch {
		case c == '\\' && i+1 < len(pattern):
			e := pattern[i+1]
			i++
			switch e {
			case 'd', 'w', 's':
				body := map[byte]string{'d': onigDigit, 'w': onigWord, 's': onigSpace}[e]
				if inClass {
					b.WriteString(body)
				} else {
					b.WriteString("[" + body + "]")
				}
			case 'D', 'W', 'S':
				if inClass {
					return nil, fmt.Errorf("%w: regex %q: negated class \\%c inside brackets", ErrUnsupported, pattern, e)
				}
				body := map[byte]string{'D': onigDigit, 'W': onigWord, 'S': onigSpace}[e]
				b.WriteString("[^" + body + "]")
			case 'b', 'B', 'G', 'h', 'H', 'R', 'X', 'K', 'k', 'g', 'y', 'Y', 'O', 'N':
				return nil, fmt.Errorf("%w: regex %q: \\%c", ErrUnsupported, pattern, e)
			default:
				b.WriteByte('\\')
				b.WriteByte(e)
			}
		case c == '[' && !inClass:
			inClass = true
			b.WriteByte(c)
			if i+1 < len(pattern) && pattern[i+1] == '^' {
				b.WriteByte('^')
				i++
			}
			if i+1 < len(pattern) && pattern[i+1] == ']' {
				b.WriteString(`\]`)
				i++
			}
		case c == '[' && inClass:
			if i+1 < len(pattern) && pattern[i+1] == ':' {
				return nil, fmt.Errorf("%w: regex %q: POSIX bracket", ErrUnsupported, pattern)
			}
			return nil, fmt.Errorf("%w: regex %q: nested character class", ErrUnsupported, pattern)
		case c == ']' && inClass:
			inClass = false
			b.WriteByte(c)
		case c == '&' && inClass && i+1 < len(pattern) && pattern[i+1] == '&':
			return nil, fmt.Errorf("%w: regex %q: class intersection", ErrUnsupported, pattern)
		case c == '^' && !inClass:
			b.WriteString("(?m:^)")
		case c == '$' && !inClass:
			b.WriteString("(?m:$)")
		case c == '(' && !inClass && i+2 < len(pattern) && pattern[i+1] == '?' &&
			strings.ContainsRune("=!<>", rune(pattern[i+2])):
			return nil, fmt.Errorf("%w: regex %q: lookaround or atomic group", ErrUnsupported, pattern)
		default:
			b.WriteByte(c)
		}
	}
	re, err := regexp.Compile(b.String())
	if err != nil {
		return nil, fmt.Errorf("%w: regex %q: %w", ErrUnsupported, pattern, err)
	}
	return re, nil
}

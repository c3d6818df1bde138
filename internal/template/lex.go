package template

import (
	"strings"
)

// Bounds on input and produced values.
const (
	// MaxTemplateLen is the longest template string accepted, in bytes.
	MaxTemplateLen = 1 << 20
	// MaxExprLen is the longest single {{ … }} expression accepted, in bytes.
	MaxExprLen = 4096
	// MaxDepth bounds the nesting of an expression (parentheses, brackets,
	// operators, filters and calls).
	MaxDepth = 64
	// MaxValueLen bounds strings (bytes) and lists (items) an expression produces.
	MaxValueLen = 1 << 20
)

type tokKind int

const (
	tEOF tokKind = iota
	tName
	tInt
	tFloat
	tString
	tOp
)

type token struct {
	kind tokKind
	val  string // name, operator, literal text or decoded string
	pos  int    // byte offset in the template string
}

// two-character operators, checked before single characters.
var ops2 = []string{"==", "!=", "<=", ">="}

const ops1 = ".[](),|~+-*/%<>:{}="

// lexExpr tokenizes the expression starting at s[start] (just after "{{") up
// to the closing "}}" outside string literals. It returns the tokens (ending
// with tEOF) and the offset just after "}}".
func lexExpr(s string, start int) ([]token, int, error) {
	var toks []token
	i := start
	for {
		if i-start > MaxExprLen {
			return nil, 0, errAt(start, ErrTooLarge, "expression longer than %d bytes", MaxExprLen)
		}
		if i >= len(s) {
			return nil, 0, errAt(start-2, ErrSyntax, "unclosed {{")
		}
		c := s[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			i++
		case c == '}' && i+1 < len(s) && s[i+1] == '}':
			toks = append(toks, token{kind: tEOF, pos: i})
			return toks, i + 2, nil
		case c == '\'' || c == '"':
			val, end, err := lexString(s, i)
			if err != nil {
				return nil, 0, err
			}
			toks = append(toks, token{kind: tString, val: val, pos: i})
			i = end
		case isDigit(c):
			j := i
			for j < len(s) && isDigit(s[j]) {
				j++
			}
			kind := tInt
			if j+1 < len(s) && s[j] == '.' && isDigit(s[j+1]) {
				kind = tFloat
				j++
				for j < len(s) && isDigit(s[j]) {
					j++
				}
			}
			if j < len(s) && (s[j] == 'e' || s[j] == 'E') {
				k := j + 1
				if k < len(s) && (s[k] == '+' || s[k] == '-') {
					k++
				}
				if k < len(s) && isDigit(s[k]) {
					kind = tFloat
					for k < len(s) && isDigit(s[k]) {
						k++
					}
					j = k
				}
			}
			toks = append(toks, token{kind: kind, val: s[i:j], pos: i})
			i = j
		case isNameStart(c):
			j := i
			for j < len(s) && (isNameStart(s[j]) || isDigit(s[j])) {
				j++
			}
			toks = append(toks, token{kind: tName, val: s[i:j], pos: i})
			i = j
		default:
			op := ""
			for _, o := range ops2 {
				if strings.HasPrefix(s[i:], o) {
					op = o
					break
				}
			}
			if op == "" && strings.IndexByte(ops1, c) >= 0 {
				op = s[i : i+1]
			}
			if op == "" {
				return nil, 0, errAt(i, ErrSyntax, "unexpected character %q", rune(c))
			}
			toks = append(toks, token{kind: tOp, val: op, pos: i})
			i += len(op)
		}
	}
}

// lexString decodes the quoted string literal at s[i] with Python's common
// escapes (\\ \' \" \n \t \r); other backslashes are kept as written.
func lexString(s string, i int) (string, int, error) {
	q := s[i]
	var b strings.Builder
	for j := i + 1; j < len(s); j++ {
		c := s[j]
		switch {
		case c == q:
			return b.String(), j + 1, nil
		case c == '\\' && j+1 < len(s):
			j++
			switch s[j] {
			case 'n':
				b.WriteByte('\n')
			case 't':
				b.WriteByte('\t')
			case 'r':
				b.WriteByte('\r')
			case '\\', '\'', '"':
				b.WriteByte(s[j])
			default:
				b.WriteByte('\\')
				b.WriteByte(s[j])
			}
		default:
			b.WriteByte(c)
		}
	}
	return "", 0, errAt(i, ErrSyntax, "unterminated string literal")
}

func isDigit(c byte) bool     { return c >= '0' && c <= '9' }
func isNameStart(c byte) bool { return c == '_' || (c|0x20 >= 'a' && c|0x20 <= 'z') }

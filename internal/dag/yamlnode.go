package dag

import (
	"errors"
	"fmt"
	"math"
	"strings"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/lexer"
	yamlparser "github.com/goccy/go-yaml/parser"
	"github.com/goccy/go-yaml/token"
)

// Limits applied to every file before and while it is decoded.
const (
	// MaxFileSize is the largest DAG file accepted (1 MiB); larger files are
	// rejected before parsing.
	MaxFileSize = 1 << 20
	// MaxDepth is the deepest nesting of mappings and sequences accepted.
	MaxDepth = 64
	// MaxTokens bounds the YAML tokens of a file (keys, values, brackets),
	// so the parser's work is bounded as well as the bytes: a file of the
	// largest size but many tiny keys would otherwise take minutes.
	MaxTokens = 60_000
	// MaxKeys bounds the keys of one mapping: the YAML parser's work grows
	// faster than linearly with them.
	MaxKeys = 4_000
	// MaxNodes bounds the number of values a file may decode into, counting
	// each alias as a full copy of its anchor (defeats "billion laughs").
	MaxNodes = 100_000
)

type kind int

const (
	kindScalar kind = iota
	kindMap
	kindSeq
)

// node is a decoded YAML value that remembers where it was written.
type node struct {
	kind      kind
	line, col int
	entries   []*entry       // kindMap, in file order
	index     map[string]int // kindMap: entry position by key, so lookups stay linear overall
	items     []*node        // kindSeq
	val       any            // kindScalar: string, int64, uint64, float64, bool or nil
	size      int            // number of nodes in this subtree (aliases counted in full)
}

// entry is one key of a mapping.
type entry struct {
	key       string
	line, col int // position of the key
	val       *node
	merged    bool // came in through a "<<" merge key; an explicit key overrides it
}

func (n *node) get(key string) *entry {
	if n == nil || n.kind != kindMap {
		return nil
	}
	if n.index != nil {
		if i, ok := n.index[key]; ok {
			return n.entries[i]
		}
		return nil
	}
	for _, e := range n.entries {
		if e.key == key {
			return e
		}
	}
	return nil
}

// add appends e to the mapping and indexes it.
func (n *node) add(e *entry) {
	if n.index == nil {
		n.index = make(map[string]int, len(n.entries)+1)
		for i, old := range n.entries {
			n.index[old.key] = i
		}
	}
	n.index[e.key] = len(n.entries)
	n.entries = append(n.entries, e)
}

func (n *node) isNull() bool { return n == nil || (n.kind == kindScalar && n.val == nil) }

// typeName names the node's YAML type for error messages.
func (n *node) typeName() string {
	switch {
	case n == nil:
		return "null"
	case n.kind == kindMap:
		return "a mapping"
	case n.kind == kindSeq:
		return "a list"
	}
	switch n.val.(type) {
	case nil:
		return "null"
	case string:
		return "a string"
	case bool:
		return "a boolean"
	case float64:
		return "a number"
	}
	return "an integer"
}

// toAny converts the node to plain Go values (map[string]any, []any, scalars).
func (n *node) toAny() any {
	if n == nil {
		return nil
	}
	switch n.kind {
	case kindMap:
		m := make(map[string]any, len(n.entries))
		for _, e := range n.entries {
			m[e.key] = e.val.toAny()
		}
		return m
	case kindSeq:
		s := make([]any, len(n.items))
		for i, it := range n.items {
			s[i] = it.toAny()
		}
		return s
	}
	if u, ok := n.val.(uint64); ok && u <= math.MaxInt64 {
		return int64(u)
	}
	return n.val
}

// decodeYAML checks the hostile-input limits, parses src and converts it to
// nodes. It returns the root (nil for an empty file).
func decodeYAML(file string, src []byte) (*node, error) {
	if len(src) > MaxFileSize {
		return nil, &Error{File: file, Msg: fmt.Sprintf("file is %d bytes, larger than the %d byte limit", len(src), MaxFileSize), Kind: ErrTooLarge}
	}
	if err := prescanDepth(file, src); err != nil {
		return nil, err
	}
	toks := lexer.Tokenize(string(src))
	if len(toks) > MaxTokens {
		return nil, &Error{File: file, Msg: fmt.Sprintf("file has %d YAML tokens, more than the %d limit (a DAG file that large is not hand-written: split it)", len(toks), MaxTokens), Kind: ErrTooLarge}
	}
	if err := checkDepth(file, toks); err != nil {
		return nil, err
	}
	f, err := yamlparser.Parse(toks, 0)
	if err != nil {
		return nil, syntaxError(file, err)
	}
	var body ast.Node
	for _, d := range f.Docs {
		if d == nil || d.Body == nil {
			continue
		}
		if body != nil {
			tk := d.Body.GetToken()
			return nil, &Error{File: file, Line: tk.Position.Line, Column: tk.Position.Column, Msg: "a DAG file holds one YAML document", Kind: ErrSyntax}
		}
		body = d.Body
	}
	if body == nil {
		return nil, nil
	}
	b := &builder{file: file, anchors: map[string]*node{}}
	return b.build(body, 0)
}

// syntaxError converts a goccy error into an *Error with its position.
func syntaxError(file string, err error) error {
	var se *yaml.SyntaxError
	if errors.As(err, &se) && se.Token != nil {
		return &Error{File: file, Line: se.Token.Position.Line, Column: se.Token.Position.Column, Msg: se.Message, Kind: ErrSyntax}
	}
	var de *yaml.DuplicateKeyError
	if errors.As(err, &de) && de.Token != nil {
		return &Error{File: file, Line: de.Token.Position.Line, Column: de.Token.Position.Column, Msg: de.Message, Kind: ErrSyntax}
	}
	msg := err.Error()
	if i := strings.IndexByte(msg, '\n'); i >= 0 {
		msg = msg[:i]
	}
	return &Error{File: file, Msg: msg, Kind: ErrSyntax}
}

// checkDepth rejects token streams that nest deeper than MaxDepth before the
// parser sees them (goccy's parser is quadratic in flow nesting depth).
// Block nesting is measured by the columns of the keys and "- " entries on
// the current indentation stack; flow nesting by open brackets.
func checkDepth(file string, toks token.Tokens) error {
	var cols, keys []int // block nesting: the column of each level, and the keys of its mapping so far
	var flowKeys []int   // keys of each open flow mapping
	flow := 0
	for i, tk := range toks {
		col := -1
		switch tk.Type {
		case token.SequenceStartType, token.MappingStartType:
			flow++
			flowKeys = append(flowKeys, 0)
		case token.SequenceEndType, token.MappingEndType:
			if flow > 0 {
				flow--
				flowKeys = flowKeys[:len(flowKeys)-1]
			}
		case token.SequenceEntryType:
			if flow == 0 {
				col = tk.Position.Column
			}
		case token.MappingValueType:
			if flow == 0 && i > 0 {
				col = toks[i-1].Position.Column
			} else if flow > 0 {
				flowKeys[len(flowKeys)-1]++
				if flowKeys[len(flowKeys)-1] > MaxKeys {
					return tooManyKeys(file, tk)
				}
			}
		case token.DocumentHeaderType:
			cols, keys = cols[:0], keys[:0]
		}
		if col >= 0 {
			for len(cols) > 0 && cols[len(cols)-1] > col {
				cols, keys = cols[:len(cols)-1], keys[:len(keys)-1]
			}
			if len(cols) == 0 || cols[len(cols)-1] != col {
				cols, keys = append(cols, col), append(keys, 0)
			}
			if tk.Type == token.MappingValueType {
				keys[len(keys)-1]++
				if keys[len(keys)-1] > MaxKeys {
					return tooManyKeys(file, tk)
				}
			}
		}
		if flow+len(cols) > MaxDepth {
			return &Error{File: file, Line: tk.Position.Line, Column: tk.Position.Column, Msg: fmt.Sprintf("nesting is deeper than %d levels", MaxDepth), Kind: ErrHostile}
		}
	}
	return nil
}

func tooManyKeys(file string, tk *token.Token) error {
	return &Error{File: file, Line: tk.Position.Line, Column: tk.Position.Column,
		Msg: fmt.Sprintf("a mapping with more than %d keys", MaxKeys), Kind: ErrTooLarge}
}

// prescanDepth is a byte-level guard that runs before the (slower) lexer:
// it rejects flow brackets nested more than 4*MaxDepth deep, skipping quoted
// strings and comments. The exact MaxDepth check runs on the tokens.
func prescanDepth(file string, src []byte) error {
	depth, line, col := 0, 1, 0
	var quote byte
	comment := false
	for i, c := range src {
		col++
		if c == '\n' {
			line, col, comment = line+1, 0, false
			continue
		}
		switch {
		case comment:
		case quote != 0:
			if c == quote && (quote == '\'' || src[i-1] != '\\') {
				quote = 0
			}
		case (c == '"' || c == '\'') && startsScalar(src[:i]):
			quote = c
		case c == '#' && (i == 0 || src[i-1] == ' ' || src[i-1] == '\t'):
			comment = true
		case c == '[' || c == '{':
			if depth++; depth > 4*MaxDepth {
				return &Error{File: file, Line: line, Column: col, Msg: fmt.Sprintf("nesting is deeper than %d levels", MaxDepth), Kind: ErrHostile}
			}
		case c == ']' || c == '}':
			if depth > 0 {
				depth--
			}
		}
	}
	return nil
}

// startsScalar reports whether a quote after prefix opens a quoted scalar:
// the last non-blank byte before it is a line start or an indicator.
func startsScalar(prefix []byte) bool {
	for i := len(prefix) - 1; i >= 0; i-- {
		switch prefix[i] {
		case ' ', '\t':
			continue
		case '\n', ':', '-', '[', '{', ',', '?':
			return true
		}
		return false
	}
	return true
}

// builder converts goccy's AST to nodes, resolving anchors, aliases and
// merge keys within the MaxNodes budget.
type builder struct {
	file    string
	anchors map[string]*node
	total   int
}

func (b *builder) errAt(tk *token.Token, kind error, format string, args ...any) error {
	e := &Error{File: b.file, Msg: fmt.Sprintf(format, args...), Kind: kind}
	if tk != nil {
		e.Line, e.Column = tk.Position.Line, tk.Position.Column
	}
	return e
}

func (b *builder) count(tk *token.Token, n int) error {
	b.total += n
	if b.total > MaxNodes {
		return b.errAt(tk, ErrHostile, "the document expands to more than %d values (alias bomb?)", MaxNodes)
	}
	return nil
}

func (b *builder) build(an ast.Node, depth int) (*node, error) {
	if depth > MaxDepth {
		return nil, b.errAt(an.GetToken(), ErrHostile, "nesting is deeper than %d levels", MaxDepth)
	}
	tk := an.GetToken()
	pos := func(n *node) *node {
		if tk != nil {
			n.line, n.col = tk.Position.Line, tk.Position.Column
		}
		return n
	}
	switch v := an.(type) {
	case *ast.AnchorNode:
		n, err := b.build(v.Value, depth)
		if err != nil {
			return nil, err
		}
		b.anchors[v.Name.GetToken().Value] = n
		return n, nil
	case *ast.AliasNode:
		name := v.Value.GetToken().Value
		n, ok := b.anchors[name]
		if !ok {
			return nil, b.errAt(tk, ErrSyntax, "alias *%s refers to no anchor defined before it", name)
		}
		// Shared, not copied; counted in full against the budget.
		if err := b.count(tk, n.size); err != nil {
			return nil, err
		}
		return n, nil
	case *ast.TagNode:
		return b.buildTagged(v, depth)
	case *ast.MappingNode:
		n := pos(&node{kind: kindMap, size: 1})
		if err := b.count(tk, 1); err != nil {
			return nil, err
		}
		for _, mv := range v.Values {
			if err := b.addEntry(n, mv, depth); err != nil {
				return nil, err
			}
		}
		return n, nil
	case *ast.MappingValueNode:
		n := pos(&node{kind: kindMap, size: 1})
		if err := b.count(tk, 1); err != nil {
			return nil, err
		}
		if err := b.addEntry(n, v, depth); err != nil {
			return nil, err
		}
		if k := v.Key.GetToken(); k != nil {
			n.line, n.col = k.Position.Line, k.Position.Column
		}
		return n, nil
	case *ast.SequenceNode:
		n := pos(&node{kind: kindSeq, size: 1})
		if err := b.count(tk, 1); err != nil {
			return nil, err
		}
		for _, it := range v.Values {
			c, err := b.build(it, depth+1)
			if err != nil {
				return nil, err
			}
			n.items = append(n.items, c)
			n.size += c.size
		}
		return n, nil
	}
	val, err := b.scalar(an)
	if err != nil {
		return nil, err
	}
	if err := b.count(tk, 1); err != nil {
		return nil, err
	}
	return pos(&node{kind: kindScalar, val: val, size: 1}), nil
}

func (b *builder) scalar(an ast.Node) (any, error) {
	switch v := an.(type) {
	case *ast.NullNode:
		return nil, nil
	case *ast.StringNode:
		return v.Value, nil
	case *ast.LiteralNode:
		return v.Value.Value, nil
	case *ast.BoolNode:
		return v.Value, nil
	case *ast.IntegerNode:
		switch i := v.Value.(type) {
		case int64:
			return i, nil
		case uint64:
			return i, nil
		}
		return nil, b.errAt(an.GetToken(), ErrInvalid, "integer %s out of range", an.GetToken().Value)
	case *ast.FloatNode:
		return v.Value, nil
	case *ast.InfinityNode:
		return v.Value, nil
	case *ast.NanNode:
		return math.NaN(), nil
	}
	return nil, b.errAt(an.GetToken(), ErrSyntax, "unsupported YAML node %s", an.Type())
}

// buildTagged accepts the standard scalar and collection tags; any other tag
// (!!python/object, custom tags) is an error.
func (b *builder) buildTagged(v *ast.TagNode, depth int) (*node, error) {
	tag := v.Start.Value
	switch tag {
	case "!!str":
		n, err := b.build(v.Value, depth)
		if err != nil {
			return nil, err
		}
		if n.kind == kindScalar {
			c := *n
			c.val = v.Value.GetToken().Value
			return &c, nil
		}
		return n, nil
	case "!!int", "!!float", "!!bool", "!!null", "!!map", "!!seq", "!!timestamp":
		return b.build(v.Value, depth)
	}
	return nil, b.errAt(v.Start, ErrSyntax, "YAML tag %s is not supported", tag)
}

func (b *builder) addEntry(n *node, mv *ast.MappingValueNode, depth int) error {
	val, err := b.build(mv.Value, depth+1)
	if err != nil {
		return err
	}
	ktk := mv.Key.GetToken()
	if _, ok := mv.Key.(*ast.MergeKeyNode); ok {
		return b.merge(n, ktk, val)
	}
	var key string
	switch k := mv.Key.(type) {
	case *ast.StringNode:
		key = k.Value
	case *ast.MappingKeyNode, *ast.AliasNode, *ast.AnchorNode, *ast.TagNode:
		return b.errAt(ktk, ErrSyntax, "only plain scalar mapping keys are supported")
	default:
		if ktk == nil {
			return b.errAt(nil, ErrSyntax, "mapping key without a token")
		}
		key = ktk.Value
	}
	e := &entry{key: key, val: val}
	if ktk != nil {
		e.line, e.col = ktk.Position.Line, ktk.Position.Column
	}
	if i, ok := n.index[key]; ok {
		old := n.entries[i]
		if !old.merged {
			return b.errAt(ktk, ErrSyntax, "mapping key %q is defined twice", key)
		}
		n.entries[i] = e
		n.size += val.size - old.val.size
		return nil
	}
	n.add(e)
	n.size += val.size
	return nil
}

// merge applies a "<<" merge key: keys of the merged mapping(s) are added
// unless the mapping already has them (explicit keys win, earlier merged
// mappings win over later ones, as YAML 1.1 specifies).
func (b *builder) merge(n *node, tk *token.Token, val *node) error {
	var srcs []*node
	switch val.kind {
	case kindMap:
		srcs = []*node{val}
	case kindSeq:
		srcs = val.items
	default:
		return b.errAt(tk, ErrSyntax, "merge key << needs a mapping or a list of mappings")
	}
	for _, s := range srcs {
		if s.kind != kindMap {
			return b.errAt(tk, ErrSyntax, "merge key << needs a mapping or a list of mappings")
		}
		for _, e := range s.entries {
			if n.get(e.key) != nil {
				continue
			}
			c := *e
			c.merged = true
			n.add(&c)
			n.size += e.val.size
		}
	}
	return nil
}

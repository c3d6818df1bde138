package template

import (
	"strconv"
)

// parser is a recursive-descent parser over the tokens of one expression;
// depth bounds its nesting (see enter).
type parser struct {
	toks  []token
	i     int
	depth int
}

// parseExpr parses one expression from toks (which end with tEOF).
func parseExpr(toks []token) (node, error) {
	p := &parser{toks: toks}
	n, err := p.expr()
	if err != nil {
		return nil, err
	}
	if t := p.peek(); t.kind != tEOF {
		return nil, p.unexpected(t)
	}
	if !shallow(n, 0) {
		return nil, errAt(n.position(), ErrTooLarge, "expression nested deeper than %d", MaxDepth)
	}
	return n, nil
}

func (p *parser) peek() token { return p.toks[p.i] }

func (p *parser) next() token {
	t := p.toks[p.i]
	if t.kind != tEOF {
		p.i++
	}
	return t
}

func (p *parser) isOp(op string) bool {
	t := p.peek()
	return t.kind == tOp && t.val == op
}

func (p *parser) isName(name string) bool {
	t := p.peek()
	return t.kind == tName && t.val == name
}

func (p *parser) expect(op string) error {
	if !p.isOp(op) {
		return errAt(p.peek().pos, ErrSyntax, "expected %q, found %s", op, describe(p.peek()))
	}
	p.next()
	return nil
}

func (p *parser) unexpected(t token) error {
	return errAt(t.pos, ErrSyntax, "unexpected %s", describe(t))
}

func describe(t token) string {
	switch t.kind {
	case tEOF:
		return "end of expression"
	case tString:
		return "string " + strconv.Quote(t.val)
	default:
		return strconv.Quote(t.val)
	}
}

func (p *parser) enter(pos int) error {
	p.depth++
	if p.depth > MaxDepth {
		return errAt(pos, ErrTooLarge, "expression nested deeper than %d", MaxDepth)
	}
	return nil
}

func (p *parser) leave() { p.depth-- }

// expr: or_expr [ "if" or_expr [ "else" expr ] ]
func (p *parser) expr() (node, error) {
	pos := p.peek().pos
	if err := p.enter(pos); err != nil {
		return nil, err
	}
	defer p.leave()
	n, err := p.or()
	if err != nil {
		return nil, err
	}
	if !p.isName("if") {
		return n, nil
	}
	p.next()
	cond, err := p.or()
	if err != nil {
		return nil, err
	}
	c := &condNode{pos: pos, cond: cond, yes: n}
	if p.isName("else") {
		p.next()
		if c.no, err = p.expr(); err != nil {
			return nil, err
		}
	}
	return c, nil
}

func (p *parser) or() (node, error) {
	l, err := p.and()
	for err == nil && p.isName("or") {
		t := p.next()
		var r node
		if r, err = p.and(); err == nil {
			l = &binNode{pos: t.pos, op: "or", l: l, r: r}
		}
	}
	return l, err
}

func (p *parser) and() (node, error) {
	l, err := p.not()
	for err == nil && p.isName("and") {
		t := p.next()
		var r node
		if r, err = p.not(); err == nil {
			l = &binNode{pos: t.pos, op: "and", l: l, r: r}
		}
	}
	return l, err
}

func (p *parser) not() (node, error) {
	if !p.isName("not") {
		return p.compare()
	}
	t := p.next()
	if err := p.enter(t.pos); err != nil {
		return nil, err
	}
	defer p.leave()
	x, err := p.not()
	if err != nil {
		return nil, err
	}
	return &unaryNode{pos: t.pos, op: "not", x: x}, nil
}

func (p *parser) compare() (node, error) {
	l, err := p.add()
	for err == nil {
		t := p.peek()
		op := ""
		switch {
		case t.kind == tOp && (t.val == "==" || t.val == "!=" || t.val == "<" || t.val == "<=" || t.val == ">" || t.val == ">="):
			op = t.val
			p.next()
		case p.isName("in"):
			op = "in"
			p.next()
		case p.isName("not") && p.i+1 < len(p.toks) && p.toks[p.i+1].kind == tName && p.toks[p.i+1].val == "in":
			op = "not in"
			p.next()
			p.next()
		case p.isName("is"):
			p.next()
			neg := false
			if p.isName("not") {
				p.next()
				neg = true
			}
			name := p.next()
			if name.kind != tName {
				return nil, errAt(name.pos, ErrSyntax, "expected a test name after \"is\", found %s", describe(name))
			}
			l = &testNode{pos: t.pos, x: l, name: name.val, neg: neg}
			continue
		default:
			return l, nil
		}
		var r node
		if r, err = p.add(); err == nil {
			l = &binNode{pos: t.pos, op: op, l: l, r: r}
		}
	}
	return l, err
}

func (p *parser) add() (node, error) {
	l, err := p.concat()
	for err == nil && (p.isOp("+") || p.isOp("-")) {
		t := p.next()
		var r node
		if r, err = p.concat(); err == nil {
			l = &binNode{pos: t.pos, op: t.val, l: l, r: r}
		}
	}
	return l, err
}

func (p *parser) concat() (node, error) {
	l, err := p.mul()
	for err == nil && p.isOp("~") {
		t := p.next()
		var r node
		if r, err = p.mul(); err == nil {
			l = &binNode{pos: t.pos, op: "~", l: l, r: r}
		}
	}
	return l, err
}

func (p *parser) mul() (node, error) {
	l, err := p.unary()
	for err == nil && (p.isOp("*") || p.isOp("/") || p.isOp("%")) {
		t := p.next()
		var r node
		if r, err = p.unary(); err == nil {
			l = &binNode{pos: t.pos, op: t.val, l: l, r: r}
		}
	}
	return l, err
}

func (p *parser) unary() (node, error) {
	if p.isOp("-") || p.isOp("+") {
		t := p.next()
		if err := p.enter(t.pos); err != nil {
			return nil, err
		}
		defer p.leave()
		x, err := p.unary()
		if err != nil {
			return nil, err
		}
		return &unaryNode{pos: t.pos, op: t.val, x: x}, nil
	}
	x, err := p.postfix()
	if err != nil {
		return nil, err
	}
	for p.isOp("|") {
		t := p.next()
		name := p.next()
		if name.kind != tName {
			return nil, errAt(name.pos, ErrSyntax, "expected a filter name after \"|\", found %s", describe(name))
		}
		f := &filterNode{pos: t.pos, x: x, name: name.val}
		if p.isOp("(") {
			if f.args, f.kwargs, err = p.callArgs(); err != nil {
				return nil, err
			}
		}
		x = f
	}
	return x, nil
}

func (p *parser) postfix() (node, error) {
	x, err := p.primary()
	for err == nil {
		t := p.peek()
		switch {
		case p.isOp("."):
			p.next()
			name := p.next()
			switch name.kind {
			case tName:
				x = &attrNode{pos: t.pos, x: x, name: name.val}
			case tInt: // Jinja's list.0
				x = &indexNode{pos: t.pos, x: x, idx: &litNode{pos: name.pos, val: mustInt(name.val)}}
			default:
				return nil, errAt(name.pos, ErrSyntax, "expected a name after \".\", found %s", describe(name))
			}
		case p.isOp("["):
			p.next()
			var idx node
			if idx, err = p.expr(); err != nil {
				return nil, err
			}
			if err = p.expect("]"); err != nil {
				return nil, err
			}
			x = &indexNode{pos: t.pos, x: x, idx: idx}
		case p.isOp("("):
			c := &callNode{pos: t.pos, fn: x}
			if c.args, c.kwargs, err = p.callArgs(); err != nil {
				return nil, err
			}
			x = c
		default:
			return x, nil
		}
	}
	return nil, err
}

// callArgs parses "(" [arg {"," arg}] ")" where arg is expr or name=expr.
func (p *parser) callArgs() ([]node, []kwarg, error) {
	open := p.next()
	if err := p.enter(open.pos); err != nil {
		return nil, nil, err
	}
	defer p.leave()
	var args []node
	var kwargs []kwarg
	for !p.isOp(")") {
		t := p.peek()
		if t.kind == tName && p.i+1 < len(p.toks) && p.toks[p.i+1].kind == tOp && p.toks[p.i+1].val == "=" {
			p.next()
			p.next()
			v, err := p.expr()
			if err != nil {
				return nil, nil, err
			}
			kwargs = append(kwargs, kwarg{name: t.val, val: v})
		} else {
			if len(kwargs) > 0 {
				return nil, nil, errAt(t.pos, ErrSyntax, "positional argument after keyword argument")
			}
			v, err := p.expr()
			if err != nil {
				return nil, nil, err
			}
			args = append(args, v)
		}
		if !p.isOp(",") {
			break
		}
		p.next()
	}
	return args, kwargs, p.expect(")")
}

func (p *parser) primary() (node, error) {
	t := p.next()
	switch t.kind {
	case tString:
		return &litNode{pos: t.pos, val: t.val}, nil
	case tInt:
		n, err := strconv.ParseInt(t.val, 10, 64)
		if err != nil {
			return nil, errAt(t.pos, ErrSyntax, "integer %s out of range", t.val)
		}
		return &litNode{pos: t.pos, val: n}, nil
	case tFloat:
		f, err := strconv.ParseFloat(t.val, 64)
		if err != nil {
			return nil, errAt(t.pos, ErrSyntax, "number %s out of range", t.val)
		}
		return &litNode{pos: t.pos, val: f}, nil
	case tName:
		switch t.val {
		case "true", "True":
			return &litNode{pos: t.pos, val: true}, nil
		case "false", "False":
			return &litNode{pos: t.pos, val: false}, nil
		case "none", "None":
			return &litNode{pos: t.pos, val: nil}, nil
		case "if", "else", "and", "or", "not", "in", "is":
			return nil, p.unexpected(t)
		}
		return &nameNode{pos: t.pos, name: t.val}, nil
	case tOp:
		switch t.val {
		case "(":
			if err := p.enter(t.pos); err != nil {
				return nil, err
			}
			defer p.leave()
			x, err := p.expr()
			if err != nil {
				return nil, err
			}
			return x, p.expect(")")
		case "[":
			return p.list(t)
		case "{":
			return p.dict(t)
		}
	}
	return nil, p.unexpected(t)
}

func (p *parser) list(open token) (node, error) {
	if err := p.enter(open.pos); err != nil {
		return nil, err
	}
	defer p.leave()
	l := &listNode{pos: open.pos}
	for !p.isOp("]") {
		x, err := p.expr()
		if err != nil {
			return nil, err
		}
		l.items = append(l.items, x)
		if !p.isOp(",") {
			break
		}
		p.next()
	}
	return l, p.expect("]")
}

func (p *parser) dict(open token) (node, error) {
	if err := p.enter(open.pos); err != nil {
		return nil, err
	}
	defer p.leave()
	d := &dictNode{pos: open.pos}
	for !p.isOp("}") {
		k, err := p.expr()
		if err != nil {
			return nil, err
		}
		if err := p.expect(":"); err != nil {
			return nil, err
		}
		v, err := p.expr()
		if err != nil {
			return nil, err
		}
		d.keys = append(d.keys, k)
		d.vals = append(d.vals, v)
		if !p.isOp(",") {
			break
		}
		p.next()
	}
	return d, p.expect("}")
}

// mustInt parses a lexed run of digits, falling back on overflow to -1<<62:
// out of range for any list, even counted from the end, so the lookup fails
// as an unknown index.
func mustInt(s string) int64 {
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return -1 << 62
	}
	return n
}

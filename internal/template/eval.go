package template

import (
	"fmt"
	"math"
	"reflect"
)

// evaluator evaluates one parsed expression against a Context.
type evaluator struct {
	ctx *Context
}

// need returns u's error when v is undefined.
func need(v any) error {
	if u, ok := v.(undefined); ok {
		return u.err()
	}
	return nil
}

func (e *evaluator) evalDefined(n node) (any, error) {
	v, err := e.eval(n)
	if err != nil {
		return nil, err
	}
	return v, need(v)
}

func (e *evaluator) eval(n node) (any, error) {
	switch n := n.(type) {
	case *litNode:
		return n.val, nil
	case *nameNode:
		if e.ctx != nil {
			if v, ok := e.ctx.Vars[n.name]; ok {
				return v, nil
			}
		}
		if n.name == "ti" {
			return tiObject{}, nil
		}
		return undefined{name: n.name, pos: n.pos}, nil
	case *attrNode:
		x, err := e.eval(n.x)
		if err != nil {
			return nil, err
		}
		if u, ok := x.(undefined); ok { // the error names the first missing part
			return u, nil
		}
		v, err := e.attr(x, n.name, n.pos)
		return named(v, n), err
	case *indexNode:
		x, err := e.eval(n.x)
		if err != nil {
			return nil, err
		}
		if u, ok := x.(undefined); ok {
			return u, nil
		}
		idx, err := e.evalDefined(n.idx)
		if err != nil {
			return nil, err
		}
		v, err := index(x, idx, n.pos)
		return named(v, n), err
	case *callNode:
		fn, err := e.evalDefined(n.fn)
		if err != nil {
			return nil, err
		}
		c, ok := fn.(*callable)
		if !ok {
			return nil, errAt(n.pos, ErrType, "%s is not callable", typeName(fn))
		}
		args, kwargs, err := e.evalArgs(n.args, n.kwargs)
		if err != nil {
			return nil, err
		}
		return c.fn(e, n.pos, args, kwargs)
	case *filterNode:
		return e.filter(n)
	case *binNode:
		return e.binary(n)
	case *unaryNode:
		x, err := e.evalDefined(n.x)
		if err != nil {
			return nil, err
		}
		switch n.op {
		case "not":
			return !truthy(x), nil
		case "+":
			if !isNumber(x) {
				return nil, errAt(n.pos, ErrType, "unary + on %s", typeName(x))
			}
			return x, nil
		default: // "-"
			if i, ok := toInt(x); ok && i != math.MinInt64 {
				return -i, nil
			}
			if f, ok := toFloat(x); ok && isNumber(x) {
				return -f, nil
			}
			return nil, errAt(n.pos, ErrType, "unary - on %s", typeName(x))
		}
	case *condNode:
		c, err := e.evalDefined(n.cond)
		if err != nil {
			return nil, err
		}
		if truthy(c) {
			return e.eval(n.yes)
		}
		if n.no == nil {
			return undefined{name: "(if without else)", pos: n.pos}, nil
		}
		return e.eval(n.no)
	case *testNode:
		return e.test(n)
	case *listNode:
		out := make([]any, 0, len(n.items))
		for _, it := range n.items {
			v, err := e.evalDefined(it)
			if err != nil {
				return nil, err
			}
			out = append(out, v)
		}
		return out, nil
	case *dictNode:
		out := make(map[string]any, len(n.keys))
		for i := range n.keys {
			k, err := e.evalDefined(n.keys[i])
			if err != nil {
				return nil, err
			}
			ks, ok := k.(string)
			if !ok {
				return nil, errAt(n.keys[i].position(), ErrType, "dict key must be a string, not %s", typeName(k))
			}
			v, err := e.evalDefined(n.vals[i])
			if err != nil {
				return nil, err
			}
			out[ks] = v
		}
		return out, nil
	}
	return nil, errAt(n.position(), ErrSyntax, "unknown expression")
}

func (e *evaluator) evalArgs(ns []node, ks []kwarg) ([]any, map[string]any, error) {
	args := make([]any, 0, len(ns))
	for _, a := range ns {
		v, err := e.evalDefined(a)
		if err != nil {
			return nil, nil, err
		}
		args = append(args, v)
	}
	var kwargs map[string]any
	for _, k := range ks {
		v, err := e.evalDefined(k.val)
		if err != nil {
			return nil, nil, err
		}
		if kwargs == nil {
			kwargs = make(map[string]any, len(ks))
		}
		if _, dup := kwargs[k.name]; dup {
			return nil, nil, errAt(k.val.position(), ErrSyntax, "keyword argument %s repeated", k.name)
		}
		kwargs[k.name] = v
	}
	return args, kwargs, nil
}

// attr is x.name: a map key or a method of ti. An undefined x stays undefined
// with the longer name, so the error names the whole path.
func (e *evaluator) attr(x any, name string, pos int) (any, error) {
	switch x := x.(type) {
	case undefined:
		return x, nil
	case tiObject:
		if name == "xcom_pull" {
			return &callable{name: "ti.xcom_pull", fn: xcomPull}, nil
		}
		return nil, errAt(pos, ErrUnsupported, "ti has no attribute %q (only xcom_pull)", name)
	case map[string]any:
		if v, ok := x[name]; ok {
			return v, nil
		}
		return undefined{pos: pos}, nil
	}
	rv := reflect.ValueOf(x)
	if rv.Kind() == reflect.Map && rv.Type().Key().Kind() == reflect.String {
		v := rv.MapIndex(reflect.ValueOf(name).Convert(rv.Type().Key()))
		if !v.IsValid() {
			return undefined{pos: pos}, nil
		}
		return v.Interface(), nil
	}
	return nil, errAt(pos, ErrType, "%s has no attribute %q", typeName(x), name)
}

// index is x[idx] for maps (string keys) and lists (int, negative from the end).
func index(x, idx any, pos int) (any, error) {
	if u, ok := x.(undefined); ok {
		return u, nil
	}
	switch k := idx.(type) {
	case string:
		if _, ok := x.(tiObject); ok {
			return nil, errAt(pos, ErrType, "ti is not subscriptable")
		}
		v, err := (&evaluator{}).attr(x, k, pos)
		if err != nil {
			return nil, errAt(pos, ErrType, "%s is not subscriptable by a string", typeName(x))
		}
		return v, nil
	case bool:
	default:
		i, ok := toInt(idx)
		if !ok {
			break
		}
		var rv reflect.Value
		switch xs := x.(type) {
		case []any:
			if i < 0 {
				i += int64(len(xs))
			}
			if i < 0 || i >= int64(len(xs)) {
				return undefined{pos: pos}, nil
			}
			return xs[i], nil
		case string:
			rv = reflect.ValueOf([]rune(xs))
		default:
			rv = reflect.ValueOf(x)
		}
		if rv.Kind() != reflect.Slice && rv.Kind() != reflect.Array {
			return nil, errAt(pos, ErrType, "%s is not subscriptable by an int", typeName(x))
		}
		if i < 0 {
			i += int64(rv.Len())
		}
		if i < 0 || i >= int64(rv.Len()) {
			return undefined{pos: pos}, nil
		}
		v := rv.Index(int(i)).Interface()
		if r, ok := v.(rune); ok {
			return string(r), nil
		}
		return v, nil
	}
	return nil, errAt(pos, ErrType, "cannot index with %s", typeName(idx))
}

func (e *evaluator) test(n *testNode) (any, error) {
	x, err := e.eval(n.x)
	if err != nil {
		return nil, err
	}
	var r bool
	switch n.name {
	case "defined":
		_, u := x.(undefined)
		r = !u
	case "undefined":
		_, r = x.(undefined)
	case "none":
		if err := need(x); err != nil {
			return nil, err
		}
		r = x == nil
	default:
		return nil, errAt(n.pos, ErrUnsupported, "test %q (supported: defined, undefined, none)", n.name)
	}
	return r != n.neg, nil
}

func (e *evaluator) binary(n *binNode) (any, error) {
	l, err := e.evalDefined(n.l)
	if err != nil {
		return nil, err
	}
	switch n.op { // short-circuit, Python semantics (returns an operand)
	case "and":
		if !truthy(l) {
			return l, nil
		}
		return e.evalDefined(n.r)
	case "or":
		if truthy(l) {
			return l, nil
		}
		return e.evalDefined(n.r)
	}
	r, err := e.evalDefined(n.r)
	if err != nil {
		return nil, err
	}
	switch n.op {
	case "~":
		ls, err := toString(l)
		if err != nil {
			return nil, &Error{Offset: n.pos, Err: err}
		}
		rs, err := toString(r)
		if err != nil {
			return nil, &Error{Offset: n.pos, Err: err}
		}
		if len(ls)+len(rs) > MaxValueLen {
			return nil, errAt(n.pos, ErrTooLarge, "string longer than %d bytes", MaxValueLen)
		}
		return ls + rs, nil
	case "==":
		return equal(l, r), nil
	case "!=":
		return !equal(l, r), nil
	case "in", "not in":
		in, err := contains(r, l, n.pos)
		if err != nil {
			return nil, err
		}
		return in == (n.op == "in"), nil
	case "<", "<=", ">", ">=":
		return compare(n.op, l, r, n.pos)
	}
	return arith(n.op, l, r, n.pos)
}

// named gives an undefined result of an attribute or index expression the
// expression's path (params.sites[0]) and start offset, for the error message.
func named(v any, n node) any {
	if _, ok := v.(undefined); !ok {
		return v
	}
	path, pos := nodePath(n, 0)
	return undefined{name: path, pos: pos}
}

// nodePath renders a name/attribute/index chain as text and returns the offset
// where it starts.
func nodePath(n node, depth int) (string, int) {
	if depth > MaxDepth {
		return "…", n.position()
	}
	switch n := n.(type) {
	case *nameNode:
		return n.name, n.pos
	case *attrNode:
		p, pos := nodePath(n.x, depth+1)
		return p + "." + n.name, pos
	case *indexNode:
		p, pos := nodePath(n.x, depth+1)
		if l, ok := n.idx.(*litNode); ok {
			if s, ok := l.val.(string); ok {
				return fmt.Sprintf("%s[%q]", p, s), pos
			}
			if i, ok := l.val.(int64); ok {
				return fmt.Sprintf("%s[%d]", p, i), pos
			}
		}
		return p + "[…]", pos
	}
	return "(…)", n.position()
}

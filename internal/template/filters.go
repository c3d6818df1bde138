package template

import (
	"math"
	"reflect"
	"strconv"
	"strings"
	"unicode/utf8"
)

// filter applies "x | name(args)".
func (e *evaluator) filter(n *filterNode) (any, error) {
	x, err := e.eval(n.x)
	if err != nil {
		return nil, err
	}
	args, kwargs, err := e.evalArgs(n.args, n.kwargs)
	if err != nil {
		return nil, err
	}
	if n.name == "default" || n.name == "d" {
		return filterDefault(x, args, kwargs, n.pos)
	}
	if err := need(x); err != nil {
		return nil, err
	}
	if len(kwargs) > 0 {
		for k := range kwargs {
			return nil, errAt(n.pos, ErrUnsupported, "filter %s: keyword argument %s", n.name, k)
		}
	}
	want := map[string]int{"join": 1, "replace": 2, "int": 1, "float": 1}[n.name]
	if len(args) > want {
		return nil, errAt(n.pos, ErrSyntax, "filter %s takes at most %d argument(s), got %d", n.name, want, len(args))
	}
	switch n.name {
	case "tojson":
		s, err := toJSON(x)
		if err != nil {
			return nil, &Error{Offset: n.pos, Err: err}
		}
		return s, nil
	case "string":
		s, err := toString(x)
		if err != nil {
			return nil, &Error{Offset: n.pos, Err: err}
		}
		return s, nil
	case "upper", "lower", "trim":
		s, err := toString(x)
		if err != nil {
			return nil, &Error{Offset: n.pos, Err: err}
		}
		switch n.name {
		case "upper":
			return strings.ToUpper(s), nil
		case "lower":
			return strings.ToLower(s), nil
		}
		return strings.TrimSpace(s), nil
	case "length", "count":
		if s, ok := x.(string); ok {
			return int64(utf8.RuneCountInString(s)), nil
		}
		rv := reflect.ValueOf(x)
		switch rv.Kind() {
		case reflect.Slice, reflect.Array, reflect.Map:
			return int64(rv.Len()), nil
		}
		return nil, errAt(n.pos, ErrType, "filter length: %s has no length", typeName(x))
	case "first", "last":
		l, ok := listOf(x)
		if !ok {
			return nil, errAt(n.pos, ErrType, "filter %s needs a list, not %s", n.name, typeName(x))
		}
		if len(l) == 0 {
			return undefined{name: n.name + " of an empty list", pos: n.pos}, nil
		}
		if n.name == "first" {
			return l[0], nil
		}
		return l[len(l)-1], nil
	case "join":
		return filterJoin(x, args, n.pos)
	case "replace":
		return filterReplace(x, args, n.pos)
	case "int":
		return filterInt(x, args, n.pos)
	case "float":
		return filterFloat(x, args, n.pos)
	}
	return nil, errAt(n.pos, ErrUnsupported, "filter %q (supported: default, tojson, upper, lower, trim, join, int, float, string, length, first, last, replace)", n.name)
}

// filterDefault is Jinja's default(value, boolean=false).
func filterDefault(x any, args []any, kwargs map[string]any, pos int) (any, error) {
	if len(args) > 2 {
		return nil, errAt(pos, ErrSyntax, "filter default takes at most 2 arguments, got %d", len(args))
	}
	var def any = ""
	if len(args) > 0 {
		def = args[0]
	}
	boolean := len(args) > 1 && truthy(args[1])
	for k, v := range kwargs {
		switch k {
		case "default_value":
			def = v
		case "boolean":
			boolean = truthy(v)
		default:
			return nil, errAt(pos, ErrUnsupported, "filter default: keyword argument %s", k)
		}
	}
	if _, u := x.(undefined); u || (boolean && !truthy(x)) {
		return def, nil
	}
	return x, nil
}

func listOf(x any) ([]any, bool) {
	if l, ok := x.([]any); ok {
		return l, true
	}
	rv := reflect.ValueOf(x)
	if rv.Kind() != reflect.Slice && rv.Kind() != reflect.Array {
		return nil, false
	}
	l := make([]any, rv.Len())
	for i := range l {
		l[i] = rv.Index(i).Interface()
	}
	return l, true
}

func filterJoin(x any, args []any, pos int) (any, error) {
	l, ok := listOf(x)
	if !ok {
		return nil, errAt(pos, ErrType, "filter join needs a list, not %s", typeName(x))
	}
	sep := ""
	if len(args) > 0 {
		s, ok := args[0].(string)
		if !ok {
			return nil, errAt(pos, ErrType, "filter join: separator must be a string, not %s", typeName(args[0]))
		}
		sep = s
	}
	var b strings.Builder
	for i, it := range l {
		s, err := toString(it)
		if err != nil {
			return nil, &Error{Offset: pos, Err: err}
		}
		if i > 0 {
			b.WriteString(sep)
		}
		b.WriteString(s)
		if b.Len() > MaxValueLen {
			return nil, errAt(pos, ErrTooLarge, "string longer than %d bytes", MaxValueLen)
		}
	}
	return b.String(), nil
}

func filterReplace(x any, args []any, pos int) (any, error) {
	s, ok := x.(string)
	if !ok || len(args) != 2 {
		return nil, errAt(pos, ErrType, "filter replace needs a string and two string arguments")
	}
	old, ok1 := args[0].(string)
	repl, ok2 := args[1].(string)
	if !ok1 || !ok2 {
		return nil, errAt(pos, ErrType, "filter replace: arguments must be strings")
	}
	if n := strings.Count(s, old); old == "" || len(s)+n*(len(repl)-len(old)) > MaxValueLen {
		if old == "" {
			return nil, errAt(pos, ErrType, "filter replace: empty search string")
		}
		return nil, errAt(pos, ErrTooLarge, "string longer than %d bytes", MaxValueLen)
	}
	return strings.ReplaceAll(s, old, repl), nil
}

// filterInt converts to int64; unlike Jinja (which yields 0) a value that is
// not a number is an error unless a default argument is given.
func filterInt(x any, args []any, pos int) (any, error) {
	if i, ok := toInt(x); ok {
		return i, nil
	}
	if b, ok := x.(bool); ok {
		if b {
			return int64(1), nil
		}
		return int64(0), nil
	}
	f, ok := toFloat(x)
	if s, isStr := x.(string); isStr {
		s = strings.TrimSpace(s)
		if i, err := strconv.ParseInt(s, 10, 64); err == nil {
			return i, nil
		}
		var err error
		f, err = strconv.ParseFloat(s, 64)
		ok = err == nil
	}
	if ok && !math.IsNaN(f) && f > math.MinInt64 && f < math.MaxInt64 {
		return int64(f), nil
	}
	if len(args) > 0 {
		return args[0], nil
	}
	return nil, errAt(pos, ErrType, "filter int: cannot convert %s to int", typeName(x))
}

func filterFloat(x any, args []any, pos int) (any, error) {
	if isNumber(x) {
		f, _ := toFloat(x)
		return f, nil
	}
	if s, ok := x.(string); ok {
		if f, err := strconv.ParseFloat(strings.TrimSpace(s), 64); err == nil {
			return f, nil
		}
	}
	if len(args) > 0 {
		return args[0], nil
	}
	return nil, errAt(pos, ErrType, "filter float: cannot convert %s to float", typeName(x))
}

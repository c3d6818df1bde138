package template

import (
	"math"
	"reflect"
	"strings"
)

func contains(container, item any, pos int) (bool, error) {
	switch c := container.(type) {
	case string:
		s, ok := item.(string)
		if !ok {
			return false, errAt(pos, ErrType, "'in <string>' needs a string, not %s", typeName(item))
		}
		return strings.Contains(c, s), nil
	case map[string]any:
		s, ok := item.(string)
		_, found := c[s]
		return ok && found, nil
	}
	rv := reflect.ValueOf(container)
	switch rv.Kind() {
	case reflect.Slice, reflect.Array:
		for i := 0; i < rv.Len(); i++ {
			if equal(rv.Index(i).Interface(), item) {
				return true, nil
			}
		}
		return false, nil
	case reflect.Map:
		s, ok := item.(string)
		if !ok || rv.Type().Key().Kind() != reflect.String {
			return false, nil
		}
		return rv.MapIndex(reflect.ValueOf(s).Convert(rv.Type().Key())).IsValid(), nil
	}
	return false, errAt(pos, ErrType, "'in' needs a list, dict or string, not %s", typeName(container))
}

func compare(op string, l, r any, pos int) (bool, error) {
	var c int
	switch {
	case isNumber(l) && isNumber(r):
		fl, _ := toFloat(l)
		fr, _ := toFloat(r)
		switch {
		case fl < fr:
			c = -1
		case fl > fr:
			c = 1
		}
	default:
		ls, lok := l.(string)
		rs, rok := r.(string)
		if !lok || !rok {
			return false, errAt(pos, ErrType, "cannot compare %s %s %s", typeName(l), op, typeName(r))
		}
		c = strings.Compare(ls, rs)
	}
	switch op {
	case "<":
		return c < 0, nil
	case "<=":
		return c <= 0, nil
	case ">":
		return c > 0, nil
	}
	return c >= 0, nil
}

func arith(op string, l, r any, pos int) (any, error) {
	if op == "+" {
		if ls, ok := l.(string); ok {
			rs, ok := r.(string)
			if !ok {
				return nil, errAt(pos, ErrType, "cannot add string and %s (use ~ to concatenate text)", typeName(r))
			}
			if len(ls)+len(rs) > MaxValueLen {
				return nil, errAt(pos, ErrTooLarge, "string longer than %d bytes", MaxValueLen)
			}
			return ls + rs, nil
		}
		if ll, ok := l.([]any); ok {
			rl, ok := r.([]any)
			if !ok {
				return nil, errAt(pos, ErrType, "cannot add list and %s", typeName(r))
			}
			if len(ll)+len(rl) > MaxValueLen {
				return nil, errAt(pos, ErrTooLarge, "list longer than %d items", MaxValueLen)
			}
			return append(append(make([]any, 0, len(ll)+len(rl)), ll...), rl...), nil
		}
	}
	if !isNumber(l) || !isNumber(r) {
		return nil, errAt(pos, ErrType, "unsupported operand types for %s: %s and %s", op, typeName(l), typeName(r))
	}
	li, lInt := toInt(l)
	ri, rInt := toInt(r)
	if lInt && rInt && op != "/" {
		switch op {
		case "+":
			if s := li + ri; (s > li) == (ri > 0) {
				return s, nil
			}
		case "-":
			if s := li - ri; (s < li) == (ri > 0) {
				return s, nil
			}
		case "*":
			if li == 0 || ri == 0 {
				return int64(0), nil
			}
			if p := li * ri; p/ri == li && !(li == -1 && ri == math.MinInt64) && !(ri == -1 && li == math.MinInt64) {
				return p, nil
			}
		case "%":
			if ri == 0 {
				return nil, errAt(pos, ErrType, "modulo by zero")
			}
			if ri == -1 {
				return int64(0), nil
			}
			m := li % ri
			if m != 0 && (m < 0) != (ri < 0) { // Python's sign follows the divisor
				m += ri
			}
			return m, nil
		}
		// integer overflow falls through to float arithmetic
	}
	lf, _ := toFloat(l)
	rf, _ := toFloat(r)
	switch op {
	case "+":
		return lf + rf, nil
	case "-":
		return lf - rf, nil
	case "*":
		return lf * rf, nil
	case "/":
		if rf == 0 {
			return nil, errAt(pos, ErrType, "division by zero")
		}
		return lf / rf, nil
	}
	if rf == 0 {
		return nil, errAt(pos, ErrType, "modulo by zero")
	}
	m := math.Mod(lf, rf)
	if m != 0 && (m < 0) != (rf < 0) {
		m += rf
	}
	return m, nil
}

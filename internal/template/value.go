package template

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"strconv"
	"strings"
	"time"
)

// TimeLayout is how times render: ISO 8601 with a numeric offset, like str()
// of Airflow's pendulum datetimes ("2026-11-28T00:00:00+00:00").
const TimeLayout = "2006-01-02T15:04:05.999999-07:00"

// undefined is the value of an unknown name, missing key or index. It is an
// error to use it, except through default() and "is defined".
type undefined struct {
	name string
	pos  int
}

func (u undefined) err() error {
	return errAt(u.pos, ErrUnknownName, "%q", u.name)
}

// describeValue names a value's type for error messages.
func typeName(v any) string {
	switch v := v.(type) {
	case nil:
		return "none"
	case undefined:
		return "undefined"
	case string:
		return "string"
	case bool:
		return "bool"
	case time.Time:
		return "datetime"
	case *callable:
		return "function"
	case tiObject:
		return "ti"
	default:
		if _, ok := toInt(v); ok {
			return "int"
		}
		if _, ok := toFloat(v); ok {
			return "float"
		}
		switch reflect.ValueOf(v).Kind() {
		case reflect.Slice, reflect.Array:
			return "list"
		case reflect.Map:
			return "dict"
		}
		return fmt.Sprintf("%T", v)
	}
}

// toInt converts any Go integer kind to int64.
func toInt(v any) (int64, bool) {
	switch n := v.(type) {
	case int:
		return int64(n), true
	case int64:
		return n, true
	case int32:
		return int64(n), true
	case int16:
		return int64(n), true
	case int8:
		return int64(n), true
	case uint:
		return int64(n), n <= math.MaxInt64
	case uint64:
		return int64(n), n <= math.MaxInt64
	case uint32:
		return int64(n), true
	case uint16:
		return int64(n), true
	case uint8:
		return int64(n), true
	}
	return 0, false
}

// toFloat converts any Go number (and json.Number) to float64.
func toFloat(v any) (float64, bool) {
	switch n := v.(type) {
	case float64:
		return n, true
	case float32:
		return float64(n), true
	case json.Number:
		f, err := n.Float64()
		return f, err == nil
	case uint64:
		return float64(n), true
	case uint:
		return float64(n), true
	}
	if i, ok := toInt(v); ok {
		return float64(i), true
	}
	return 0, false
}

func isNumber(v any) bool {
	if _, ok := v.(bool); ok {
		return false
	}
	_, ok := toFloat(v)
	return ok
}

// truthy is Python's truth value.
func truthy(v any) bool {
	switch x := v.(type) {
	case nil, undefined:
		return false
	case bool:
		return x
	case string:
		return x != ""
	case time.Time, *callable, tiObject:
		return true
	}
	if i, ok := toInt(v); ok {
		return i != 0
	}
	if f, ok := toFloat(v); ok {
		return f != 0
	}
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.Slice, reflect.Array, reflect.Map, reflect.String:
		return rv.Len() > 0
	}
	return true
}

// toString formats a value for mixed text (see the package doc).
func toString(v any) (string, error) {
	switch x := v.(type) {
	case string:
		return x, nil
	case nil:
		return "null", nil
	case bool:
		return strconv.FormatBool(x), nil
	case time.Time:
		return x.Format(TimeLayout), nil
	case json.Number:
		return x.String(), nil
	case *callable:
		return "", fmt.Errorf("%w: cannot render function %s", ErrType, x.name)
	case tiObject:
		return "", fmt.Errorf("%w: cannot render ti", ErrType)
	}
	if i, ok := toInt(v); ok {
		return strconv.FormatInt(i, 10), nil
	}
	if f, ok := toFloat(v); ok {
		return formatFloat(f), nil
	}
	return toJSON(v)
}

func formatFloat(f float64) string {
	if math.IsInf(f, 0) || math.IsNaN(f) || math.Abs(f) >= 1e21 {
		return strconv.FormatFloat(f, 'g', -1, 64)
	}
	return strconv.FormatFloat(f, 'f', -1, 64)
}

// toJSON is compact JSON without HTML escaping; times as TimeLayout strings.
func toJSON(v any) (string, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(plain(v)); err != nil {
		return "", fmt.Errorf("%w: cannot encode %s as JSON: %w", ErrType, typeName(v), err)
	}
	return strings.TrimSuffix(b.String(), "\n"), nil
}

// plain returns v with every time.Time inside map[string]any and []any
// replaced by its TimeLayout string, copying only what changes.
func plain(v any) any {
	switch x := v.(type) {
	case time.Time:
		return x.Format(TimeLayout)
	case map[string]any:
		var out map[string]any
		for k, e := range x {
			p := plain(e)
			if out == nil && !sameValue(p, e) {
				out = make(map[string]any, len(x))
				for k2, e2 := range x {
					out[k2] = e2
				}
			}
			if out != nil {
				out[k] = p
			}
		}
		if out == nil {
			return x
		}
		return out
	case []any:
		var out []any
		for i, e := range x {
			p := plain(e)
			if out == nil && !sameValue(p, e) {
				out = make([]any, len(x))
				copy(out, x)
			}
			if out != nil {
				out[i] = p
			}
		}
		if out == nil {
			return x
		}
		return out
	}
	return v
}

// sameValue reports whether plain() left e unchanged (it only ever changes
// times and containers holding times).
func sameValue(p, e any) bool {
	switch e.(type) {
	case time.Time:
		return false
	case map[string]any:
		pm, _ := p.(map[string]any)
		em := e.(map[string]any)
		return len(pm) == len(em) && (len(em) == 0 || reflect.ValueOf(pm).UnsafePointer() == reflect.ValueOf(em).UnsafePointer())
	case []any:
		ps, _ := p.([]any)
		es := e.([]any)
		return len(ps) == len(es) && (len(es) == 0 || &ps[0] == &es[0])
	}
	return true
}

// equal compares values with numbers compared by value.
func equal(a, b any) bool {
	if isNumber(a) && isNumber(b) {
		fa, _ := toFloat(a)
		fb, _ := toFloat(b)
		ia, aok := toInt(a)
		ib, bok := toInt(b)
		if aok && bok {
			return ia == ib
		}
		return fa == fb
	}
	return reflect.DeepEqual(plain(a), plain(b))
}

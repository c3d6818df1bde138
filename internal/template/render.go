package template

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Context is what a template sees.
type Context struct {
	// Vars are the names visible to templates (see Vars for a run's names).
	Vars map[string]any
	// XCom backs ti.xcom_pull: it returns the value task taskID pushed under
	// key, or nil and no error when there is none (Airflow returns None). Nil
	// means no XCom is available: using ti.xcom_pull is then an ErrNoXCom error.
	XCom func(taskID, key string) (any, error)
}

// segment is a run of literal text or one parsed {{ expression }}.
type segment struct {
	text string
	expr node
	pos  int
}

// parseTemplate splits s into text and expression segments.
func parseTemplate(s string) ([]segment, error) {
	if len(s) > MaxTemplateLen {
		return nil, errAt(0, ErrTooLarge, "template longer than %d bytes", MaxTemplateLen)
	}
	var segs []segment
	i := 0
	for {
		j := openAt(s, i)
		if j < 0 {
			if i < len(s) {
				segs = append(segs, segment{text: s[i:], pos: i})
			}
			return segs, nil
		}
		start := j
		if start > i {
			segs = append(segs, segment{text: s[i:start], pos: i})
		}
		switch s[start+1] {
		case '%':
			return nil, errAt(start, ErrUnsupported, "{%% … %%} blocks (only {{ … }} expressions are supported)")
		case '#':
			return nil, errAt(start, ErrUnsupported, "{# … #} comments (only {{ … }} expressions are supported)")
		}
		toks, end, err := lexExpr(s, start+2)
		if err != nil {
			return nil, err
		}
		if len(toks) == 1 {
			return nil, errAt(start, ErrSyntax, "empty expression {{ }}")
		}
		n, err := parseExpr(toks)
		if err != nil {
			return nil, err
		}
		segs = append(segs, segment{expr: n, pos: start})
		i = end
	}
}

// RenderString renders s to a string (see the package doc for how values are
// formatted). A string without "{{" is returned unchanged.
func RenderString(s string, c *Context) (string, error) {
	if !strings.Contains(s, "{") {
		return s, nil
	}
	segs, err := parseTemplate(s)
	if err != nil {
		return "", err
	}
	e := &evaluator{ctx: c}
	var b strings.Builder
	for _, sg := range segs {
		if sg.expr == nil {
			b.WriteString(sg.text)
		} else {
			v, err := e.evalDefined(sg.expr)
			if err != nil {
				return "", err
			}
			str, err := toString(v)
			if err != nil {
				return "", &Error{Offset: sg.pos, Err: err}
			}
			b.WriteString(str)
		}
		if b.Len() > MaxValueLen {
			return "", errAt(sg.pos, ErrTooLarge, "rendered string longer than %d bytes", MaxValueLen)
		}
	}
	return b.String(), nil
}

// renderValue renders one string: a lone {{ expr }} (whitespace around it
// allowed) keeps its type, anything else becomes a string.
func renderValue(s string, c *Context) (any, error) {
	if !strings.Contains(s, "{") {
		return s, nil
	}
	segs, err := parseTemplate(s)
	if err != nil {
		return nil, err
	}
	var expr *segment
	for i := range segs {
		sg := &segs[i]
		if sg.expr == nil {
			if strings.TrimSpace(sg.text) != "" {
				return RenderString(s, c)
			}
			continue
		}
		if expr != nil {
			return RenderString(s, c)
		}
		expr = sg
	}
	if expr == nil {
		return s, nil
	}
	v, err := (&evaluator{ctx: c}).evalDefined(expr.expr)
	if err != nil {
		return nil, err
	}
	switch x := v.(type) {
	case *callable:
		return nil, errAt(expr.pos, ErrType, "cannot render function %s (call it)", x.name)
	case tiObject:
		return nil, errAt(expr.pos, ErrType, "cannot render ti")
	case time.Time:
		return x.Format(TimeLayout), nil
	}
	// A copy, so callers may modify rendered args without touching params.
	return deepCopy(plain(v)), nil
}

// deepCopy copies map[string]any and []any containers recursively.
func deepCopy(v any) any {
	switch x := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = deepCopy(e)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = deepCopy(e)
		}
		return out
	}
	return v
}

// Render renders v deeply: every string inside map[string]any and []any (and
// v itself when it is a string) is rendered; other values are returned
// unchanged. Maps and lists are copied, v is not modified. Errors name the
// path of the failing value inside v (urls[2], headers.accept).
func Render(v any, c *Context) (any, error) {
	return render(v, c, "")
}

func render(v any, c *Context, path string) (any, error) {
	switch x := v.(type) {
	case string:
		out, err := renderValue(x, c)
		if err != nil && path != "" {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		return out, err
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			r, err := render(e, c, joinPath(path, k))
			if err != nil {
				return nil, err
			}
			out[k] = r
		}
		return out, nil
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			r, err := render(e, c, path+"["+strconv.Itoa(i)+"]")
			if err != nil {
				return nil, err
			}
			out[i] = r
		}
		return out, nil
	}
	return v, nil
}

func joinPath(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// openAt returns the offset of the first "{{", "{%" or "{#" at or after i, or -1.
func openAt(s string, i int) int {
	for i < len(s) {
		j := strings.IndexByte(s[i:], '{')
		if j < 0 || i+j+1 >= len(s) {
			return -1
		}
		i += j
		if c := s[i+1]; c == '{' || c == '%' || c == '#' {
			return i
		}
		i++
	}
	return -1
}

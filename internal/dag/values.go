package dag

import (
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// durationUnits maps the unit words accepted in duration strings to their length.
func durationUnits() map[string]time.Duration {
	return map[string]time.Duration{
		"ms": time.Millisecond, "millisecond": time.Millisecond, "milliseconds": time.Millisecond,
		"s": time.Second, "sec": time.Second, "secs": time.Second, "second": time.Second, "seconds": time.Second,
		"m": time.Minute, "min": time.Minute, "mins": time.Minute, "minute": time.Minute, "minutes": time.Minute,
		"h": time.Hour, "hr": time.Hour, "hrs": time.Hour, "hour": time.Hour, "hours": time.Hour,
		"d": 24 * time.Hour, "day": 24 * time.Hour, "days": 24 * time.Hour,
		"w": 7 * 24 * time.Hour, "week": 7 * 24 * time.Hour, "weeks": 7 * 24 * time.Hour,
	}
}

var durationPart = regexp.MustCompile(`^\s*([0-9]+(?:\.[0-9]+)?)\s*([a-z]+)\s*,?`)

// parseDurationString parses "30s", "10m", "2h", "1h30m", "1d", "5 minutes",
// "1 hour, 30 minutes". A bare number is seconds.
func parseDurationString(s string) (time.Duration, error) {
	in := strings.ToLower(strings.TrimSpace(s))
	if in == "" {
		return 0, fmt.Errorf("empty duration")
	}
	if f, err := strconv.ParseFloat(in, 64); err == nil {
		return secondsToDuration(f)
	}
	units := durationUnits()
	var total float64
	for rest := in; rest != ""; {
		m := durationPart.FindStringSubmatch(rest)
		if m == nil {
			return 0, fmt.Errorf("%q is not a duration (write 30s, 10m, 2h, 1d or 1h30m)", s)
		}
		unit, ok := units[m[2]]
		if !ok {
			return 0, fmt.Errorf("%q: unknown duration unit %q", s, m[2])
		}
		f, _ := strconv.ParseFloat(m[1], 64)
		total += f * float64(unit)
		rest = strings.TrimSpace(rest[len(m[0]):])
	}
	if total > float64(math.MaxInt64) {
		return 0, fmt.Errorf("%q is too long", s)
	}
	return time.Duration(total), nil
}

func secondsToDuration(f float64) (time.Duration, error) {
	if math.IsNaN(f) || f < 0 {
		return 0, fmt.Errorf("a duration cannot be negative")
	}
	if f*float64(time.Second) > float64(math.MaxInt64) {
		return 0, fmt.Errorf("duration of %g seconds is too long", f)
	}
	return time.Duration(f * float64(time.Second)), nil
}

// dateLayouts are the start_date/end_date forms accepted without an offset
// (interpreted in the DAG's timezone).
func dateLayouts() []string {
	return []string{"2006-01-02", "2006-01-02T15:04:05", "2006-01-02 15:04:05", "2006-01-02T15:04", "2006-01-02 15:04"}
}

// parseDate parses a date or date-time; one without an offset is in loc.
func parseDate(s string, loc *time.Location) (time.Time, error) {
	s = strings.TrimSpace(s)
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02 15:04:05Z07:00"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, nil
		}
	}
	for _, layout := range dateLayouts() {
		if t, err := time.ParseInLocation(layout, s, loc); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("%q is not a date (write 2026-01-01, 2026-01-01T02:00:00 or RFC 3339)", s)
}

// getter reads typed values from nodes, recording errors in the parser.
func (p *parser) errAt(line, col int, kind error, format string, args ...any) {
	p.errs = append(p.errs, &Error{File: p.file, Line: line, Column: col, Msg: fmt.Sprintf(format, args...), Kind: kind})
}

func (p *parser) warnAt(line, col int, format string, args ...any) {
	p.warns = append(p.warns, Warning{File: p.file, Line: line, Column: col, Msg: fmt.Sprintf(format, args...)})
}

func (p *parser) typeErr(what string, e *entry, want string) {
	p.errAt(e.val.line, e.val.col, ErrInvalid, "%s%s must be %s, not %s", what, e.key, want, e.val.typeName())
}

func (p *parser) str(what string, e *entry) (string, bool) {
	s, ok := e.val.val.(string)
	if e.val.kind != kindScalar || !ok {
		p.typeErr(what, e, "a string")
		return "", false
	}
	return s, true
}

func (p *parser) boolean(what string, e *entry) (bool, bool) {
	b, ok := e.val.val.(bool)
	if e.val.kind != kindScalar || !ok {
		p.typeErr(what, e, "true or false")
		return false, false
	}
	return b, true
}

func (p *parser) integer(what string, e *entry, minimum int) (int, bool) {
	var i int64
	switch v := e.val.val.(type) {
	case int64:
		i = v
	case uint64:
		if v > math.MaxInt32 {
			p.errAt(e.val.line, e.val.col, ErrInvalid, "%s%s is too large", what, e.key)
			return 0, false
		}
		i = int64(v)
	default:
		p.typeErr(what, e, "an integer")
		return 0, false
	}
	if e.val.kind != kindScalar {
		p.typeErr(what, e, "an integer")
		return 0, false
	}
	if i < int64(minimum) {
		p.errAt(e.val.line, e.val.col, ErrInvalid, "%s%s must be at least %d, not %d", what, e.key, minimum, i)
		return 0, false
	}
	if i > math.MaxInt32 || i < math.MinInt32 {
		p.errAt(e.val.line, e.val.col, ErrInvalid, "%s%s is out of range", what, e.key)
		return 0, false
	}
	return int(i), true
}

func (p *parser) strList(what string, e *entry) ([]string, bool) {
	if e.val.isNull() {
		return nil, true
	}
	if e.val.kind == kindScalar {
		// A single name is accepted where a list is expected.
		if s, ok := e.val.val.(string); ok {
			return []string{s}, true
		}
	}
	if e.val.kind != kindSeq {
		p.typeErr(what, e, "a list of strings")
		return nil, false
	}
	out := make([]string, 0, len(e.val.items))
	for _, it := range e.val.items {
		s, ok := it.val.(string)
		if it.kind != kindScalar || !ok {
			p.errAt(it.line, it.col, ErrInvalid, "%s%s: each item must be a string, not %s", what, e.key, it.typeName())
			return nil, false
		}
		out = append(out, s)
	}
	return out, true
}

// duration reads "30s"-style strings, integer or float seconds, and
// {__type__: datetime.timedelta, seconds: 30} mappings.
func (p *parser) duration(what string, e *entry) (time.Duration, bool) {
	v := e.val
	switch v.kind {
	case kindMap:
		return p.timedelta(what, e)
	case kindSeq:
		p.typeErr(what, e, "a duration (30s, 10m, 2h, seconds, or a datetime.timedelta mapping)")
		return 0, false
	}
	var d time.Duration
	var err error
	switch x := v.val.(type) {
	case string:
		d, err = parseDurationString(x)
	case int64:
		d, err = secondsToDuration(float64(x))
	case uint64:
		d, err = secondsToDuration(float64(x))
	case float64:
		d, err = secondsToDuration(x)
	default:
		p.typeErr(what, e, "a duration (30s, 10m, 2h, seconds, or a datetime.timedelta mapping)")
		return 0, false
	}
	if err != nil {
		p.errAt(v.line, v.col, ErrInvalid, "%s%s: %v", what, e.key, err)
		return 0, false
	}
	return d, true
}

func (p *parser) timedelta(what string, e *entry) (time.Duration, bool) {
	known := set(timedeltaKeys())
	units := map[string]float64{
		"weeks": float64(7 * 24 * time.Hour), "days": float64(24 * time.Hour), "hours": float64(time.Hour),
		"minutes": float64(time.Minute), "seconds": float64(time.Second),
		"milliseconds": float64(time.Millisecond), "microseconds": float64(time.Microsecond),
	}
	var total float64
	ok := true
	for _, k := range e.val.entries {
		if !known[k.key] {
			p.errAt(k.line, k.col, ErrUnknownKey, "%s%s: unknown timedelta key %q%s", what, e.key, k.key, didYouMean(k.key, timedeltaKeys()))
			ok = false
			continue
		}
		if k.key == "__type__" {
			if s, _ := k.val.val.(string); s != "datetime.timedelta" && s != "timedelta" {
				p.errAt(k.val.line, k.val.col, ErrInvalid, "%s%s: __type__ must be datetime.timedelta", what, e.key)
				ok = false
			}
			continue
		}
		var f float64
		switch x := k.val.val.(type) {
		case int64:
			f = float64(x)
		case uint64:
			f = float64(x)
		case float64:
			f = x
		default:
			p.errAt(k.val.line, k.val.col, ErrInvalid, "%s%s: %s must be a number", what, e.key, k.key)
			ok = false
			continue
		}
		total += f * units[k.key]
	}
	if !ok {
		return 0, false
	}
	if total < 0 || math.IsNaN(total) || total > float64(math.MaxInt64) {
		p.errAt(e.val.line, e.val.col, ErrInvalid, "%s%s: duration out of range", what, e.key)
		return 0, false
	}
	return time.Duration(total), true
}

package api

import (
	"fmt"
	"math"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Paging defaults follow Airflow's (limit 50); the maximum is larger than
// Airflow's 100 because scripts list whole DAGs.
const (
	defaultLimit = 50
	maxLimit     = 1000
)

// query reads typed query parameters and collects 422 field errors.
type query struct {
	v    url.Values
	errs []fieldError
}

func newQuery(r *http.Request) *query { return &query{v: r.URL.Query()} }

func (q *query) fail(name, typ, msg string) {
	q.errs = append(q.errs, fieldError{Loc: []any{"query", name}, Msg: msg, Type: typ, Input: q.v.Get(name)})
}

func (q *query) err() error {
	if len(q.errs) == 0 {
		return nil
	}
	return &apiError{status: http.StatusUnprocessableEntity, detail: q.errs}
}

func (q *query) str(name string) string { return q.v.Get(name) }

// page reads a list operation's limit (default 50, at most maxLimit) and
// offset, as Airflow bounds them.
func (q *query) page() (limit, offset int) {
	return q.intv("limit", defaultLimit, 0, maxLimit), q.intv("offset", 0, 0, 1<<31-1)
}

func (q *query) list(name string) []string {
	var out []string
	for _, v := range q.v[name] {
		for _, p := range strings.Split(v, ",") {
			if p = strings.TrimSpace(p); p != "" {
				out = append(out, p)
			}
		}
	}
	return out
}

func (q *query) intv(name string, def, minV, maxV int) int {
	s := q.v.Get(name)
	if s == "" {
		return def
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		q.fail(name, "int_parsing", "Input should be a valid integer, unable to parse string as an integer")
		return def
	}
	if n < minV {
		q.fail(name, "greater_than_equal", "Input should be greater than or equal to "+strconv.Itoa(minV))
		return def
	}
	if n > maxV {
		n = maxV
	}
	return n
}

// boolp returns nil when the parameter is absent.
func (q *query) boolp(name string) *bool {
	s := q.v.Get(name)
	if s == "" {
		return nil
	}
	b, err := strconv.ParseBool(s)
	if err != nil {
		q.fail(name, "bool_parsing", "Input should be a valid boolean, unable to interpret input")
		return nil
	}
	return &b
}

// timep parses a date-time (see parseTime); nil when absent.
func (q *query) timep(name string) *time.Time {
	s := q.v.Get(name)
	if s == "" {
		return nil
	}
	t, err := parseTime(s)
	if err != nil {
		q.fail(name, "datetime_from_date_parsing", "Input should be a valid datetime: "+err.Error())
		return nil
	}
	return &t
}

// isoTime is the date-time form Airflow's API accepts (pydantic's): a date,
// optionally a time after T, t or a blank with optional seconds and a
// fraction of any length, and an optional zone: Z, ±HH, ±HHMM or ±HH:MM.
var isoTime = regexp.MustCompile(`^(\d{4})-(\d{2})-(\d{2})(?:[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?([Zz]|[+-]\d{2}(?::?\d{2})?)?)?$`)

// unixTime is a number of seconds since the epoch (pydantic reads numbers
// over 2e10 as milliseconds).
var unixTime = regexp.MustCompile(`^-?\d+(?:\.\d+)?$`)

// parseTime accepts what Airflow's date-time parameters accept: the
// official client's 2026-12-01T19:20:39.000000+0000, RFC 3339 (Z, +00:00),
// a time without a zone (UTC), a date alone (midnight UTC) and Unix
// seconds or milliseconds. Fractions of any length are kept to the
// nanosecond.
func parseTime(s string) (time.Time, error) {
	if unixTime.MatchString(s) {
		f, err := strconv.ParseFloat(s, 64)
		if err != nil {
			return time.Time{}, fmt.Errorf("%q is not a date-time", s)
		}
		if f > 2e10 || f < -2e10 {
			f /= 1000
		}
		sec := math.Floor(f)
		return time.Unix(int64(sec), int64((f-sec)*1e9)).UTC(), nil
	}
	m := isoTime.FindStringSubmatch(s)
	if m == nil {
		return time.Time{}, fmt.Errorf("%q is not a date-time like 2026-12-01T19:20:39.000000+00:00", s)
	}
	n := func(i int) int {
		v, _ := strconv.Atoi(m[i])
		return v
	}
	year, month, day, hour, minute, sec := n(1), n(2), n(3), n(4), n(5), n(6)
	nsec := 0
	if frac := m[7]; frac != "" {
		frac = (frac + "000000000")[:9]
		nsec, _ = strconv.Atoi(frac)
	}
	loc := time.UTC
	if z := m[8]; z != "" && z != "Z" && z != "z" {
		d := strings.ReplaceAll(z[1:], ":", "")
		hh, _ := strconv.Atoi(d[:2])
		mm := 0
		if len(d) == 4 {
			mm, _ = strconv.Atoi(d[2:])
		}
		if hh > 23 || mm > 59 {
			return time.Time{}, fmt.Errorf("%q: time zone offset %s out of range", s, z)
		}
		off := hh*3600 + mm*60
		if z[0] == '-' {
			off = -off
		}
		loc = time.FixedZone("", off)
	}
	t := time.Date(year, time.Month(month), day, hour, minute, sec, nsec, loc)
	if t.Year() != year || int(t.Month()) != month || t.Day() != day || t.Hour() != hour || t.Minute() != minute || t.Second() != sec {
		return time.Time{}, fmt.Errorf("%q: date or time out of range", s)
	}
	return t, nil
}

// page slices items by offset and limit.
func page[T any](items []T, offset, limit int) []T {
	if offset >= len(items) {
		return []T{}
	}
	end := min(len(items), offset+limit)
	return items[offset:end]
}

// likePattern compiles an Airflow "pattern" parameter (SQL LIKE: % and _
// wildcards, matched anywhere, case-insensitive) into a regexp.
func likePattern(p string) *regexp.Regexp {
	var b strings.Builder
	b.WriteString("(?i)")
	for _, r := range p {
		switch r {
		case '%':
			b.WriteString(".*")
		case '_':
			b.WriteString(".")
		default:
			b.WriteString(regexp.QuoteMeta(string(r)))
		}
	}
	return regexp.MustCompile(b.String())
}

// timeRange is an inclusive/exclusive filter on one timestamp.
type timeRange struct {
	gte, gt, lte, lt *time.Time
}

func (q *query) timeRange(prefix string) timeRange {
	return timeRange{gte: q.timep(prefix + "_gte"), gt: q.timep(prefix + "_gt"), lte: q.timep(prefix + "_lte"), lt: q.timep(prefix + "_lt")}
}

// empty reports whether the range has no bound.
func (tr timeRange) empty() bool {
	return tr.gte == nil && tr.gt == nil && tr.lte == nil && tr.lt == nil
}

// match reports whether t is within the range; a nil t matches only an
// empty range.
func (tr timeRange) match(t *time.Time) bool {
	if tr.empty() {
		return true
	}
	if t == nil {
		return false
	}
	return (tr.gte == nil || !t.Before(*tr.gte)) && (tr.gt == nil || t.After(*tr.gt)) &&
		(tr.lte == nil || !t.After(*tr.lte)) && (tr.lt == nil || t.Before(*tr.lt))
}

// parseWait parses ?wait=: a Go duration ("60s", "2m") or seconds ("60").
func parseWait(s string, maxWait time.Duration) (time.Duration, error) {
	if s == "" {
		return 0, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		n, nerr := strconv.ParseFloat(s, 64)
		if nerr != nil {
			return 0, unprocessable([]any{"query", "wait"}, "value_error", "wait %q: want a duration like 60s or a number of seconds", s)
		}
		d = time.Duration(n * float64(time.Second))
	}
	if d < 0 {
		return 0, unprocessable([]any{"query", "wait"}, "value_error", "wait %q is negative", s)
	}
	return min(d, maxWait), nil
}

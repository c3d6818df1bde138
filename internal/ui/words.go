package ui

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// presetWords are Airflow's cron presets in words.
var presetWords = map[string]string{
	"@once":       "once",
	"@continuous": "continuously",
	"@hourly":     "every hour, on the hour",
	"@daily":      "every day at 00:00",
	"@midnight":   "every day at 00:00",
	"@weekly":     "every Sunday at 00:00",
	"@monthly":    "on day 1 of every month at 00:00",
	"@yearly":     "on January 1 at 00:00",
	"@annually":   "on January 1 at 00:00",
}

var weekdays = []string{"Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"}

// scheduleWords says a schedule (cron, preset or duration) in words; the
// expression itself when it is beyond the common forms.
func scheduleWords(expr string) string {
	expr = strings.TrimSpace(expr)
	switch expr {
	case "", "None", "null":
		return "manual only"
	}
	if w, ok := presetWords[expr]; ok {
		return w
	}
	if d, err := time.ParseDuration(expr); err == nil {
		return "every " + d.String()
	}
	f := strings.Fields(expr)
	if len(f) != 5 {
		return expr
	}
	minute, hour, dom, month, dow := f[0], f[1], f[2], f[3], f[4]
	if month != "*" {
		return expr
	}
	if n, ok := step(minute); ok && hour == "*" && dom == "*" && dow == "*" {
		return fmt.Sprintf("every %d minutes", n)
	}
	if minute == "*" && hour == "*" && dom == "*" && dow == "*" {
		return "every minute"
	}
	m, okM := num(minute, 59)
	if !okM {
		return expr
	}
	if hour == "*" && dom == "*" && dow == "*" {
		return fmt.Sprintf("every hour at minute %d", m)
	}
	if n, ok := step(hour); ok && dom == "*" && dow == "*" {
		return fmt.Sprintf("every %d hours at minute %d", n, m)
	}
	var at []string
	for _, h := range strings.Split(hour, ",") {
		hv, ok := num(h, 23)
		if !ok {
			return expr
		}
		at = append(at, fmt.Sprintf("%02d:%02d", hv, m))
	}
	when := strings.Join(at, ", ")
	switch {
	case dom == "*" && dow == "*":
		return "every day at " + when
	case dom == "*" && dow == "1-5":
		return "every weekday at " + when
	case dom == "*":
		var days []string
		for _, d := range strings.Split(dow, ",") {
			dv, ok := num(d, 7)
			if !ok {
				return expr
			}
			days = append(days, weekdays[dv%7])
		}
		return "every " + strings.Join(days, ", ") + " at " + when
	case dow == "*":
		if dv, ok := num(dom, 31); ok && dv > 0 {
			return fmt.Sprintf("on day %d of every month at %s", dv, when)
		}
	}
	return expr
}

func num(s string, hi int) (int, bool) {
	n, err := strconv.Atoi(s)
	return n, err == nil && n >= 0 && n <= hi
}

// step parses "*/n".
func step(s string) (int, bool) {
	v, ok := strings.CutPrefix(s, "*/")
	if !ok {
		return 0, false
	}
	n, err := strconv.Atoi(v)
	return n, err == nil && n > 0
}

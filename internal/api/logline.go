package api

import (
	"encoding/json"
	"strconv"
	"strings"
	"time"
)

// taskLogger is the logger name of task log entries.
const taskLogger = "task"

// parseLogLine reads one line of a captured task log (slog's text form:
// time=... level=INFO msg="..." key=value ...) into Airflow's structured
// log entry: timestamp, level (lower case, as Airflow writes it), logger,
// event, and the other attributes as extra keys. A line in another form is
// the event as is, at level info, with the timestamp of the line before it
// (prev; the try's start for the first).
func parseLogLine(line string, prev *time.Time) StructuredLogMessage {
	out := StructuredLogMessage{Event: line, Level: "info", Logger: taskLogger, Timestamp: prev}
	if !strings.HasPrefix(line, "time=") {
		return out
	}
	attrs, ok := logfmt(line)
	if !ok {
		return out
	}
	for _, kv := range attrs {
		switch kv[0] {
		case "time":
			if t, err := time.Parse(time.RFC3339Nano, kv[1]); err == nil {
				u := t.UTC()
				out.Timestamp = &u
			}
		case "level":
			out.Level = strings.ToLower(kv[1])
		case "msg":
			out.Event = kv[1]
		default:
			if out.Extra == nil {
				out.Extra = map[string]string{}
			}
			out.Extra[kv[0]] = kv[1]
		}
	}
	return out
}

// logfmt splits key=value pairs; values may be Go-quoted.
func logfmt(s string) ([][2]string, bool) {
	var out [][2]string
	for i := 0; i < len(s); {
		if s[i] == ' ' {
			i++
			continue
		}
		eq := strings.IndexByte(s[i:], '=')
		if eq <= 0 {
			return nil, false
		}
		key := s[i : i+eq]
		i += eq + 1
		var val string
		if i < len(s) && s[i] == '"' {
			j := i + 1
			for j < len(s) && s[j] != '"' {
				if s[j] == '\\' {
					j++
				}
				j++
			}
			if j >= len(s) {
				return nil, false
			}
			v, err := strconv.Unquote(s[i : j+1])
			if err != nil {
				return nil, false
			}
			val, i = v, j+1
		} else {
			j := strings.IndexByte(s[i:], ' ')
			if j < 0 {
				j = len(s) - i
			}
			val, i = s[i:i+j], i+j
		}
		out = append(out, [2]string{key, val})
	}
	return out, len(out) > 0
}

// MarshalJSON writes the entry with its extra attributes as keys of their
// own, as Airflow's structured log entries carry them.
func (m StructuredLogMessage) MarshalJSON() ([]byte, error) {
	o := make(map[string]any, 4+len(m.Extra))
	for k, v := range m.Extra {
		o[k] = v
	}
	o["event"] = m.Event
	if m.Timestamp != nil {
		o["timestamp"] = m.Timestamp.UTC()
	}
	o["level"] = m.Level
	o["logger"] = m.Logger
	return json.Marshal(o)
}

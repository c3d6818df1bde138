package api

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
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

// UnmarshalJSON reads what MarshalJSON writes: the known keys into their
// fields, every other string-valued key into Extra.
func (m *StructuredLogMessage) UnmarshalJSON(b []byte) error {
	var o map[string]json.RawMessage
	if err := json.Unmarshal(b, &o); err != nil {
		return err
	}
	*m = StructuredLogMessage{}
	for k, raw := range o {
		var err error
		switch k {
		case "event":
			err = json.Unmarshal(raw, &m.Event)
		case "level":
			err = json.Unmarshal(raw, &m.Level)
		case "logger":
			err = json.Unmarshal(raw, &m.Logger)
		case "timestamp":
			err = json.Unmarshal(raw, &m.Timestamp)
		default:
			var s string
			if json.Unmarshal(raw, &s) != nil {
				s = string(raw)
			}
			if m.Extra == nil {
				m.Extra = map[string]string{}
			}
			m.Extra[k] = s
		}
		if err != nil {
			return fmt.Errorf("log entry %q: %w", k, err)
		}
	}
	return nil
}

// String is the entry as the slog text line it was read from: time=...
// level=... msg=... and the other attributes, sorted by key.
func (m StructuredLogMessage) String() string {
	var b strings.Builder
	if m.Timestamp != nil {
		b.WriteString("time=" + m.Timestamp.UTC().Format(time.RFC3339Nano) + " ")
	}
	b.WriteString("level=" + strings.ToUpper(m.Level) + " msg=" + logValue(m.Event))
	for _, k := range slices.Sorted(maps.Keys(m.Extra)) {
		b.WriteString(" " + k + "=" + logValue(m.Extra[k]))
	}
	return b.String()
}

// logValue quotes v as slog's text handler does when it needs quoting.
func logValue(v string) string {
	if v == "" || strings.ContainsAny(v, " =\"\\\t\n") {
		return strconv.Quote(v)
	}
	return v
}

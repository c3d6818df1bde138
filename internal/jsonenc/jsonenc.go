// Package jsonenc appends JSON values to byte slices as encoding/json writes
// them, without reflection, for the few records written once per try (the
// asynq payload, the try record), where encoding/json's reflection was a
// measurable share of a worker's CPU. Readers use encoding/json.
package jsonenc

import (
	"encoding/json"
	"time"
	"unicode/utf8"
)

// String appends s as a JSON string. Invalid UTF-8 is handed to
// encoding/json, which replaces it.
func String(b []byte, s string) []byte {
	if !utf8.ValidString(s) {
		q, _ := json.Marshal(s)
		return append(b, q...)
	}
	const hex = "0123456789abcdef"
	b = append(b, '"')
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '"' || c == '\\':
			b = append(b, '\\', c)
		case c < 0x20:
			b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
		default:
			b = append(b, c)
		}
	}
	return append(b, '"')
}

// Time appends t as encoding/json writes a time.Time (RFC 3339 with
// nanoseconds); a year outside 0–9999, which encoding/json refuses, is
// written as the zero time.
func Time(b []byte, t time.Time) []byte {
	if y := t.Year(); y < 0 || y > 9999 {
		t = time.Time{}
	}
	b = append(b, '"')
	return append(t.AppendFormat(b, time.RFC3339Nano), '"')
}

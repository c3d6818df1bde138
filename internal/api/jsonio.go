package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"reflect"
	"sort"
	"strconv"
	"strings"
)

// apiError is an error with an HTTP status and an Airflow-style body.
type apiError struct {
	status int
	detail any // a string, or []fieldError for 422
}

func (e *apiError) Error() string { return fmt.Sprintf("%d: %v", e.status, e.detail) }

// fieldError is one entry of Airflow's 422 HTTPValidationError.
type fieldError struct {
	Type  string         `json:"type"`
	Loc   []any          `json:"loc"`
	Msg   string         `json:"msg"`
	Input any            `json:"input,omitempty"`
	Ctx   map[string]any `json:"ctx,omitempty"`
}

func httpErr(status int, format string, a ...any) *apiError {
	return &apiError{status: status, detail: fmt.Sprintf(format, a...)}
}

// intParsingError is pydantic's 422 for the parameter name (in "path" or
// "query") whose value raw is not an integer.
func intParsingError(in, name, raw string) *apiError {
	return &apiError{status: http.StatusUnprocessableEntity, detail: []fieldError{{Type: "int_parsing", Loc: []any{in, name}, Input: raw,
		Msg: "Input should be a valid integer, unable to parse string as an integer"}}}
}

// intParam parses the integer parameter name (in "path" or "query"), or
// returns its 422.
func intParam(in, name, raw string) (int, error) {
	n, err := strconv.Atoi(raw)
	if err != nil {
		return 0, intParsingError(in, name, raw)
	}
	return n, nil
}

func unprocessable(loc []any, typ, format string, a ...any) *apiError {
	return &apiError{status: http.StatusUnprocessableEntity, detail: []fieldError{{Loc: loc, Msg: fmt.Sprintf(format, a...), Type: typ}}}
}

// writeJSON writes v as JSON with the status.
func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// writeError writes err as Airflow writes errors ({"detail": ...}); errors
// that are not apiErrors become 500 and are logged.
func (s *Server) writeError(w http.ResponseWriter, r *http.Request, err error) {
	var ae *apiError
	if !errors.As(err, &ae) {
		switch {
		case errors.Is(err, ErrNotFound):
			ae = httpErr(http.StatusNotFound, "%v", err)
		case errors.Is(err, ErrRunExists):
			ae = httpErr(http.StatusConflict, "%v", err)
		case errors.Is(err, ErrUnsupported):
			ae = httpErr(http.StatusNotImplemented, "%v", err)
		case errors.Is(err, ErrInvalid):
			ae = httpErr(http.StatusBadRequest, "%v", err)
		case unavailable(err):
			s.log.WarnContext(r.Context(), "api request failed: Redis unreachable", "method", r.Method, "path", r.URL.Path, "err", err)
			w.Header().Set("Retry-After", strconv.Itoa(RetryAfter))
			ae = httpErr(http.StatusServiceUnavailable, "%v; retry in %d s", ErrUnavailable, RetryAfter)
		default:
			s.log.ErrorContext(r.Context(), "api request failed", "method", r.Method, "path", r.URL.Path, "err", err)
			ae = httpErr(http.StatusInternalServerError, "internal error")
		}
	}
	writeJSON(w, ae.status, map[string]any{"detail": ae.detail})
}

// decodeBody reads a JSON object body into v. An empty body leaves v as it
// is. Syntax errors are 422 json_invalid (as FastAPI) with the offset, line and column, type errors 422 with
// the field, too large bodies 413. Keys v does not know are ignored and
// logged (Airflow rejects them; we are lenient).
func (s *Server) decodeBody(r *http.Request, v any) error {
	data, err := io.ReadAll(r.Body)
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return httpErr(http.StatusRequestEntityTooLarge, "request body larger than %d bytes", mbe.Limit)
		}
		return httpErr(http.StatusBadRequest, "read body: %v", err)
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return nil
	}
	if err := json.Unmarshal(data, v); err != nil {
		return jsonError(data, err)
	}
	if unknown := unknownKeys(data, v); len(unknown) > 0 {
		s.log.InfoContext(r.Context(), "api ignored unknown body keys", "path", r.URL.Path, "keys", unknown)
	}
	return nil
}

// jsonError maps a json decode error to 400 (syntax, with position) or 422
// (a value of the wrong type, with its field).
func jsonError(data []byte, err error) error {
	var se *json.SyntaxError
	var ute *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		off := max(0, se.Offset-1) // Offset is just past the bad byte
		line, col := position(data, off)
		return jsonInvalid(off, fmt.Sprintf("%v at line %d, column %d", se, line, col))
	case errors.As(err, &ute):
		loc := []any{"body"}
		if ute.Field != "" {
			for _, p := range strings.Split(ute.Field, ".") {
				loc = append(loc, p)
			}
		}
		return unprocessable(loc, "type_error", "want %s, got JSON %s", jsonType(ute.Type), ute.Value)
	case errors.Is(err, io.ErrUnexpectedEOF):
		line, col := position(data, int64(len(data)))
		return jsonInvalid(int64(len(data)), fmt.Sprintf("unexpected end of input at line %d, column %d", line, col))
	default:
		return unprocessable([]any{"body"}, "value_error", "%v", err)
	}
}

// jsonInvalid is FastAPI's 422 for a body that is not JSON: the location is
// the byte offset, the reason in ctx.error.
func jsonInvalid(off int64, reason string) error {
	return &apiError{status: http.StatusUnprocessableEntity, detail: []fieldError{{
		Type: "json_invalid", Loc: []any{"body", off}, Msg: "JSON decode error", Input: map[string]any{},
		Ctx: map[string]any{"error": reason},
	}}}
}

func jsonType(t reflect.Type) string {
	switch t.Kind() {
	case reflect.Map, reflect.Struct:
		return "an object"
	case reflect.Slice, reflect.Array:
		return "an array"
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "a boolean"
	case reflect.Pointer:
		return jsonType(t.Elem())
	default:
		return "a number"
	}
}

// position turns a byte offset into a 1-based line and column.
func position(data []byte, off int64) (line, col int) {
	if off > int64(len(data)) {
		off = int64(len(data))
	}
	prefix := data[:off]
	line = bytes.Count(prefix, []byte("\n")) + 1
	col = int(off) - bytes.LastIndexByte(prefix, '\n')
	return line, col
}

// unknownKeys lists the top-level keys of a JSON object that v's struct
// type does not declare.
func unknownKeys(data []byte, v any) []string {
	t := reflect.TypeOf(v)
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t.Kind() != reflect.Struct {
		return nil
	}
	var m map[string]json.RawMessage
	if json.Unmarshal(data, &m) != nil {
		return nil
	}
	known := map[string]bool{}
	for i := range t.NumField() {
		name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ",")
		known[name] = true
	}
	var out []string
	for k := range m {
		if !known[k] {
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return out
}

// discardLogger is the default logger.
func discardLogger() *slog.Logger { return slog.New(slog.DiscardHandler) }

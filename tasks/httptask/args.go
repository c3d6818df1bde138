package httptask

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/dagworker/dagworker/tasks"
)

// Limits and defaults.
const (
	DefaultTimeout  = 30 * time.Second
	MaxTimeout      = 10 * time.Minute
	MaxBodyBytes    = 10 << 20 // of a response read
	MaxXComBytes    = 48 << 10 // of the body returned as XCom
	maxRequestBytes = 10 << 20
)

// Check is a response_check: the status must be one of Status (default
// any 2xx), and when JSONPath is set the response JSON must have a value
// there, equal to Equals when Equals is given.
type Check struct {
	Status   []int           `json:"status"`
	JSONPath string          `json:"json_path"`
	Equals   json.RawMessage `json:"equals"`
}

// Args are the arguments of an http task.
type Args struct {
	// Method is the HTTP method (default POST, as Airflow's HttpOperator).
	Method string `json:"method"`
	// URL is the full URL; or Endpoint, a path (and query) resolved against
	// the connection HTTPConn's URL.
	URL      string `json:"url"`
	Endpoint string `json:"endpoint"`
	HTTPConn string `json:"http_conn"`
	// Headers are sent as given.
	Headers map[string]string `json:"headers"`
	// JSON is sent as the JSON body; Data as the raw body. Not both.
	JSON json.RawMessage `json:"json"`
	Data *string         `json:"data"`
	// ResponseCheck checks the response (default: a 2xx status).
	ResponseCheck *Check `json:"response_check"`
	// ResponseFilter is a JSON path whose value in the response is the XCom
	// (default: the body as text, when under MaxXComBytes).
	ResponseFilter string `json:"response_filter"`
	// Timeout in seconds for the whole request (default 30).
	Timeout *float64 `json:"timeout"`
}

// ArgNames returns the names of the http task's arguments.
func ArgNames() []string {
	return []string{"method", "url", "endpoint", "http_conn", "headers", "json", "data", "response_check", "response_filter", "timeout"}
}

var methods = []string{http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete, http.MethodOptions}

func parseArgs(t *tasks.Task) (Args, time.Duration, error) {
	var a Args
	if err := tasks.DecodeArgs(t, &a); err != nil {
		return a, 0, err
	}
	a.Method = strings.ToUpper(a.Method)
	if a.Method == "" {
		a.Method = http.MethodPost
	}
	if !slices.Contains(methods, a.Method) {
		return a, 0, tasks.InvalidArg("method", "%q is not one of %s", a.Method, strings.Join(methods, ", "))
	}
	switch {
	case a.URL == "" && a.HTTPConn == "":
		return a, 0, tasks.InvalidArg("url", "give url, or http_conn (and endpoint)")
	case a.URL != "" && (a.HTTPConn != "" || a.Endpoint != ""):
		return a, 0, tasks.InvalidArg("url", "give either url or http_conn and endpoint, not both")
	case len(a.JSON) > 0 && a.Data != nil:
		return a, 0, tasks.InvalidArg("json", "give either json or data, not both")
	}
	if len(a.JSON) > maxRequestBytes || a.Data != nil && len(*a.Data) > maxRequestBytes {
		return a, 0, tasks.InvalidArg("data", "the body is over %d bytes", maxRequestBytes)
	}
	timeout := DefaultTimeout
	if a.Timeout != nil {
		if *a.Timeout <= 0 || time.Duration(*a.Timeout*float64(time.Second)) > MaxTimeout {
			return a, 0, tasks.InvalidArg("timeout", "want seconds in (0, %g]", MaxTimeout.Seconds())
		}
		timeout = time.Duration(*a.Timeout * float64(time.Second))
	}
	return a, timeout, nil
}

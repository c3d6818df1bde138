// Package conn resolves the connections tasks name (http_conn, notion's
// token), as Airflow's connections: an Airflow URI such as
// http://user:pass@host:port/path?extra=value, from the environment
// variable DAGWORKER_CONN_<ID> (the id upper-cased, as Airflow's
// AIRFLOW_CONN_<ID>) or from a connections file, a JSON object of id → URI.
package conn

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"os"
	"regexp"
	"strings"
)

// ErrNotFound is returned for a connection id defined nowhere.
var ErrNotFound = errors.New("connection not found")

// idPattern is what a connection id may be.
var idPattern = regexp.MustCompile(`^[A-Za-z0-9_.-]{1,250}$`)

// Store looks connections up: the environment first, then the file's.
type Store struct {
	env  func(string) string
	file map[string]string
	path string
}

// Load returns a Store over the environment and, when path is not empty,
// the connections file at path.
func Load(path string) (*Store, error) {
	s := &Store{env: os.Getenv, path: path}
	if path == "" {
		return s, nil
	}
	data, err := os.ReadFile(path) //nolint:gosec // G304: the --connections file the operator configured
	if err != nil {
		return nil, fmt.Errorf("connections file: %w", err)
	}
	if err := json.Unmarshal(data, &s.file); err != nil {
		return nil, fmt.Errorf("connections file %s: want a JSON object of connection id to URI: %w", path, err)
	}
	for id, uri := range s.file {
		if _, err := parse(id, uri); err != nil {
			return nil, fmt.Errorf("connections file %s: %w", path, err)
		}
	}
	return s, nil
}

// Lookup returns connection id as a URL.
func (s *Store) Lookup(id string) (*url.URL, error) {
	if !idPattern.MatchString(id) {
		return nil, fmt.Errorf("connection id %q: not an id", id)
	}
	name := "DAGWORKER_CONN_" + strings.ToUpper(strings.NewReplacer(".", "_", "-", "_").Replace(id))
	if uri := s.env(name); uri != "" {
		return parse(id, uri)
	}
	if uri, ok := s.file[id]; ok {
		return parse(id, uri)
	}
	where := name
	if s.path != "" {
		where += " or " + s.path
	}
	return nil, fmt.Errorf("%w: %q (set %s)", ErrNotFound, id, where)
}

func parse(id, uri string) (*url.URL, error) {
	u, err := url.Parse(uri)
	if err != nil || u.Scheme == "" || u.Host == "" {
		return nil, fmt.Errorf("connection %q: want a URI like https://user:pass@host:port/path?extra=value", id)
	}
	return u, nil
}

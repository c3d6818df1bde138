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
	"slices"
	"strings"
)

// ErrNotFound is returned for a connection id defined nowhere.
var ErrNotFound = errors.New("connection not found")

// idPattern is what a connection id may be.
var idPattern = regexp.MustCompile(`^[A-Za-z0-9_.-]{1,250}$`)

// Store looks connections up: the environment first, then the file's.
type Store struct {
	env     func(string) string
	environ func() []string
	file    map[string]string
	path    string
}

// Load returns a Store over the environment and, when path is not empty,
// the connections file at path.
func Load(path string) (*Store, error) {
	s := &Store{env: os.Getenv, environ: os.Environ, path: path}
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
	name := envName(id)
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

// Connection is one defined connection.
type Connection struct {
	// ID is the connection id: the file's key, or for a variable
	// DAGWORKER_CONN_<ID> the lower-cased <ID> (Lookup finds it by that id).
	ID string
	// URL is its URI.
	URL *url.URL
}

// envPrefix starts the name of a connection's environment variable.
const envPrefix = "DAGWORKER_CONN_"

// List returns every connection defined, sorted by id: the file's and the
// environment's (the environment's wins for an id in both). A variable
// whose value is not a URI is left out.
func (s *Store) List() []Connection {
	byID := map[string]*url.URL{}
	for id, uri := range s.file {
		if u, err := parse(id, uri); err == nil {
			byID[id] = u
		}
	}
	for _, kv := range s.environ() {
		name, uri, _ := strings.Cut(kv, "=")
		rest, ok := strings.CutPrefix(name, envPrefix)
		if !ok || rest == "" || uri == "" {
			continue
		}
		id := strings.ToLower(rest)
		for fid := range s.file {
			if envName(fid) == name {
				id = fid // the file's spelling of the same id
			}
		}
		if u, err := parse(id, uri); err == nil {
			byID[id] = u
		}
	}
	out := make([]Connection, 0, len(byID))
	for id, u := range byID {
		out = append(out, Connection{ID: id, URL: u})
	}
	slices.SortFunc(out, func(a, b Connection) int { return strings.Compare(a.ID, b.ID) })
	return out
}

// envName is the environment variable of connection id.
func envName(id string) string {
	return envPrefix + strings.ToUpper(strings.NewReplacer(".", "_", "-", "_").Replace(id))
}

func parse(id, uri string) (*url.URL, error) {
	u, err := url.Parse(uri)
	if err != nil || u.Scheme == "" || u.Host == "" {
		return nil, fmt.Errorf("connection %q: want a URI like https://user:pass@host:port/path?extra=value", id)
	}
	return u, nil
}

package api

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/dagworker/dagworker/internal/api/airflowspec"

	"github.com/dagworker/dagworker/tasks/conn"
)

// ConnectionSource lists the connections tasks use (*conn.Store: the
// DAGWORKER_CONN_<ID> variables and the --connections file). The API reads
// them only: they are edited where they are defined.
type ConnectionSource interface {
	List() []conn.Connection
}

// ConnectionResponse is Airflow's ConnectionResponse.
type ConnectionResponse = airflowspec.ConnectionResponse

// ConnectionCollectionResponse is Airflow's ConnectionCollectionResponse.
type ConnectionCollectionResponse = airflowspec.ConnectionCollectionResponse

// toConnection is c as Airflow shows a connection: the URI's parts, the
// password and the query parameters of sensitive names as ***.
func toConnection(c conn.Connection) ConnectionResponse {
	u := c.URL
	out := ConnectionResponse{ConnectionID: c.ID, ConnType: strings.ReplaceAll(u.Scheme, "-", "_"),
		Host: strPtr(u.Hostname()), Schema: strPtr(strings.TrimPrefix(u.Path, "/"))}
	if p, err := strconv.Atoi(u.Port()); err == nil {
		out.Port = &p
	}
	if u.User != nil {
		out.Login = strPtr(u.User.Username())
		if _, set := u.User.Password(); set {
			out.Password = strPtr("***")
		}
	}
	if q := u.Query(); len(q) > 0 {
		extra := make(map[string]string, len(q))
		for k, vs := range q {
			v := strings.Join(vs, ",")
			if sensitive(k) {
				v = "***"
			}
			extra[k] = v
		}
		b, _ := json.Marshal(extra) // a map of strings always encodes
		out.Extra = strPtr(string(b))
	}
	return out
}

// sensitive reports whether a key names a secret (Airflow's default
// sensitive words).
func sensitive(key string) bool {
	k := strings.ToLower(key)
	return slices.ContainsFunc(sensitiveWords, func(w string) bool { return strings.Contains(k, w) })
}

func (s *Server) connections() ([]conn.Connection, error) {
	if s.cfg.Connections == nil {
		return nil, fmt.Errorf("connections: %w", ErrUnsupported)
	}
	return s.cfg.Connections.List(), nil
}

// handleListConnections is GET /api/v2/connections: connection_id_pattern,
// order_by, paging.
func (s *Server) handleListConnections(w http.ResponseWriter, r *http.Request) {
	q := newQuery(r)
	limit, offset := q.page()
	pattern := q.str("connection_id_pattern")
	if err := q.err(); err != nil {
		s.writeError(w, r, err)
		return
	}
	order, err := orderByParam(r, []string{"conn_id", "conn_type", "description", "host", "port", "id", "team_name", "connection_id"})
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	cs, err := s.connections()
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	keep := func(string) bool { return true }
	if pattern != "" {
		keep = likePattern(pattern).MatchString
	}
	out := []ConnectionResponse{}
	for _, c := range cs {
		if keep(c.ID) {
			out = append(out, toConnection(c))
		}
	}
	key := strings.TrimPrefix(order, "-")
	slices.SortStableFunc(out, func(a, b ConnectionResponse) int {
		switch key {
		case "conn_type":
			return strings.Compare(a.ConnType, b.ConnType)
		case "host":
			return strings.Compare(deref(a.Host), deref(b.Host))
		case "port":
			return intOr0(a.Port) - intOr0(b.Port)
		}
		return strings.Compare(a.ConnectionID, b.ConnectionID) // id, conn_id, connection_id; description and team_name are null
	})
	if strings.HasPrefix(order, "-") {
		slices.Reverse(out)
	}
	writeJSON(w, http.StatusOK, ConnectionCollectionResponse{Connections: page(out, offset, limit), TotalEntries: len(out)})
}

func intOr0(p *int) int {
	if p == nil {
		return 0
	}
	return *p
}

// handleGetConnection is GET /api/v2/connections/{connection_id}.
func (s *Server) handleGetConnection(w http.ResponseWriter, r *http.Request) {
	cs, err := s.connections()
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	id := r.PathValue("connection_id")
	for _, c := range cs {
		if c.ID == id {
			writeJSON(w, http.StatusOK, toConnection(c))
			return
		}
	}
	s.writeError(w, r, httpErr(http.StatusNotFound, "The Connection with connection_id: `%s` was not found", id))
}

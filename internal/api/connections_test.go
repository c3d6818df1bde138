package api

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/dagworker/dagworker/tasks/conn"
)

// TestConnections: the tasks' connections are listed and read as Airflow
// shows connections, with the password and secret extras masked.
func TestConnections(t *testing.T) {
	t.Parallel()
	file := filepath.Join(t.TempDir(), "conns.json")
	require.NoError(t, os.WriteFile(file, []byte(`{"api": "https://u:p%40ss@api.example:8443/v1?allow_private=true&api_key=zzz",
		"notion": "https://:tok@api.notion.example", "plain": "http://h.example"}`), 0o600))
	store, err := conn.Load(file)
	require.NoError(t, err)
	b := setup(t, func(c *Config) { c.Connections = store })
	tests := []struct {
		name, path string
		want       int
		body       string
	}{
		{"get", "/api/v2/connections/api", 200, `{"conn_type":"https","connection_id":"api","description":null,` +
			`"extra":"{\"allow_private\":\"true\",\"api_key\":\"***\"}","host":"api.example","login":"u","password":"***","port":8443,"schema":"v1","team_name":null}`},
		{"no password", "/api/v2/connections/plain", 200, `"extra":null,"host":"h.example","login":null,"password":null,"port":null,"schema":null`},
		{"missing", "/api/v2/connections/nope", 404, "The Connection with connection_id: `nope` was not found"},
		{"list", "/api/v2/connections", 200, `"total_entries":3`},
		{"pattern", "/api/v2/connections?connection_id_pattern=not%25", 200, `"connection_id":"notion"`},
		{"order", "/api/v2/connections?order_by=-connection_id&limit=1", 200, `{"connections":[{"conn_type":"http","connection_id":"plain"`},
		{"bad order", "/api/v2/connections?order_by=bogus", 400, "Ordering with 'bogus' is disallowed"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res := b.req(t, "GET", tc.path, rd, nil)
			require.Equal(t, tc.want, res.status, string(res.body))
			require.Contains(t, string(res.body), tc.body)
		})
	}
	require.NotContains(t, string(b.req(t, "GET", "/api/v2/connections", rd, nil).body), "tok", "no secret is shown")
	require.Equal(t, 401, b.req(t, "GET", "/api/v2/connections", "", nil).status)
}

package conn

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestLookup(t *testing.T) {
	t.Parallel()
	file := filepath.Join(t.TempDir(), "conns.json")
	require.NoError(t, os.WriteFile(file, []byte(`{"api": "https://u:p%40ss@api.example:8443/v1?allow_private=true", "both": "http://file.example"}`), 0o600))
	s, err := Load(file)
	require.NoError(t, err)
	s.env = func(name string) string {
		return map[string]string{"DAGWORKER_CONN_BOTH": "http://env.example", "DAGWORKER_CONN_MY_HTTP": "http://h.example"}[name]
	}
	u, err := s.Lookup("api")
	require.NoError(t, err)
	require.Equal(t, "api.example:8443", u.Host)
	pass, _ := u.User.Password()
	require.Equal(t, "p@ss", pass)
	require.Equal(t, "true", u.Query().Get("allow_private"))
	u, err = s.Lookup("both")
	require.NoError(t, err)
	require.Equal(t, "env.example", u.Host, "the environment wins")
	u, err = s.Lookup("my-http")
	require.NoError(t, err)
	require.Equal(t, "h.example", u.Host)
	_, err = s.Lookup("absent")
	require.ErrorIs(t, err, ErrNotFound)
	require.ErrorContains(t, err, "DAGWORKER_CONN_ABSENT or "+file)
	_, err = s.Lookup("../x")
	require.ErrorContains(t, err, "not an id")

	require.NoError(t, os.WriteFile(file, []byte(`{"bad": "no scheme"}`), 0o600))
	_, err = Load(file)
	require.ErrorContains(t, err, `connection "bad": want a URI`)
}

func TestList(t *testing.T) {
	t.Parallel()
	file := filepath.Join(t.TempDir(), "conns.json")
	require.NoError(t, os.WriteFile(file, []byte(`{"api": "https://u:p@api.example", "my-http": "http://file.example"}`), 0o600))
	s, err := Load(file)
	require.NoError(t, err)
	s.environ = func() []string {
		return []string{"HOME=/x", "DAGWORKER_CONN_MY_HTTP=http://env.example", "DAGWORKER_CONN_NOTION=https://:tok@api.notion.example",
			"DAGWORKER_CONN_BAD=no scheme", "DAGWORKER_CONN_=http://x.example"}
	}
	var got []string
	for _, c := range s.List() {
		got = append(got, c.ID+" "+c.URL.Host)
	}
	require.Equal(t, []string{"api api.example", "my-http env.example", "notion api.notion.example"}, got)
}

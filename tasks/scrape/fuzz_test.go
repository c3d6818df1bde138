package scrape

import (
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/dagworker/dagworker/tasks"
)

func FuzzArgs(f *testing.F) {
	f.Add([]byte(`{"urls":"http://example.org/"}`))
	f.Add([]byte(`{"urls":["https://a.example/x?y#z","http://[::1]:8080/"],"max_pages":5,"follow":["^https://"],"selector":"main p","delay":"1s","timeout":2.5}`))
	f.Add([]byte(`{"url":"http://127.1/","allowed_domains":"Example.ORG.","max_body_bytes":1024,"user_agent":"x"}`))
	f.Add([]byte(`{"urls":"http://user@h/","timeout":"-1s"}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := parseArgs(&tasks.Task{Type: "scrape", Args: data}, "ua")
		if err != nil {
			require.ErrorIs(t, err, tasks.ErrInvalidArgs)
			return
		}
		require.NotEmpty(t, s.urls)
		require.NotEmpty(t, s.allowedDomains)
		for _, u := range s.urls {
			require.Contains(t, []string{"http", "https"}, u.Scheme)
			require.NotEmpty(t, u.Hostname())
			require.Nil(t, u.User)
			require.Empty(t, u.Fragment)
		}
		require.True(t, s.maxPages >= 1 && s.maxPages <= MaxMaxPages)
		require.True(t, s.maxDepth >= 0 && s.maxDepth <= MaxMaxDepth)
		require.True(t, s.parallelism >= 1 && s.parallelism <= MaxParallelism)
		require.True(t, s.timeout > 0 && s.timeout <= MaxTimeout)
		require.True(t, s.delay >= 0 && s.delay <= MaxDelay)
		require.True(t, s.maxBodyBytes >= MinMaxBodyBytes && s.maxBodyBytes <= MaxMaxBodyBytes)
		require.True(t, s.maxRedirects >= 0 && s.maxRedirects <= MaxMaxRedirects)
		require.NotContains(t, s.userAgent, "\n")
	})
}

func FuzzNormalize(f *testing.F) {
	f.Add("http://Example.ORG:80/a/../b?q=1#frag")
	f.Add("https://[::1]:443")
	f.Add("http://h/%zz")
	f.Add("//@//")
	f.Fuzz(func(t *testing.T, raw string) {
		u, err := url.Parse(raw)
		if err != nil {
			return
		}
		// normalize's callers hand it only absolute http(s) URLs with a
		// host; without one, a path such as "//" reads back as an empty
		// authority and the round trip below cannot hold.
		if u.Scheme == "" || u.Host == "" {
			return
		}
		n := normalize(u)
		require.Empty(t, n.Fragment)
		require.Nil(t, n.User)
		require.Equal(t, strings.ToLower(n.Host), n.Host)
		again := normalize(n)
		require.Equal(t, n.String(), again.String(), "normalize is idempotent")
		if n2, err := url.Parse(n.String()); err == nil && n.Opaque == "" {
			require.Equal(t, n.String(), normalize(n2).String(), "a normalised URL survives a round trip")
		}
	})
}

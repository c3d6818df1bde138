package ssrf

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// site is a real HTTP server on 127.0.0.1 that counts the requests reaching it.
type site struct {
	srv  *httptest.Server
	hits atomic.Int64
	port string
}

func startSite(t *testing.T) *site {
	t.Helper()
	s := &site{}
	mux := http.NewServeMux()
	mux.HandleFunc("/", func(w http.ResponseWriter, _ *http.Request) {
		s.hits.Add(1)
		_, _ = io.WriteString(w, "hello")
	})
	mux.HandleFunc("/redirect", func(w http.ResponseWriter, r *http.Request) {
		s.hits.Add(1)
		http.Redirect(w, r, r.URL.Query().Get("to"), http.StatusFound)
	})
	mux.HandleFunc("/loop", func(w http.ResponseWriter, r *http.Request) {
		s.hits.Add(1)
		http.Redirect(w, r, "/loop", http.StatusFound)
	})
	s.srv = httptest.NewServer(mux) // listens on 127.0.0.1
	t.Cleanup(s.srv.Close)
	u, err := url.Parse(s.srv.URL)
	require.NoError(t, err)
	s.port = u.Port()
	return s
}

func client(t *testing.T, g *Guard) *http.Client {
	t.Helper()
	c := g.Client(nil, 10*time.Second)
	t.Cleanup(c.CloseIdleConnections)
	return c
}

func get(c *http.Client, u string) (string, error) {
	resp, err := c.Get(u)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return string(b), err
}

// TestRefusedForms dials each spelling of a loopback address through a real
// client; none may reach the server.
func TestRefusedForms(t *testing.T) {
	t.Parallel()
	s := startSite(t)
	resolver := startDNS(t, map[string]netip.Addr{"evil.test": netip.MustParseAddr("127.0.0.1")})
	for _, host := range []string{
		"127.0.0.1",
		"127.1",              // inet_aton short form
		"2130706433",         // decimal
		"0x7f000001",         // hexadecimal
		"0177.0.0.1",         // octal
		"127.0.0.1.",         // trailing dot
		"[::ffff:127.0.0.1]", // IPv4-mapped
		"[::ffff:7f00:1]",
		"[::127.0.0.1]",     // IPv4-compatible
		"[64:ff9b::7f00:1]", // NAT64
		"[2002:7f00:1::1]",  // 6to4
		"0.0.0.0",           // reaches local listeners on Linux
		"[::]",
		"[::1]",
		"localhost", // /etc/hosts: 127.0.0.1 and ::1
		"evil.test", // our DNS server: 127.0.0.1 (checked after resolution)
	} {
		t.Run(host, func(t *testing.T) {
			t.Parallel()
			c := client(t, &Guard{Resolver: resolver})
			_, err := get(c, fmt.Sprintf("http://%s:%s/", host, s.port))
			require.ErrorIs(t, err, ErrBlocked)
		})
	}
	t.Cleanup(func() { require.Zero(t, s.hits.Load(), "a request reached the server") })
}

func TestAllowPrivate(t *testing.T) {
	t.Parallel()
	s := startSite(t)
	resolver := startDNS(t, map[string]netip.Addr{"evil.test": netip.MustParseAddr("127.0.0.1")})
	guards := map[string]*Guard{
		"allow_private": {AllowPrivate: true, Resolver: resolver},
		"allow_prefix":  {Allow: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}, Resolver: resolver},
	}
	for name, g := range guards {
		for _, host := range []string{"127.0.0.1", "[::ffff:127.0.0.1]", "localhost", "evil.test"} {
			body, err := get(client(t, g), fmt.Sprintf("http://%s:%s/", host, s.port))
			require.NoError(t, err, "%s %s", name, host)
			require.Equal(t, "hello", body)
		}
		// Go's resolver does not read inet_aton forms as addresses: allowed,
		// "127.1" is looked up as a name (here: our DNS server, which answers
		// NXDOMAIN), so it fails without reaching anything.
		_, err := get(client(t, g), fmt.Sprintf("http://127.1:%s/", s.port))
		require.ErrorContains(t, err, "no such host")
		require.NotErrorIs(t, err, ErrBlocked)
	}
	require.Equal(t, int64(8), s.hits.Load())
}

func TestRedirects(t *testing.T) {
	t.Parallel()
	s := startSite(t)
	resolver := startDNS(t, map[string]netip.Addr{
		"intranet.test": netip.MustParseAddr("10.0.0.1"),
		"metadata.test": netip.MustParseAddr("169.254.169.254"),
	})
	loopback := []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}
	tests := []struct {
		name     string
		guard    *Guard
		path     string
		wantErr  error
		wantHits int64
	}{
		{"metadata literal", &Guard{Allow: loopback}, "/redirect?to=http://169.254.169.254/latest/meta-data/", ErrBlocked, 1},
		{"metadata decimal", &Guard{Allow: loopback}, "/redirect?to=http://2852039166/", ErrBlocked, 1},
		{"metadata mapped", &Guard{Allow: loopback}, "/redirect?to=http://[::ffff:169.254.169.254]/", ErrBlocked, 1},
		{"metadata by name", &Guard{Allow: loopback, Resolver: resolver}, "/redirect?to=http://metadata.test/", ErrBlocked, 1},
		{"private by name", &Guard{Allow: loopback, Resolver: resolver}, "/redirect?to=http://intranet.test/", ErrBlocked, 1},
		{"loop bounded", &Guard{Allow: loopback, MaxRedirects: 3}, "/loop", ErrTooManyRedirects, 4},
		{"no redirects", &Guard{Allow: loopback, MaxRedirects: -1}, "/loop", ErrTooManyRedirects, 1},
		{"default limit", &Guard{Allow: loopback}, "/loop", ErrTooManyRedirects, DefaultMaxRedirects + 1},
		{"allowed redirect", &Guard{Allow: loopback}, "/redirect?to=/", nil, 2},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			// not parallel: each case counts the shared server's hits
			before := s.hits.Load()
			body, err := get(client(t, tc.guard), s.srv.URL+tc.path)
			if tc.wantErr == nil {
				require.NoError(t, err)
				require.Equal(t, "hello", body)
			} else {
				require.ErrorIs(t, err, tc.wantErr)
			}
			require.Equal(t, tc.wantHits, s.hits.Load()-before)
		})
	}
}

// TestProxyIgnored gives the base transport a proxy: the guarded transport
// must dial the site itself, never the proxy.
func TestProxyIgnored(t *testing.T) {
	t.Parallel()
	s := startSite(t)
	proxy := startSite(t)
	proxyURL, err := url.Parse(proxy.srv.URL)
	require.NoError(t, err)
	base := &http.Transport{Proxy: http.ProxyURL(proxyURL)}
	g := &Guard{AllowPrivate: true}
	c := g.Client(base, 10*time.Second)
	t.Cleanup(c.CloseIdleConnections)
	body, err := get(c, s.srv.URL+"/")
	require.NoError(t, err)
	require.Equal(t, "hello", body)
	require.Equal(t, int64(1), s.hits.Load())
	require.Zero(t, proxy.hits.Load())
	require.Nil(t, g.Transport(base).Proxy)
	require.True(t, strings.HasPrefix(s.srv.URL, "http://127.0.0.1:"))
}

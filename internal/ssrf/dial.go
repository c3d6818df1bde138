package ssrf

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"syscall"
	"time"
)

// Control is a net.Dialer Control function: it runs after name resolution and
// before connect, and refuses the connection when the resolved address is
// blocked. Non-IP networks are refused.
func (g *Guard) Control(network, address string, _ syscall.RawConn) error {
	switch network {
	case "tcp", "tcp4", "tcp6", "udp", "udp4", "udp6":
	default:
		return fmt.Errorf("%w: network %q", ErrBlocked, network)
	}
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return fmt.Errorf("%w: cannot parse dialled address %q: %w", ErrBlocked, address, err)
	}
	return g.CheckAddr(ap.Addr())
}

// DialContext dials through a net.Dialer whose Control is g.Control. A host
// that is a blocked IP literal (in any form ParseIPLiteral knows) is refused
// before any lookup.
func (g *Guard) DialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, fmt.Errorf("ssrf dial %q: %w", addr, err)
	}
	if err := g.CheckHost(host); err != nil {
		return nil, &net.OpError{Op: "dial", Net: network, Err: err}
	}
	timeout := g.DialTimeout
	if timeout == 0 {
		timeout = 30 * time.Second
	}
	d := &net.Dialer{
		Timeout:   timeout,
		KeepAlive: 30 * time.Second,
		Resolver:  g.Resolver,
		Control:   g.Control,
	}
	return d.DialContext(ctx, network, addr)
}

// Transport returns a clone of base (http.DefaultTransport's settings when
// nil) that dials only through g.DialContext (TLS included) and ignores proxy
// settings and the HTTP(S)_PROXY environment variables.
func (g *Guard) Transport(base *http.Transport) *http.Transport {
	var t *http.Transport
	if base != nil {
		t = base.Clone()
	} else if dt, ok := http.DefaultTransport.(*http.Transport); ok {
		t = dt.Clone()
	} else {
		t = &http.Transport{}
	}
	t.Proxy = nil
	t.OnProxyConnectResponse = nil
	t.DialContext = g.DialContext
	//lint:ignore SA1019 cleared so a deprecated dialer on base cannot bypass the guard
	t.Dial = nil
	t.DialTLSContext = nil
	//lint:ignore SA1019 cleared: when set it would be used for TLS instead of DialContext
	t.DialTLS = nil
	return t
}

// CheckRedirect is an http.Client CheckRedirect function: it refuses a
// redirect whose host is a blocked IP literal and stops after MaxRedirects
// redirects (ErrTooManyRedirects). Redirects to host names are checked when
// dialled.
func (g *Guard) CheckRedirect(req *http.Request, via []*http.Request) error {
	limit := g.MaxRedirects
	if limit == 0 {
		limit = DefaultMaxRedirects
	}
	if len(via) > limit || limit < 0 {
		return fmt.Errorf("%w: stopped after %d", ErrTooManyRedirects, len(via)-1)
	}
	if s := req.URL.Scheme; s != "http" && s != "https" {
		return fmt.Errorf("%w: redirect to scheme %q", ErrBlocked, s)
	}
	if err := g.CheckHost(req.URL.Hostname()); err != nil {
		return fmt.Errorf("redirect to %s: %w", req.URL.Redacted(), err)
	}
	return nil
}

// Client returns an http.Client using g.Transport(base), g.CheckRedirect and
// the given overall request timeout (0 means none).
func (g *Guard) Client(base *http.Transport, timeout time.Duration) *http.Client {
	return &http.Client{Transport: g.Transport(base), CheckRedirect: g.CheckRedirect, Timeout: timeout}
}

package ssrf

import (
	"net"
	"net/netip"
	"time"
)

// DefaultMaxRedirects is the redirect limit when Guard.MaxRedirects is 0
// (net/http's own default).
const DefaultMaxRedirects = 10

// Guard decides which addresses outgoing connections may reach. The zero
// value refuses every non-public address; a Guard is safe for concurrent use
// once built and must not be changed while in use.
type Guard struct {
	// AllowPrivate permits every unicast address, including loopback,
	// private, link-local and CGNAT (for tests, demos and intranet crawls).
	// Multicast, broadcast and unspecified addresses stay refused.
	AllowPrivate bool
	// Allow lists explicit exceptions: an address inside one of these
	// prefixes is permitted (multicast, broadcast and unspecified excepted).
	// An IPv6 form that embeds an IPv4 address is permitted when the embedded
	// address is.
	Allow []netip.Prefix
	// MaxRedirects bounds the redirects CheckRedirect follows. 0 means
	// DefaultMaxRedirects; a negative value refuses every redirect.
	MaxRedirects int
	// Resolver resolves host names for DialContext; nil means the default
	// resolver. The guard checks resolved addresses, so the resolver need not
	// be trusted.
	Resolver *net.Resolver
	// DialTimeout bounds one connection attempt; 0 means 30s.
	DialTimeout time.Duration
}

// CheckAddr reports whether ip may be dialled: nil, or a *BlockedError
// (matching ErrBlocked) naming the address and the reason.
func (g *Guard) CheckAddr(ip netip.Addr) error {
	if !ip.IsValid() {
		return &BlockedError{Addr: ip, Reason: "not a valid IP address"}
	}
	ip = ip.WithZone("")
	if ip.Is6() {
		if v4, form, ok := embeddedV4(ip); ok {
			if g.allowed(ip) {
				return nil
			}
			reason, always := v4Reason(v4)
			if reason == "" {
				if form == "IPv4-compatible" { // deprecated (RFC 4291); no legitimate use
					return g.refuse(ip, form, false)
				}
				return nil
			}
			if g.allowed(v4) && !always {
				return nil
			}
			return g.refuse(ip, form+" "+reason+" ("+v4.String()+")", always)
		}
		for _, r := range v6Ranges {
			if r.prefix.Contains(ip) {
				if g.allowed(ip) && !r.always {
					return nil
				}
				return g.refuse(ip, r.reason, r.always)
			}
		}
		return nil
	}
	reason, always := v4Reason(ip)
	if reason == "" || (g.allowed(ip) && !always) {
		return nil
	}
	return g.refuse(ip, reason, always)
}

func v4Reason(ip netip.Addr) (string, bool) {
	for _, r := range v4Ranges {
		if r.prefix.Contains(ip) {
			return r.reason, r.always
		}
	}
	return "", false
}

// refuse returns the BlockedError unless AllowPrivate permits the range.
func (g *Guard) refuse(ip netip.Addr, reason string, always bool) error {
	if g.AllowPrivate && !always {
		return nil
	}
	return &BlockedError{Addr: ip, Reason: reason}
}

func (g *Guard) allowed(ip netip.Addr) bool {
	for _, p := range g.Allow {
		if p.Contains(ip) {
			return true
		}
	}
	return false
}

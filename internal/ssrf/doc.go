// Package ssrf guards outgoing HTTP fetches (the scraper's) against
// server-side request forgery: it refuses connections to loopback, private,
// link-local (cloud metadata), CGNAT, multicast, unspecified, reserved and
// documentation addresses, and to IPv6 forms that embed or tunnel to them
// (IPv4-mapped, IPv4-compatible, NAT64, 6to4, Teredo, ULA, site-local).
//
// The check runs in the dialer's Control function, after name resolution and
// before connect, so it sees the address actually dialled: a host name that
// resolves (or re-resolves, DNS rebinding) to a blocked address is refused.
// Guard.Transport builds an http.Transport that dials only through the guard
// and ignores proxy environment variables (a proxy would dial for us, out of
// the guard's sight); Guard.CheckRedirect refuses redirects to literal blocked
// addresses early and bounds the redirect count.
//
// IP literals in legacy inet_aton forms ("127.1", "2130706433", "0x7f000001",
// "0177.0.0.1") are parsed the way C resolvers do and checked too, so they are
// refused without a DNS lookup whichever resolver would have been used.
package ssrf

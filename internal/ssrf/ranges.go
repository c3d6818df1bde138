package ssrf

import "net/netip"

// blockedRange is a special-purpose range (IANA IPv4 and IPv6 Special-Purpose
// Address Registries, entries not globally reachable) and why it is refused.
type blockedRange struct {
	prefix netip.Prefix
	reason string
	// always means the range is refused even with AllowPrivate (it never makes
	// sense as the target of a fetch).
	always bool
}

func mustPrefix(s string) netip.Prefix { return netip.MustParsePrefix(s) }

// v4Ranges are checked in order; the first match wins.
var v4Ranges = []blockedRange{
	{mustPrefix("255.255.255.255/32"), "broadcast", true},
	{mustPrefix("0.0.0.0/32"), "unspecified", true},
	{mustPrefix("0.0.0.0/8"), "this-network (0/8)", false},
	{mustPrefix("10.0.0.0/8"), "private", false},
	{mustPrefix("100.64.0.0/10"), "CGNAT shared address space", false},
	{mustPrefix("127.0.0.0/8"), "loopback", false},
	{mustPrefix("169.254.0.0/16"), "link-local (cloud metadata)", false},
	{mustPrefix("172.16.0.0/12"), "private", false},
	{mustPrefix("192.0.0.0/24"), "IETF protocol assignment", false},
	{mustPrefix("192.0.2.0/24"), "documentation", false},
	{mustPrefix("192.88.99.0/24"), "6to4 relay anycast", false},
	{mustPrefix("192.168.0.0/16"), "private", false},
	{mustPrefix("198.18.0.0/15"), "benchmarking", false},
	{mustPrefix("198.51.100.0/24"), "documentation", false},
	{mustPrefix("203.0.113.0/24"), "documentation", false},
	{mustPrefix("224.0.0.0/4"), "multicast", true},
	{mustPrefix("240.0.0.0/4"), "reserved", false},
}

// v6Ranges are checked in order after the embedding forms (IPv4-mapped,
// IPv4-compatible, NAT64 /96, 6to4) have been handled.
var v6Ranges = []blockedRange{
	{mustPrefix("::/128"), "unspecified", true},
	{mustPrefix("::1/128"), "loopback", false},
	{mustPrefix("64:ff9b:1::/48"), "local-use NAT64", false},
	{mustPrefix("100::/64"), "discard-only", false},
	{mustPrefix("2001::/32"), "Teredo", false},
	{mustPrefix("2001:2::/48"), "benchmarking", false},
	{mustPrefix("2001:db8::/32"), "documentation", false},
	{mustPrefix("2001:10::/28"), "ORCHID", false},
	{mustPrefix("2001:20::/28"), "ORCHIDv2", false},
	{mustPrefix("3fff::/20"), "documentation", false},
	{mustPrefix("5f00::/16"), "SRv6 SID", false},
	{mustPrefix("fc00::/7"), "unique local (ULA)", false},
	{mustPrefix("fe80::/10"), "link-local", false},
	{mustPrefix("fec0::/10"), "site-local", false},
	{mustPrefix("ff00::/8"), "multicast", true},
}

var (
	mappedPrefix = mustPrefix("::ffff:0:0/96")
	compatPrefix = mustPrefix("::/96")
	nat64Prefix  = mustPrefix("64:ff9b::/96")
	sixToFour    = mustPrefix("2002::/16")
)

// embeddedV4 returns the IPv4 address an IPv6 address carries by a
// well-known translation or tunnelling form, and the form's name.
func embeddedV4(ip netip.Addr) (netip.Addr, string, bool) {
	b := ip.As16()
	switch {
	case mappedPrefix.Contains(ip):
		return netip.AddrFrom4([4]byte(b[12:16])), "IPv4-mapped", true
	case nat64Prefix.Contains(ip):
		return netip.AddrFrom4([4]byte(b[12:16])), "NAT64", true
	case sixToFour.Contains(ip):
		return netip.AddrFrom4([4]byte(b[2:6])), "6to4", true
	case compatPrefix.Contains(ip) && ip != netip.IPv6Unspecified() && ip != netip.IPv6Loopback():
		return netip.AddrFrom4([4]byte(b[12:16])), "IPv4-compatible", true
	}
	return netip.Addr{}, "", false
}

package ssrf

import (
	"net/netip"
	"strconv"
	"strings"
)

// CheckHost refuses a host (as in a URL, without port or brackets) that is an
// IP literal in a blocked range, including legacy inet_aton forms such as
// "127.1", "2130706433" and "0x7f000001". Host names pass: they are checked
// after resolution, at dial time.
func (g *Guard) CheckHost(host string) error {
	if ip, ok := ParseIPLiteral(host); ok {
		return g.CheckAddr(ip)
	}
	return nil
}

// ParseIPLiteral parses host as an IP address: standard IPv4 and IPv6 text
// (with optional brackets and zone), and the legacy inet_aton forms C
// resolvers accept: one to four dot-separated parts, each decimal, octal
// (leading 0) or hexadecimal (0x), the last part filling the remaining bytes.
// One trailing dot is ignored.
func ParseIPLiteral(host string) (netip.Addr, bool) {
	host = strings.TrimSuffix(host, ".")
	if strings.HasPrefix(host, "[") && strings.HasSuffix(host, "]") {
		host = host[1 : len(host)-1]
	}
	if ip, err := netip.ParseAddr(host); err == nil {
		return ip, true
	}
	return parseInetAton(host)
}

func parseInetAton(s string) (netip.Addr, bool) {
	if s == "" || len(s) > 64 {
		return netip.Addr{}, false
	}
	parts := strings.Split(s, ".")
	if len(parts) > 4 {
		return netip.Addr{}, false
	}
	vals := make([]uint64, len(parts))
	for i, p := range parts {
		v, ok := parseAtonPart(p)
		if !ok {
			return netip.Addr{}, false
		}
		vals[i] = v
	}
	var n uint64
	last := len(vals) - 1
	for i, v := range vals[:last] {
		if v > 0xff {
			return netip.Addr{}, false
		}
		n |= v << (8 * (3 - i))
	}
	if vals[last] >= 1<<(8*(4-last)) {
		return netip.Addr{}, false
	}
	n |= vals[last]
	return netip.AddrFrom4([4]byte{byte(n >> 24), byte(n >> 16), byte(n >> 8), byte(n)}), true
}

func parseAtonPart(p string) (uint64, bool) {
	base := 10
	switch {
	case p == "":
		return 0, false
	case len(p) > 1 && (p[:2] == "0x" || p[:2] == "0X"):
		base, p = 16, p[2:]
		if p == "" { // "0x" alone is 0 in glibc
			return 0, true
		}
	case len(p) > 1 && p[0] == '0':
		base, p = 8, p[1:]
	}
	digits := map[int]string{8: "01234567", 10: "0123456789", 16: "0123456789abcdefABCDEF"}[base]
	for _, c := range p { // ParseUint alone would accept underscores with base 0 only, but be strict
		if !strings.ContainsRune(digits, c) {
			return 0, false
		}
	}
	v, err := strconv.ParseUint(p, base, 32)
	return v, err == nil
}

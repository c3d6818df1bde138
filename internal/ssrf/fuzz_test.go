package ssrf

import (
	"net/netip"
	"testing"
)

// FuzzCheckHost feeds address strings through the parser and the guard and
// cross-checks the verdict against the standard library's classification.
func FuzzCheckHost(f *testing.F) {
	for _, s := range []string{
		"127.0.0.1", "127.1", "2130706433", "0x7f000001", "0177.0.0.1", "[::ffff:127.0.0.1]", "::ffff:7f00:1",
		"64:ff9b::a9fe:a9fe", "2002:a9fe:a9fe::", "2001::1", "fe80::1%eth0", "fd00::1", "8.8.8.8", "example.com",
		"0x", "1.2.3.4.5", "::", "0", "4294967295", "[2606:4700::1111]", "127.0.0.1.",
	} {
		f.Add(s)
	}
	zero, private := &Guard{}, &Guard{AllowPrivate: true}
	f.Fuzz(func(t *testing.T, s string) {
		if len(s) > 256 {
			return
		}
		_ = zero.CheckHost(s)
		_ = zero.Control("tcp", s, nil)
		ip, ok := ParseIPLiteral(s)
		if !ok {
			return
		}
		err := zero.CheckAddr(ip)
		plain := ip.WithZone("")
		if err == nil && (plain.IsLoopback() || plain.IsPrivate() || plain.IsLinkLocalUnicast() ||
			plain.IsLinkLocalMulticast() || plain.IsInterfaceLocalMulticast() || plain.IsMulticast() || plain.IsUnspecified()) {
			t.Fatalf("%q (%s) allowed but the standard library calls it non-public", s, ip)
		}
		if plain.Is4In6() && (err == nil) != (zero.CheckAddr(plain.Unmap()) == nil) {
			t.Fatalf("%s and its IPv4 form %s disagree", ip, plain.Unmap())
		}
		if err == nil && private.CheckAddr(ip) != nil {
			t.Fatalf("%s allowed by the zero guard but refused with AllowPrivate", ip)
		}
		if ap, err := netip.ParseAddrPort(netip.AddrPortFrom(plain, 80).String()); err == nil {
			if (zero.Control("tcp", ap.String(), nil) == nil) != (zero.CheckAddr(ip) == nil) {
				t.Fatalf("Control and CheckAddr disagree on %s", ip)
			}
		}
	})
}

package ssrf

import (
	"errors"
	"net/netip"
	"testing"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestCheckAddrBlocked(t *testing.T) {
	t.Parallel()
	tests := []struct {
		ip, reason string
		always     bool // refused even with AllowPrivate
	}{
		{"127.0.0.1", "loopback", false},
		{"127.255.255.254", "loopback", false},
		{"10.1.2.3", "private", false},
		{"172.16.0.1", "private", false},
		{"172.31.255.255", "private", false},
		{"192.168.1.1", "private", false},
		{"169.254.169.254", "link-local (cloud metadata)", false},
		{"100.64.0.1", "CGNAT", false},
		{"100.127.255.255", "CGNAT", false},
		{"0.0.0.0", "unspecified", true},
		{"0.1.2.3", "this-network", false},
		{"255.255.255.255", "broadcast", true},
		{"240.0.0.1", "reserved", false},
		{"224.0.0.1", "multicast", true},
		{"239.255.255.250", "multicast", true},
		{"192.0.0.8", "IETF protocol assignment", false},
		{"192.0.2.10", "documentation", false},
		{"198.51.100.1", "documentation", false},
		{"203.0.113.7", "documentation", false},
		{"198.18.0.1", "benchmarking", false},
		{"192.88.99.1", "6to4 relay", false},
		{"::1", "loopback", false},
		{"::", "unspecified", true},
		{"fe80::1", "link-local", false},
		{"fe80::1%eth0", "link-local", false},
		{"febf::1", "link-local", false},
		{"fec0::1", "site-local", false},
		{"fc00::1", "unique local", false},
		{"fd12:3456::1", "unique local", false},
		{"ff02::1", "multicast", true},
		{"2001:db8::1", "documentation", false},
		{"3fff::1", "documentation", false},
		{"2001::1", "Teredo", false},
		{"2001:0:4136:e378:8000:63bf:3fff:fdd2", "Teredo", false},
		{"100::1", "discard-only", false},
		{"5f00::1", "SRv6", false},
		{"2001:2::1", "benchmarking", false},
		{"2001:10::1", "ORCHID", false},
		{"::ffff:127.0.0.1", "IPv4-mapped loopback (127.0.0.1)", false},
		{"::ffff:7f00:1", "IPv4-mapped loopback", false},
		{"::ffff:169.254.169.254", "IPv4-mapped link-local", false},
		{"::ffff:10.0.0.1", "IPv4-mapped private", false},
		{"::ffff:0.0.0.0", "IPv4-mapped unspecified", true},
		{"::ffff:224.0.0.1", "IPv4-mapped multicast", true},
		{"::127.0.0.1", "IPv4-compatible loopback", false},
		{"::8.8.8.8", "IPv4-compatible", false},
		{"64:ff9b::127.0.0.1", "NAT64 loopback", false},
		{"64:ff9b::a9fe:a9fe", "NAT64 link-local (cloud metadata) (169.254.169.254)", false},
		{"64:ff9b:1::8.8.8.8", "local-use NAT64", false},
		{"2002:7f00:1::1", "6to4 loopback (127.0.0.1)", false},
		{"2002:c0a8:101::", "6to4 private (192.168.1.1)", false},
	}
	for _, tc := range tests {
		t.Run(tc.ip, func(t *testing.T) {
			t.Parallel()
			ip := netip.MustParseAddr(tc.ip)
			err := (&Guard{}).CheckAddr(ip)
			require.ErrorIs(t, err, ErrBlocked)
			var be *BlockedError
			require.True(t, errors.As(err, &be))
			require.Contains(t, be.Reason, tc.reason)
			require.Contains(t, err.Error(), ip.WithZone("").String())

			err = (&Guard{AllowPrivate: true}).CheckAddr(ip)
			if tc.always {
				require.ErrorIs(t, err, ErrBlocked, "AllowPrivate keeps refusing %s", tc.ip)
			} else {
				require.NoError(t, err, "AllowPrivate permits %s", tc.ip)
			}
		})
	}
}

func TestCheckAddrAllowed(t *testing.T) {
	t.Parallel()
	for _, s := range []string{
		"8.8.8.8", "1.1.1.1", "93.184.216.34", "100.63.255.255", "100.128.0.0", "172.15.255.255", "172.32.0.0",
		"192.167.255.255", "169.253.255.255", "223.255.255.255", "2606:4700:4700::1111", "2a00:1450:4001::1",
		"::ffff:8.8.8.8", "64:ff9b::808:808", "2002:808:808::1",
	} {
		require.NoError(t, (&Guard{}).CheckAddr(netip.MustParseAddr(s)), s)
	}
	require.ErrorIs(t, (&Guard{}).CheckAddr(netip.Addr{}), ErrBlocked, "invalid address")
}

func TestCheckAddrAllowList(t *testing.T) {
	t.Parallel()
	g := &Guard{Allow: []netip.Prefix{
		netip.MustParsePrefix("127.0.0.1/32"),
		netip.MustParsePrefix("10.20.0.0/16"),
		netip.MustParsePrefix("fd00::/8"),
		netip.MustParsePrefix("224.0.0.0/4"),
	}}
	tests := []struct {
		ip      string
		allowed bool
	}{
		{"127.0.0.1", true},
		{"127.0.0.2", false},
		{"::ffff:127.0.0.1", true},
		{"64:ff9b::10.20.1.1", true},
		{"10.20.3.4", true},
		{"10.21.0.1", false},
		{"fd00::5", true},
		{"fc00::5", false},
		{"169.254.169.254", false},
		{"224.0.0.1", false}, // multicast is never allowed
	}
	for _, tc := range tests {
		err := g.CheckAddr(netip.MustParseAddr(tc.ip))
		if tc.allowed {
			require.NoError(t, err, tc.ip)
		} else {
			require.ErrorIs(t, err, ErrBlocked, tc.ip)
		}
	}
}

func TestParseIPLiteral(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want string // "" means not an IP literal
	}{
		{"127.0.0.1", "127.0.0.1"},
		{"127.1", "127.0.0.1"},
		{"127.0.1", "127.0.0.1"},
		{"2130706433", "127.0.0.1"},
		{"0x7f000001", "127.0.0.1"},
		{"0X7F000001", "127.0.0.1"},
		{"0177.0.0.1", "127.0.0.1"},
		{"0x7f.1", "127.0.0.1"},
		{"017700000001", "127.0.0.1"},
		{"2852039166", "169.254.169.254"},
		{"10.1.256", "10.1.1.0"},
		{"127.0.0.1.", "127.0.0.1"},
		{"0", "0.0.0.0"},
		{"0x", "0.0.0.0"},
		{"[::1]", "::1"},
		{"::ffff:127.0.0.1", "::ffff:127.0.0.1"},
		{"fe80::1%eth0", "fe80::1%eth0"},
		{"4294967296", ""},
		{"256.0.0.1", ""},
		{"1.2.3.4.5", ""},
		{"08", ""},
		{"0x1g", ""},
		{"+1", ""},
		{"1_0", ""},
		{"1..2", ""},
		{"example.com", ""},
		{"", ""},
		{"localhost", ""},
	}
	for _, tc := range tests {
		ip, ok := ParseIPLiteral(tc.in)
		if tc.want == "" {
			require.False(t, ok, "%q parsed as %s", tc.in, ip)
			continue
		}
		require.True(t, ok, tc.in)
		require.Equal(t, tc.want, ip.String(), tc.in)
	}
}

func TestControl(t *testing.T) {
	t.Parallel()
	g := &Guard{}
	require.NoError(t, g.Control("tcp4", "8.8.8.8:443", nil))
	require.NoError(t, g.Control("tcp6", "[2606:4700::1111]:80", nil))
	for _, c := range []struct{ network, addr string }{
		{"tcp4", "127.0.0.1:80"},
		{"tcp6", "[::1]:80"},
		{"tcp6", "[fe80::1%eth0]:80"},
		{"tcp", "not-an-address"},
		{"unix", "/run/docker.sock"},
	} {
		require.ErrorIs(t, g.Control(c.network, c.addr, nil), ErrBlocked, c)
	}
}

func BenchmarkCheckAddr(b *testing.B) {
	g := &Guard{Allow: []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}}
	addrs := []netip.Addr{
		netip.MustParseAddr("93.184.216.34"), netip.MustParseAddr("127.0.0.1"),
		netip.MustParseAddr("2606:4700::1111"), netip.MustParseAddr("::ffff:169.254.169.254"),
	}
	for b.Loop() {
		for _, a := range addrs {
			_ = g.CheckAddr(a)
		}
	}
	b.ReportMetric(float64(b.N*len(addrs))/b.Elapsed().Seconds(), "checks/s")
}

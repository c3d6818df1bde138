package worker

import (
	"testing"

	"github.com/hibiken/asynq"
	"github.com/stretchr/testify/require"
)

func TestParseRedisURL(t *testing.T) {
	t.Parallel()
	cases := []struct {
		url     string
		want    asynq.RedisConnOpt
		tls     bool
		wantErr string
	}{
		{url: "redis://127.0.0.1:6379/2", want: asynq.RedisClientOpt{Addr: "127.0.0.1:6379", DB: 2}},
		{url: "redis-cluster://10.0.0.1:7000,10.0.0.2:7001", want: asynq.RedisClusterClientOpt{
			Addrs: []string{"10.0.0.1:7000", "10.0.0.2:7001"}}},
		{url: "redis-cluster://:s3cret@10.0.0.1:7000/", want: asynq.RedisClusterClientOpt{
			Addrs: []string{"10.0.0.1:7000"}, Password: "s3cret"}},
		{url: "redis-cluster://app:p%40ss@a:1,b:2?x=1", want: asynq.RedisClusterClientOpt{
			Addrs: []string{"a:1", "b:2"}, Username: "app", Password: "p@ss"}},
		{url: "rediss-cluster://a:1", want: asynq.RedisClusterClientOpt{Addrs: []string{"a:1"}}, tls: true},
		{url: "redis-cluster://:s3cret@a:1/0", wantErr: "no databases"},
		{url: "redis-cluster://:s3cret%zz@a:1", wantErr: "bad %-escape"},
		{url: "redis-cluster://:s3cr@t@a:1", want: asynq.RedisClusterClientOpt{Addrs: []string{"a:1"}, Password: "s3cr@t"}},
		{url: "redis-cluster://a:1,,b:2", wantErr: `node "" is not host:port`},
		{url: "redis-cluster://a", wantErr: `node "a" is not host:port`},
		{url: "ftp://a:1", wantErr: "unsupported uri scheme"},
	}
	for _, tc := range cases {
		got, err := ParseRedisURL(tc.url)
		if tc.wantErr != "" {
			require.ErrorContains(t, err, tc.wantErr, tc.url)
			require.NotContains(t, err.Error(), "s3cret", "the password is not in the error")
			continue
		}
		require.NoError(t, err, tc.url)
		if c, ok := got.(asynq.RedisClusterClientOpt); ok {
			require.Equal(t, tc.tls, c.TLSConfig != nil, tc.url)
			c.TLSConfig = nil
			got = c
		}
		require.Equal(t, tc.want, got, tc.url)
	}
}

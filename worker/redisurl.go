package worker

import (
	"crypto/tls"
	"fmt"
	"net/url"
	"strings"

	"github.com/hibiken/asynq"
)

// ParseRedisURL parses the Redis URLs dagworker accepts: asynq's
// (redis://[user:password@]host:port/db, rediss://... with TLS,
// redis-socket://..., redis-sentinel://...) and redis-cluster:// or
// rediss-cluster:// (TLS) with the cluster's seed nodes as a comma-separated
// host list, e.g. redis-cluster://:secret@10.0.0.1:6379,10.0.0.2:6379
// (a cluster has no databases, so the URL has no path).
func ParseRedisURL(raw string) (asynq.RedisConnOpt, error) {
	scheme, rest, ok := strings.Cut(raw, "://")
	if !ok || (scheme != "redis-cluster" && scheme != "rediss-cluster") {
		return asynq.ParseRedisURI(raw)
	}
	// url.Parse refuses a host list, so parse the userinfo and hosts here.
	u, err := url.Parse(scheme + "://placeholder" + strings.TrimPrefix(rest, authority(rest)))
	if err != nil {
		return nil, fmt.Errorf("redis cluster URL: %w", err)
	}
	if u.Path != "" && u.Path != "/" {
		return nil, fmt.Errorf("redis cluster URL %q: a cluster has no databases; drop the path %q", redact(raw), u.Path)
	}
	opt := asynq.RedisClusterClientOpt{}
	hosts := authority(rest)
	if user, h, ok := strings.Cut(hosts, "@"); ok {
		hosts = h
		info, err := url.Parse("x://" + user + "@h")
		if err != nil {
			return nil, fmt.Errorf("redis cluster URL %q: %w", redact(raw), err)
		}
		opt.Username = info.User.Username()
		opt.Password, _ = info.User.Password()
	}
	for _, h := range strings.Split(hosts, ",") {
		if h == "" || !strings.Contains(h, ":") {
			return nil, fmt.Errorf("redis cluster URL %q: node %q is not host:port", redact(raw), h)
		}
		opt.Addrs = append(opt.Addrs, h)
	}
	if scheme == "rediss-cluster" {
		opt.TLSConfig = &tls.Config{MinVersion: tls.VersionTLS12}
	}
	return opt, nil
}

// authority returns the userinfo and host list of the part of a URL after
// "scheme://".
func authority(rest string) string {
	if i := strings.IndexAny(rest, "/?#"); i >= 0 {
		return rest[:i]
	}
	return rest
}

// redact hides a URL's password in error messages.
func redact(raw string) string {
	scheme, rest, _ := strings.Cut(raw, "://")
	auth := authority(rest)
	if user, hosts, ok := strings.Cut(auth, "@"); ok {
		name, _, _ := strings.Cut(user, ":")
		return scheme + "://" + name + ":xxxxx@" + hosts + strings.TrimPrefix(rest, auth)
	}
	return raw
}

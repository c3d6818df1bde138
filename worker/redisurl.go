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
	// url.Parse refuses a host list: split the authority off by hand.
	hosts := authority(rest)
	if path, _, _ := strings.Cut(strings.SplitN(rest[len(hosts):], "#", 2)[0], "?"); path != "" && path != "/" {
		return nil, fmt.Errorf("redis cluster URL %q: a cluster has no databases; drop the path %q", redact(raw), path)
	}
	opt := asynq.RedisClusterClientOpt{}
	if i := strings.LastIndex(hosts, "@"); i >= 0 {
		name, password, _ := strings.Cut(hosts[:i], ":")
		hosts = hosts[i+1:]
		var err1, err2 error
		opt.Username, err1 = url.PathUnescape(name)
		opt.Password, err2 = url.PathUnescape(password)
		if err1 != nil || err2 != nil {
			return nil, fmt.Errorf("redis cluster URL %q: bad %%-escape in the user name or password", redact(raw))
		}
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
	if i := strings.LastIndex(auth, "@"); i >= 0 {
		name, _, _ := strings.Cut(auth[:i], ":")
		return scheme + "://" + name + ":xxxxx@" + auth[i+1:] + strings.TrimPrefix(rest, auth)
	}
	return raw
}

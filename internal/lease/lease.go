// Package lease elects one leader among any number of contenders with a Redis
// lease: SET key value NX PX ttl to acquire, a compare-and-pexpire to renew
// and a compare-and-delete to release, so only the holder can extend or drop
// it. Each acquisition also increments a fencing counter, and the new value is
// the holder's fencing token: a writer that receives a token can reject a
// leader that lost the lease in the meantime (Check).
//
// Keys: the lease is stored at Config.Key and the counter at Config.Key +
// ":fence". On Redis Cluster give the key a hash tag (e.g.
// "{dagworker}:coordinator:lease") so both land in one slot.
package lease

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/dagworker/dagworker/internal/clock"
	"github.com/redis/go-redis/v9"
)

// Config configures a Lease. Zero values take the documented defaults.
type Config struct {
	// Key is the Redis key of the lease. Required.
	Key string
	// TTL is how long the lease lives without a renewal; a crashed leader is
	// replaced after at most TTL. Default 15s; at least 10ms.
	TTL time.Duration
	// RenewEvery is how often the holder renews the lease and how often the
	// others try to acquire it. Default TTL/3; must be below TTL.
	RenewEvery time.Duration
	// Owner names this contender in the lease value (logs and debugging).
	// Default "<hostname>-<pid>-<random>".
	Owner string
	// Clock drives the renew and retry timers. Default the wall clock. The
	// lease's expiry itself is kept by Redis (PX), so a fake clock only
	// changes when the lease tries to acquire or renew, not how long Redis
	// keeps it.
	Clock clock.Clock
	// Logger receives elections, losses and Redis errors. Default discards.
	Logger *slog.Logger
}

// withDefaults returns c with every zero field set to its default.
func (c Config) withDefaults() Config {
	if c.TTL == 0 {
		c.TTL = 15 * time.Second
	}
	if c.RenewEvery == 0 {
		c.RenewEvery = c.TTL / 3
	}
	if c.Owner == "" {
		host, _ := os.Hostname()
		var b [4]byte
		_, _ = rand.Read(b[:])
		c.Owner = fmt.Sprintf("%s-%d-%s", host, os.Getpid(), hex.EncodeToString(b[:]))
	}
	if c.Clock == nil {
		c.Clock = clock.Wall{}
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	return c
}

func (c Config) validate() error {
	switch {
	case c.Key == "":
		return fmt.Errorf("%w: Key is required", ErrInvalidConfig)
	case c.TTL < 10*time.Millisecond:
		return fmt.Errorf("%w: TTL %s is below 10ms", ErrInvalidConfig, c.TTL)
	case c.RenewEvery <= 0 || c.RenewEvery >= c.TTL:
		return fmt.Errorf("%w: RenewEvery %s must be positive and below TTL %s", ErrInvalidConfig, c.RenewEvery, c.TTL)
	case strings.Contains(c.Owner, "|"):
		return fmt.Errorf("%w: Owner %q must not contain '|'", ErrInvalidConfig, c.Owner)
	}
	return nil
}

// Lease is one contender for a leader lease. Acquire, Renew and Release are
// the single steps; Run drives them in a loop. A Lease is used by one
// goroutine at a time.
type Lease struct {
	rdb      redis.UniversalClient
	cfg      Config
	fenceKey string
	value    string // the lease value while held ("<owner>|<token>"), "" otherwise
	token    int64
}

// New returns a contender for the lease at cfg.Key.
func New(rdb redis.UniversalClient, cfg Config) (*Lease, error) {
	if rdb == nil {
		return nil, fmt.Errorf("%w: nil Redis client", ErrInvalidConfig)
	}
	cfg = cfg.withDefaults()
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	return &Lease{rdb: rdb, cfg: cfg, fenceKey: cfg.Key + ":fence"}, nil
}

// Owner returns the name of this contender (Config.Owner or its default).
func (l *Lease) Owner() string { return l.cfg.Owner }

// acquireScript takes the lease when it is free and returns the new fencing
// token, or 0 when someone else holds it. ARGV: owner, ttl ms.
var acquireScript = redis.NewScript(`
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
local token = redis.call('INCR', KEYS[2])
redis.call('SET', KEYS[1], ARGV[1] .. '|' .. token, 'PX', ARGV[2])
return token`)

// renewScript extends the lease only if its value is still ours.
var renewScript = redis.NewScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 0`)

// releaseScript deletes the lease only if its value is still ours.
var releaseScript = redis.NewScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0`)

// Acquire tries once to take the lease. It returns the fencing token and
// true when this contender now holds it, 0 and false when another does.
func (l *Lease) Acquire(ctx context.Context) (int64, bool, error) {
	ttl := l.cfg.TTL.Milliseconds()
	token, err := acquireScript.Run(ctx, l.rdb, []string{l.cfg.Key, l.fenceKey}, l.cfg.Owner, ttl).Int64()
	if err != nil {
		return 0, false, fmt.Errorf("acquire lease %q: %w", l.cfg.Key, err)
	}
	if token == 0 {
		return 0, false, nil
	}
	l.token = token
	l.value = l.cfg.Owner + "|" + strconv.FormatInt(token, 10)
	return token, true, nil
}

// Renew extends the held lease by TTL. It returns ErrNotHeld when the lease
// expired or passed to another contender.
func (l *Lease) Renew(ctx context.Context) error {
	if l.value == "" {
		return ErrNotHeld
	}
	ok, err := renewScript.Run(ctx, l.rdb, []string{l.cfg.Key}, l.value, l.cfg.TTL.Milliseconds()).Int64()
	if err != nil {
		return fmt.Errorf("renew lease %q: %w", l.cfg.Key, err)
	}
	if ok == 0 {
		l.value = ""
		return fmt.Errorf("renew lease %q: %w", l.cfg.Key, ErrNotHeld)
	}
	return nil
}

// Release gives the lease up so another contender can take it at once. It
// returns ErrNotHeld when the lease was no longer ours (nothing is deleted).
func (l *Lease) Release(ctx context.Context) error {
	if l.value == "" {
		return ErrNotHeld
	}
	v := l.value
	l.value = ""
	n, err := releaseScript.Run(ctx, l.rdb, []string{l.cfg.Key}, v).Int64()
	if err != nil {
		return fmt.Errorf("release lease %q: %w", l.cfg.Key, err)
	}
	if n == 0 {
		return fmt.Errorf("release lease %q: %w", l.cfg.Key, ErrNotHeld)
	}
	return nil
}

// Check reports whether token is the fencing token of the current holder of
// the lease at key: nil if so, ErrStaleToken if the lease expired or another
// contender acquired it since. A writer that acts on a leader's behalf calls
// it (or embeds the same comparison in its own script) before writing.
func Check(ctx context.Context, rdb redis.UniversalClient, key string, token int64) error {
	v, err := rdb.Get(ctx, key).Result()
	if errors.Is(err, redis.Nil) {
		return fmt.Errorf("lease %q: token %d: %w (no holder)", key, token, ErrStaleToken)
	}
	if err != nil {
		return fmt.Errorf("check lease %q: %w", key, err)
	}
	i := strings.LastIndexByte(v, '|')
	cur, perr := strconv.ParseInt(v[i+1:], 10, 64)
	if i < 0 || perr != nil {
		return fmt.Errorf("lease %q: malformed value %q: %w", key, v, ErrStaleToken)
	}
	if cur != token {
		return fmt.Errorf("lease %q: token %d, current %d: %w", key, token, cur, ErrStaleToken)
	}
	return nil
}

package runstore

import (
	"context"
	_ "embed"
	"fmt"
	"time"
)

//go:embed lua/pool.lua
var luaPool string

// PoolTag is the hash tag of a pool's keys ({<prefix>:pool:<name>}): pools
// are shared by every DAG, so they live in their own slot.
func (k Keys) PoolTag(pool string) string { return "{" + k.prefix + ":pool:" + pool + "}" }

// AcquirePool takes slots of pool (capacity limit) for holder (a try's
// TaskID) for lease; it reports false when the pool is full. Acquiring
// again as the same holder renews its lease.
func (s *Store) AcquirePool(ctx context.Context, pool, holder string, slots, limit int, lease time.Duration) (bool, error) {
	return s.pool(ctx, "acquire", pool, holder, slots, limit, lease)
}

// ExtendPool renews holder's lease; false when it no longer holds slots.
func (s *Store) ExtendPool(ctx context.Context, pool, holder string, lease time.Duration) (bool, error) {
	return s.pool(ctx, "extend", pool, holder, 0, 0, lease)
}

// ReleasePool frees holder's slots.
func (s *Store) ReleasePool(ctx context.Context, pool, holder string) error {
	_, err := s.pool(ctx, "release", pool, holder, 0, 0, 0)
	return err
}

// PoolUsage returns the slots in use (leases not yet expired included).
func (s *Store) PoolUsage(ctx context.Context, pool string) (int, error) {
	vals, err := s.rdb.HVals(ctx, s.keys.PoolTag(pool)+":slots").Result()
	if err != nil {
		return 0, fmt.Errorf("pool %q: %w", pool, err)
	}
	n := 0
	for _, v := range vals {
		n += atoi(v)
	}
	return n, nil
}

func (s *Store) pool(ctx context.Context, op, pool, holder string, slots, limit int, lease time.Duration) (bool, error) {
	n, err := s.call(ctx, scriptPool, []string{s.keys.PoolTag(pool)}, op, holder, slots, limit,
		s.now().UnixMilli(), lease.Milliseconds()).Int()
	if err != nil {
		return false, fmt.Errorf("pool %q %s: %w", pool, op, err)
	}
	return n == 1, nil
}

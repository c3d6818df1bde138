package runstore

import (
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
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

// DefaultPool is Airflow's default pool: a task without a pool is in it.
const DefaultPool = "default_pool"

// DefaultPoolSlots is the size Airflow gives default_pool.
const DefaultPoolSlots = 128

// ErrPoolExists means a pool with the name is defined already.
var ErrPoolExists = errors.New("pool exists")

// PoolDef is a pool defined through the API (Airflow's pools table): the
// workers enforce its slots over their configured sizes. Slots -1 is
// unlimited; 0 lets no try of the pool start.
type PoolDef struct {
	Name            string  `json:"-"`
	Slots           int     `json:"slots"`
	Description     *string `json:"description,omitempty"`
	IncludeDeferred bool    `json:"include_deferred"`
}

// Pools is the hash of the pools defined through the API (name → JSON of
// PoolDef).
func (k Keys) Pools() string { return k.prefix + ":pools" }

// PoolDefs returns the defined pools, sorted by name.
func (s *Store) PoolDefs(ctx context.Context) ([]PoolDef, error) {
	m, err := s.rdb.HGetAll(ctx, s.keys.Pools()).Result()
	if err != nil {
		return nil, fmt.Errorf("pools: %w", err)
	}
	out := make([]PoolDef, 0, len(m))
	for name, raw := range m {
		var d PoolDef
		if err := json.Unmarshal([]byte(raw), &d); err != nil {
			return nil, fmt.Errorf("pool %q: %w", name, err)
		}
		d.Name = name
		out = append(out, d)
	}
	slices.SortFunc(out, func(a, b PoolDef) int { return strings.Compare(a.Name, b.Name) })
	return out, nil
}

// PoolDef returns one defined pool; ok is false when it is not defined.
func (s *Store) PoolDef(ctx context.Context, name string) (PoolDef, bool, error) {
	raw, err := s.rdb.HGet(ctx, s.keys.Pools(), name).Result()
	if errors.Is(err, redis.Nil) {
		return PoolDef{Name: name}, false, nil
	}
	if err != nil {
		return PoolDef{}, false, fmt.Errorf("pool %q: %w", name, err)
	}
	d := PoolDef{Name: name}
	if err := json.Unmarshal([]byte(raw), &d); err != nil {
		return PoolDef{}, false, fmt.Errorf("pool %q: %w", name, err)
	}
	return d, true, nil
}

// PutPoolDef stores d; with create it is ErrPoolExists when the name is
// taken.
func (s *Store) PutPoolDef(ctx context.Context, d PoolDef, create bool) error {
	b, err := json.Marshal(d)
	if err != nil {
		return fmt.Errorf("pool %q: %w", d.Name, err)
	}
	if create {
		ok, err := s.rdb.HSetNX(ctx, s.keys.Pools(), d.Name, b).Result()
		if err != nil {
			return fmt.Errorf("pool %q: %w", d.Name, err)
		}
		if !ok {
			return fmt.Errorf("pool %q: %w", d.Name, ErrPoolExists)
		}
		return nil
	}
	if err := s.rdb.HSet(ctx, s.keys.Pools(), d.Name, b).Err(); err != nil {
		return fmt.Errorf("pool %q: %w", d.Name, err)
	}
	return nil
}

// DeletePoolDef removes a defined pool and reports whether it was defined.
func (s *Store) DeletePoolDef(ctx context.Context, name string) (bool, error) {
	n, err := s.rdb.HDel(ctx, s.keys.Pools(), name).Result()
	if err != nil {
		return false, fmt.Errorf("pool %q: %w", name, err)
	}
	return n > 0, nil
}

package coordinator

import (
	"context"
	"errors"
	"fmt"

	"github.com/redis/go-redis/v9"
)

// PauseFlags keeps each DAG's paused flag in Redis, shared by every replica
// and the API: a hash <prefix>:dags:paused of dag id → "1" (paused) or "0".
// A DAG whose flag was never set takes is_paused_upon_creation.
type PauseFlags struct {
	rdb redis.UniversalClient
	key string
}

// NewPauseFlags returns the paused flags under prefix (e.g. "dagworker").
func NewPauseFlags(rdb redis.UniversalClient, prefix string) *PauseFlags {
	return &PauseFlags{rdb: rdb, key: prefix + ":dags:paused"}
}

// Paused reports whether the DAG is paused, and whether its flag was ever set.
func (p *PauseFlags) Paused(ctx context.Context, dagID string) (paused, set bool, err error) {
	v, err := p.rdb.HGet(ctx, p.key, dagID).Result()
	if errors.Is(err, redis.Nil) {
		return false, false, nil
	}
	if err != nil {
		return false, false, fmt.Errorf("read paused flag of %q: %w", dagID, err)
	}
	return v == "1", true, nil
}

// SetPaused pauses or unpauses the DAG.
func (p *PauseFlags) SetPaused(ctx context.Context, dagID string, paused bool) error {
	v := "0"
	if paused {
		v = "1"
	}
	if err := p.rdb.HSet(ctx, p.key, dagID, v).Err(); err != nil {
		return fmt.Errorf("set paused flag of %q: %w", dagID, err)
	}
	return nil
}

// all returns every flag that was set.
func (p *PauseFlags) all(ctx context.Context) (map[string]bool, error) {
	m, err := p.rdb.HGetAll(ctx, p.key).Result()
	if err != nil {
		return nil, fmt.Errorf("read paused flags: %w", err)
	}
	out := make(map[string]bool, len(m))
	for k, v := range m {
		out[k] = v == "1"
	}
	return out, nil
}

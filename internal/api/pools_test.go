package api

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// memPools is a PoolStore in memory for the handler tests without Redis.
type memPools struct {
	mu sync.Mutex
	m  map[string]Pool
}

func newMemPools() *memPools {
	return &memPools{m: map[string]Pool{DefaultPoolName: {Name: DefaultPoolName, Slots: 128}}}
}

func (mp *memPools) Pools(context.Context) ([]Pool, error) {
	mp.mu.Lock()
	defer mp.mu.Unlock()
	var out []Pool
	for _, p := range mp.m {
		out = append(out, p)
	}
	slices.SortFunc(out, func(a, b Pool) int { return strings.Compare(a.Name, b.Name) })
	return out, nil
}

func (mp *memPools) Pool(_ context.Context, name string) (Pool, error) {
	mp.mu.Lock()
	defer mp.mu.Unlock()
	p, ok := mp.m[name]
	if !ok {
		return Pool{}, fmt.Errorf("pool %q: %w", name, ErrNotFound)
	}
	return p, nil
}

func (mp *memPools) PutPool(_ context.Context, p Pool, create bool) error {
	mp.mu.Lock()
	defer mp.mu.Unlock()
	if _, ok := mp.m[p.Name]; ok && create {
		return ErrExists
	}
	mp.m[p.Name] = p
	return nil
}

func (mp *memPools) DeletePool(_ context.Context, name string) error {
	mp.mu.Lock()
	defer mp.mu.Unlock()
	if _, ok := mp.m[name]; !ok {
		return ErrNotFound
	}
	delete(mp.m, name)
	return nil
}

const poolDAGs = `
pooled:
  tasks:
    - task_id: one
      operator: sleep
      duration: 300ms
      pool: tiny
    - task_id: two
      operator: sleep
      duration: 300ms
      pool: tiny
`

// TestEnginePools: pools defined through the API are what the workers
// enforce, and their slot accounting shows the task instances in them.
func TestEnginePools(t *testing.T) {
	t.Parallel()
	b := setupEngineDAGs(t, 4, poolDAGs).bundle

	res := b.req(t, "GET", "/api/v2/pools", rd, nil)
	require.Equal(t, 200, res.status, string(res.body))
	require.InDelta(t, 1, res.json(t)["total_entries"], 0)
	def := res.json(t)["pools"].([]any)[0].(map[string]any)
	require.Equal(t, "default_pool", def["name"])
	require.InDelta(t, 128, def["slots"], 0)
	require.InDelta(t, 128, def["open_slots"], 0)

	res = b.req(t, "POST", "/api/v2/pools", trg, map[string]any{"name": "tiny", "slots": 1, "description": "one at a time"})
	require.Equal(t, 201, res.status, string(res.body))
	require.Equal(t, "one at a time", res.json(t)["description"])
	require.Equal(t, 409, b.req(t, "POST", "/api/v2/pools", trg, map[string]any{"name": "tiny", "slots": 1}).status)
	require.Equal(t, 422, b.req(t, "POST", "/api/v2/pools", trg, map[string]any{"name": "bad", "slots": -2}).status)
	require.Equal(t, 422, b.req(t, "POST", "/api/v2/pools", trg, map[string]any{"slots": 3}).status)

	// Both tasks are ready at once; the pool's one slot runs them one
	// after the other, and while they run the accounting shows it.
	res = b.req(t, "POST", "/api/v2/dags/pooled/dagRuns", trg, map[string]any{"dag_run_id": "p1"})
	require.Equal(t, 200, res.status, string(res.body))
	deadline := time.Now().Add(30 * time.Second)
	for {
		p := b.req(t, "GET", "/api/v2/pools/tiny", rd, nil).json(t)
		if p["running_slots"] == 1.0 {
			require.InDelta(t, 1, p["queued_slots"], 0, "the other try waits for the slot: %v", p)
			require.InDelta(t, 2, p["occupied_slots"], 0)
			require.InDelta(t, 0, p["open_slots"], 0)
			break
		}
		require.True(t, time.Now().Before(deadline), "no try of the pool ran: %v", p)
		time.Sleep(5 * time.Millisecond)
	}
	waitState(t, b, "/api/v2/dags/pooled/dagRuns/p1", "success")
	ti := func(task string) (time.Time, time.Time) {
		m := b.req(t, "GET", "/api/v2/dags/pooled/dagRuns/p1/taskInstances/"+task, rd, nil).json(t)
		s, err := time.Parse(time.RFC3339Nano, m["start_date"].(string))
		require.NoError(t, err)
		e, err := time.Parse(time.RFC3339Nano, m["end_date"].(string))
		require.NoError(t, err)
		return s, e
	}
	s1, e1 := ti("one")
	s2, e2 := ti("two")
	require.True(t, !e1.After(s2) || !e2.After(s1), "the tries overlapped: one %v–%v, two %v–%v", s1, e1, s2, e2)

	// Patch, bulk, delete.
	res = b.req(t, "PATCH", "/api/v2/pools/tiny?update_mask=slots", trg, map[string]any{"slots": 3, "description": "ignored"})
	require.Equal(t, 200, res.status, string(res.body))
	require.InDelta(t, 3, res.json(t)["slots"], 0)
	require.Equal(t, "one at a time", res.json(t)["description"], "not in the mask")
	require.Equal(t, 400, b.req(t, "PATCH", "/api/v2/pools/default_pool", trg, map[string]any{"pool": "other"}).status)
	res = b.req(t, "PATCH", "/api/v2/pools/default_pool", trg, map[string]any{"slots": 64})
	require.Equal(t, 200, res.status, string(res.body))
	require.InDelta(t, 64, b.req(t, "GET", "/api/v2/pools/default_pool", rd, nil).json(t)["slots"], 0)
	res = b.req(t, "PATCH", "/api/v2/pools", trg, map[string]any{"actions": []any{
		map[string]any{"action": "create", "entities": []any{map[string]any{"name": "big", "slots": 10}, map[string]any{"name": "tiny", "slots": 1}}, "action_on_existence": "skip"},
		map[string]any{"action": "create", "entities": []any{map[string]any{"name": "tiny", "slots": 1}, map[string]any{"name": "other", "slots": 1}}},
		map[string]any{"action": "update", "entities": []any{map[string]any{"name": "big", "slots": 20}}},
		map[string]any{"action": "delete", "entities": []any{"tiny", "nope"}, "action_on_non_existence": "skip"},
		map[string]any{"action": "delete", "entities": []any{"default_pool"}},
	}})
	require.Equal(t, 200, res.status, string(res.body))
	m := res.json(t)
	require.Equal(t, []any{"big"}, m["create"].(map[string]any)["success"], "tiny skipped, and the failing action creates nothing")
	require.Equal(t, []any{map[string]any{"error": "The pools with these pool names: {'tiny'} already exist.", "status_code": 409.0}},
		m["create"].(map[string]any)["errors"])
	require.Equal(t, []any{"big"}, m["update"].(map[string]any)["success"])
	require.Equal(t, []any{"tiny"}, m["delete"].(map[string]any)["success"])
	require.Equal(t, []any{map[string]any{"error": "Default Pool can't be deleted", "status_code": 400.0}}, m["delete"].(map[string]any)["errors"])
	require.Equal(t, 404, b.req(t, "GET", "/api/v2/pools/other", rd, nil).status, "the failed action created nothing")
	res = b.req(t, "PATCH", "/api/v2/pools", trg, map[string]any{"actions": []any{
		map[string]any{"action": "update", "entities": []any{map[string]any{"name": "nope", "slots": 2}, map[string]any{"name": "big", "slots": 30}}},
		map[string]any{"action": "create", "entities": []any{map[string]any{"name": "big", "slots": 20}}, "action_on_existence": "overwrite"},
	}})
	require.Equal(t, 200, res.status, string(res.body))
	m = res.json(t)
	require.Equal(t, []any{map[string]any{"error": "The pools with these pool names: {'nope'} were not found.", "status_code": 404.0}},
		m["update"].(map[string]any)["errors"])
	require.Equal(t, []any{"big"}, m["create"].(map[string]any)["success"])
	bad := b.req(t, "PATCH", "/api/v2/pools", trg, map[string]any{"actions": []any{
		map[string]any{"action": "create", "entities": []any{map[string]any{"name": "x", "slots": -5}}}}})
	require.Equal(t, 200, bad.status, "a create that fails validation is an error of its action")
	require.Len(t, bad.json(t)["create"].(map[string]any)["errors"], 1)
	require.Equal(t, 422, b.req(t, "PATCH", "/api/v2/pools", trg, map[string]any{"actions": []any{
		map[string]any{"action": "update", "entities": []any{map[string]any{"slots": 2}}}}}).status, "an entity without a name")
	require.Equal(t, 422, b.req(t, "PATCH", "/api/v2/pools", trg, map[string]any{"actions": []any{map[string]any{"action": "bogus", "entities": []any{}}}}).status)
	require.InDelta(t, 20, b.req(t, "GET", "/api/v2/pools/big", rd, nil).json(t)["slots"], 0)
	require.Equal(t, 404, b.req(t, "GET", "/api/v2/pools/tiny", rd, nil).status)
	require.Equal(t, 400, b.req(t, "DELETE", "/api/v2/pools/default_pool", trg, nil).status)
	require.Equal(t, 204, b.req(t, "DELETE", "/api/v2/pools/big", trg, nil).status)
	require.Equal(t, 404, b.req(t, "DELETE", "/api/v2/pools/big", trg, nil).status)
	res = b.req(t, "GET", "/api/v2/pools?pool_name_pattern=def%25", rd, nil)
	require.InDelta(t, 1, res.json(t)["total_entries"], 0)
}

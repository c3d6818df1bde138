package api

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/dagworker/dagworker/internal/redistest"
)

// memVariables is an in-memory VariableStore for the API tests.
type memVariables struct {
	mu sync.Mutex
	m  map[string]Variable
}

func newMemVariables() *memVariables { return &memVariables{m: map[string]Variable{}} }

func (mv *memVariables) Variables(context.Context) ([]Variable, error) {
	mv.mu.Lock()
	defer mv.mu.Unlock()
	out := make([]Variable, 0, len(mv.m))
	for _, v := range mv.m {
		out = append(out, v)
	}
	slices.SortFunc(out, func(a, b Variable) int { return strings.Compare(a.Key, b.Key) })
	return out, nil
}

func (mv *memVariables) Variable(_ context.Context, key string) (Variable, error) {
	mv.mu.Lock()
	defer mv.mu.Unlock()
	v, ok := mv.m[key]
	if !ok {
		return Variable{}, fmt.Errorf("variable %q: %w", key, ErrNotFound)
	}
	return v, nil
}

func (mv *memVariables) PutVariable(_ context.Context, v Variable, create bool) error {
	mv.mu.Lock()
	defer mv.mu.Unlock()
	if _, ok := mv.m[v.Key]; ok && create {
		return ErrExists
	}
	mv.m[v.Key] = v
	return nil
}

func (mv *memVariables) DeleteVariable(_ context.Context, key string) error {
	mv.mu.Lock()
	defer mv.mu.Unlock()
	if _, ok := mv.m[key]; !ok {
		return ErrNotFound
	}
	delete(mv.m, key)
	return nil
}

// TestVariables: variables CRUD in Airflow's shapes, over the Redis store
// the serve command uses.
func TestVariables(t *testing.T) {
	t.Parallel()
	env := redistest.New(t)
	b := setup(t, func(c *Config) { c.Variables = &RedisVariables{Client: env.Client(), Key: env.Prefix + ":variables"} })
	base := "/api/v2/variables"
	tests := []struct {
		method, path, auth string
		body               any
		want               int
		has                string
	}{
		{"POST", base, trg, map[string]any{"key": "region", "value": "eu", "description": "where"}, 201, `"value":"eu"`},
		{"POST", base, trg, map[string]any{"key": "limits", "value": map[string]any{"pages": 5}}, 201, `"value":"{\"pages\":5}"`},
		{"POST", base, trg, map[string]any{"key": "api_token", "value": "s3cr3t"}, 201, `"value":"***"`},
		{"POST", base, trg, map[string]any{"key": "region", "value": "us"}, 409, "already exists"},
		{"POST", base, rd, map[string]any{"key": "x", "value": "y"}, 403, ""},
		{"POST", base, trg, map[string]any{"value": "y"}, 422, `"loc":["body","key"]`},
		{"GET", base, rd, nil, 200, `"total_entries":3`},
		{"GET", base + "?variable_key_pattern=reg%25", rd, nil, 200, `"total_entries":1`},
		{"GET", base + "?order_by=bogus", rd, nil, 400, "Ordering with 'bogus'"},
		{"GET", base + "/region", rd, nil, 200, `"description":"where"`},
		{"GET", base + "/api_token", rd, nil, 200, `"value":"***"`},
		{"GET", base + "/nope", rd, nil, 404, "The Variable with key: `nope` was not found"},
		{"PATCH", base + "/region", trg, map[string]any{"key": "region", "value": "us"}, 200, `"value":"us"`},
		{"PATCH", base + "/region?update_mask=description", trg, map[string]any{"key": "region", "value": "ignored", "description": "new"}, 200, `"value":"us"`},
		{"PATCH", base + "/region", trg, map[string]any{"key": "other", "value": "x"}, 400, "doesn't match"},
		{"PATCH", base + "/nope", trg, map[string]any{"key": "nope", "value": "x"}, 404, ""},
		{"DELETE", base + "/region", trg, nil, 204, ""},
		{"DELETE", base + "/region", trg, nil, 404, ""},
		{"GET", base, "", nil, 401, ""},
	}
	for _, tc := range tests {
		res := b.req(t, tc.method, tc.path, tc.auth, tc.body)
		require.Equal(t, tc.want, res.status, "%s %s: %s", tc.method, tc.path, res.body)
		require.Contains(t, string(res.body), tc.has, "%s %s", tc.method, tc.path)
	}
	got := b.req(t, "GET", base+"/region", rd, nil)
	require.Equal(t, http.StatusNotFound, got.status)
}

// TestBulkVariables: PATCH /variables over the Redis store, with Airflow's
// per-action existence rules.
func TestBulkVariables(t *testing.T) {
	t.Parallel()
	env := redistest.New(t)
	b := setup(t, func(c *Config) {
		c.Variables = &RedisVariables{Client: env.Client(), Key: env.Prefix + ":variables"}
		c.Events = &RedisEvents{Client: env.Client(), Key: env.Prefix + ":event_log"}
	})
	base := "/api/v2/variables"
	require.Equal(t, 201, b.req(t, "POST", base, trg, map[string]any{"key": "region", "value": "eu", "description": "where"}).status)
	actions := func(a ...map[string]any) map[string]any { return map[string]any{"actions": a} }
	tests := []struct {
		name string
		body map[string]any
		// want is the response, or "" to check only the status
		want   string
		status int
	}{
		{"create fails on an existing key, creating nothing",
			actions(map[string]any{"action": "create", "entities": []any{map[string]any{"key": "region", "value": "us"}, map[string]any{"key": "new", "value": "1"}}}),
			`{"create":{"success":[],"errors":[{"error":"The variables with these keys: {'region'} already exist.","status_code":409}]},"update":null,"delete":null}`, 200},
		{"create skips existing keys",
			actions(map[string]any{"action": "create", "action_on_existence": "skip", "entities": []any{map[string]any{"key": "region", "value": "us"}, map[string]any{"key": "pages", "value": 5}}}),
			`{"create":{"success":["pages"],"errors":[]},"update":null,"delete":null}`, 200},
		{"create overwrites, update with a mask, delete",
			actions(
				map[string]any{"action": "create", "action_on_existence": "overwrite", "entities": []any{map[string]any{"key": "pages", "value": "7"}}},
				map[string]any{"action": "update", "update_mask": []any{"description"}, "entities": []any{map[string]any{"key": "region", "value": "ignored", "description": "new"}}},
				map[string]any{"action": "delete", "entities": []any{"gone", "pages"}, "action_on_non_existence": "skip"}),
			`{"create":{"success":["pages"],"errors":[]},"update":{"success":["region"],"errors":[]},"delete":{"success":["pages"],"errors":[]}}`, 200},
		{"update and delete fail on a missing key",
			actions(
				map[string]any{"action": "update", "entities": []any{map[string]any{"key": "nope", "value": "x"}, map[string]any{"key": "region", "value": "changed"}}},
				map[string]any{"action": "delete", "entities": []any{"nope", "region"}}),
			`{"create":null,"update":{"success":[],"errors":[{"error":"The variables with these keys: {'nope'} were not found.","status_code":404}]},"delete":{"success":[],"errors":[{"error":"The variables with these keys: {'nope'} were not found.","status_code":404}]}}`, 200},
		{"an entity without a value", actions(map[string]any{"action": "create", "entities": []any{map[string]any{"key": "k"}}}), "", 422},
		{"an unknown action", actions(map[string]any{"action": "upsert", "entities": []any{}}), "", 422},
		{"no actions", map[string]any{}, "", 422},
	}
	for _, tc := range tests {
		res := b.req(t, "PATCH", base, trg, tc.body)
		require.Equal(t, tc.status, res.status, "%s: %s", tc.name, res.body)
		if tc.want != "" {
			require.JSONEq(t, tc.want, string(res.body), tc.name)
		}
	}
	region := b.req(t, "GET", base+"/region", rd, nil).json(t)
	require.Equal(t, "eu", region["value"], "the masked update left the value and the failed actions changed nothing")
	require.Equal(t, "new", region["description"])
	require.Equal(t, 404, b.req(t, "GET", base+"/new", rd, nil).status)
	require.Equal(t, 403, b.req(t, "PATCH", base, rd, actions()).status)
	ev := b.req(t, "GET", "/api/v2/eventLogs?event=bulk_variables&order_by=event_log_id", rd, nil).json(t)
	answered := 0
	for _, tc := range tests {
		if tc.status == 200 {
			answered++
		}
	}
	require.InDelta(t, answered, ev["total_entries"], 0, "every bulk call answered 200 is logged")
	var extras []any
	for _, e := range ev["event_logs"].([]any) {
		extras = append(extras, e.(map[string]any)["extra"])
	}
	require.Contains(t, extras, "create:pages,update:region,delete:pages", "what each call changed")
}

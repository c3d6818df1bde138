package api

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestAdHocUnknownTaskType(t *testing.T) {
	t.Parallel()
	b := setup(t, func(c *Config) { c.TaskTypes = []string{"scrape", "echo", "noop"} })
	tests := []struct {
		name    string
		body    map[string]any
		want    int
		msgPart []string
	}{
		{"known type runs", map[string]any{"type": "echo", "args": map[string]any{"msg": "hi"}, "wait": "5s"}, 200, nil},
		{"unknown type is 422 naming it and the known ones", map[string]any{"type": "scrap"}, 422,
			[]string{`unknown task type "scrap"`, "known types: echo, noop, scrape"}},
		{"type is case-sensitive", map[string]any{"type": "Echo"}, 422, []string{`"Echo"`}},
		{"missing type is still 422 Field required", map[string]any{}, 422, []string{"Field required"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			res := b.req(t, "POST", "/api/dagworker/v1/tasks", trg, tc.body)
			require.Equal(t, tc.want, res.status, string(res.body))
			if len(tc.msgPart) == 0 {
				return
			}
			detail, ok := res.json(t)["detail"].([]any)
			require.True(t, ok, string(res.body))
			require.Len(t, detail, 1)
			fe := detail[0].(map[string]any)
			require.Equal(t, []any{"body", "type"}, fe["loc"])
			for _, s := range tc.msgPart {
				require.Contains(t, fe["msg"], s)
			}
		})
	}
	// Without TaskTypes every type is accepted (a library user's runner decides).
	open := setup(t)
	res := open.req(t, "POST", "/api/dagworker/v1/tasks", trg, map[string]any{"type": "anything", "wait": "10ms"})
	require.Equal(t, 201, res.status, string(res.body))
}

package api

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

const waitDAGs = `
waited:
  tasks:
    - task_id: a
      operator: echo
      msg: "hé ✓"
    - task_id: b
      operator: sleep
      duration: 300ms
      dependencies: [a]
`

// TestEngineWaitRun: GET .../wait streams the run's state as NDJSON until
// it finishes, the last line with the XComs asked for.
func TestEngineWaitRun(t *testing.T) {
	t.Parallel()
	b := setupEngineDAGs(t, 4, waitDAGs).bundle
	res := b.req(t, "POST", "/api/v2/dags/waited/dagRuns", trg, map[string]any{"dag_run_id": "w1"})
	require.Equal(t, 200, res.status, string(res.body))
	path := "/api/v2/dags/waited/dagRuns/w1/wait"
	res = b.req(t, "GET", path+"?interval=0.02&result=a&result=nope", rd, nil)
	require.Equal(t, 200, res.status, string(res.body))
	require.Equal(t, "application/x-ndjson", res.header.Get("Content-Type"))
	lines := strings.Split(strings.TrimSuffix(string(res.body), "\n"), "\n")
	require.Greater(t, len(lines), 1, "the run was unfinished at first: %s", res.body)
	for _, l := range lines[:len(lines)-1] {
		require.Contains(t, []string{`{"state": "queued"}`, `{"state": "running"}`}, l)
	}
	last := lines[len(lines)-1]
	require.Equal(t, `{"state": "success", "results": {"a": {"msg": "h\u00e9 \u2713"}}}`, last, "Python's json.dumps form")
	var m map[string]any
	require.NoError(t, json.Unmarshal([]byte(last), &m))
	require.Equal(t, "hé ✓", m["results"].(map[string]any)["a"].(map[string]any)["msg"])

	// A finished run: one line; without result= no results.
	res = b.req(t, "GET", path+"?interval=1", rd, nil)
	require.Equal(t, "{\"state\": \"success\"}\n", string(res.body))

	for q, want := range map[string]int{"": 422, "?interval=0": 422, "?interval=-1": 422, "?interval=abc": 422} {
		res = b.req(t, "GET", path+q, rd, nil)
		require.Equal(t, want, res.status, "%q: %s", q, res.body)
	}
	res = b.req(t, "GET", "/api/v2/dags/waited/dagRuns/nope/wait?interval=1", rd, nil)
	require.Equal(t, 404, res.status)
	require.Contains(t, string(res.body), "The DagRun with dag_id: `waited` and run_id: `nope` was not found")
	require.Equal(t, 401, b.req(t, "GET", path+"?interval=1", "", nil).status)
}

func TestPyJSON(t *testing.T) {
	for in, want := range map[string]string{
		`{"b":1,"a":[1,2.5,{"x":null}],"c":true}`: `{"b": 1, "a": [1, 2.5, {"x": null}], "c": true}`,
		`"a\"b<>&"`: `"a\"b<>&"`,
		`[]`:        `[]`,
		`"😀"`:       `"\ud83d\ude00"`,
	} {
		got, err := pyJSON(json.RawMessage(in))
		require.NoError(t, err)
		require.Equal(t, want, got, in)
	}
}

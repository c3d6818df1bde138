package classify

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/backends/simplego"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/dagworker/dagworker/tasks"
)

func TestMain(m *testing.M) {
	if raceEnabled {
		backends.Register("go", func(config string) (backends.Backend, error) {
			return simplego.New(strings.TrimPrefix(config+",ops_sequential", ","))
		})
	}
	goleak.VerifyTestMain(m)
}

// testBundle is a handler, a data lake and a task factory.
type testBundle struct {
	h    *Handler
	lake *tasks.Lake
	runs atomic.Int64 // each task gets its own run id
}

func setup(t testing.TB) *testBundle {
	t.Helper()
	return setupBackend(t, BackendAuto)
}

// setupBackend is setup on the given backend. ORT builds find the library
// through DAGWORKER_ORT_LIBRARY; with DAGWORKER_TEST_REQUIRE_ORT=1 (CI's
// ORT test run) the auto backend must come out as ORT.
func setupBackend(t testing.TB, backend string) *testBundle {
	t.Helper()
	h, err := New(Config{CacheDir: t.TempDir(), ModelRoots: testModelRoots(t), Backend: backend, ORTLibrary: os.Getenv("DAGWORKER_ORT_LIBRARY")})
	require.NoError(t, err)
	if backend == BackendAuto && ortCompiled && os.Getenv("DAGWORKER_TEST_REQUIRE_ORT") == "1" {
		require.Equal(t, BackendORT, h.Backend(), "DAGWORKER_TEST_REQUIRE_ORT=1: the ORT library must load")
	}
	t.Cleanup(func() { require.NoError(t, h.Close()) })
	lake, err := tasks.OpenLake(context.Background(), "file://"+filepath.ToSlash(t.TempDir()))
	require.NoError(t, err)
	t.Cleanup(func() { _ = lake.Close() })
	return &testBundle{h: h, lake: lake}
}

// page is a scrape record.
type page struct {
	URL   string `json:"url"`
	Title string `json:"title"`
	Text  string `json:"text"`
	Lang  string `json:"lang"`
}

// task writes pages.jsonl as the upstream scrape task would (one page per
// text) and returns a classify task whose XCom names it.
func (b *testBundle) task(t testing.TB, args map[string]any, texts ...string) *tasks.Task {
	t.Helper()
	ctx := context.Background()
	runID := fmt.Sprintf("r%d", b.runs.Add(1))
	scrape := tasks.Info{DagID: "d", RunID: runID, TaskID: "scrape", Try: 1}
	out, err := b.lake.WriteOutput(ctx, scrape, "pages.jsonl", "application/x-ndjson", func(w io.Writer) (int, error) {
		enc := json.NewEncoder(w)
		for i, text := range texts {
			if err := enc.Encode(page{URL: fmt.Sprintf("http://site.test/%d", i), Title: fmt.Sprintf("page %d", i), Text: text}); err != nil {
				return i, err
			}
		}
		return len(texts), nil
	})
	require.NoError(t, err)
	xcom, err := json.Marshal(map[string]any{"output": out})
	require.NoError(t, err)
	raw, err := json.Marshal(args)
	require.NoError(t, err)
	return &tasks.Task{
		Type: "classify",
		Info: tasks.Info{DagID: "d", RunID: runID, TaskID: "classify", Try: 1},
		Args: raw,
		Lake: b.lake,
		XCom: func(_ context.Context, taskID string) (json.RawMessage, error) {
			if taskID != "scrape" {
				return nil, nil
			}
			return xcom, nil
		},
		Upstream: []string{"scrape"},
	}
}

// backends are the backends this test binary can run on.
func testBackends() []string { return benchBackends() }

// run runs a task and returns its result and output records.
func (b *testBundle) run(t testing.TB, task *tasks.Task) (Result, []map[string]any) {
	t.Helper()
	v, err := b.h.Run(context.Background(), task)
	require.NoError(t, err)
	res, ok := v.(Result)
	require.True(t, ok)
	return res, readJSONL(t, b.lake, res.Output.Key)
}

func readJSONL(t testing.TB, lake *tasks.Lake, key string) []map[string]any {
	t.Helper()
	data, err := lake.Get(context.Background(), key)
	require.NoError(t, err)
	var out []map[string]any
	for _, line := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		var m map[string]any
		require.NoError(t, json.Unmarshal([]byte(line), &m))
		out = append(out, m)
	}
	return out
}

// testModelRoots are the folders of the local models the tests use by path
// (some copy fixtures into temporary folders first);
// TestLocalModelsConfined checks the confinement itself.
func testModelRoots(t testing.TB) []string {
	roots := []string{"testdata", "models", sharedModelsDir(t), os.TempDir()}
	if dir := os.Getenv("DAGWORKER_TEST_MINILM"); dir != "" {
		roots = append(roots, dir)
	}
	return roots
}

// sharedModelsDir is DAGWORKER_TEST_MODELS, default ../shared/models next
// to the repository root ("" when it does not exist).
func sharedModelsDir(t testing.TB) string {
	t.Helper()
	dir, set := os.LookupEnv("DAGWORKER_TEST_MODELS")
	if set && dir != "" {
		// Set explicitly (CI does): a missing folder is an error, not a skip.
		st, err := os.Stat(dir)
		require.NoError(t, err, "DAGWORKER_TEST_MODELS")
		require.True(t, st.IsDir(), "DAGWORKER_TEST_MODELS=%s is not a folder", dir)
		return dir
	}
	if dir == "" {
		wd, err := os.Getwd()
		require.NoError(t, err)
		for root := wd; ; root = filepath.Dir(root) {
			if _, err := os.Stat(filepath.Join(root, "go.mod")); err == nil {
				dir = filepath.Join(root, "..", "shared", "models")
				break
			}
			if filepath.Dir(root) == root {
				return ""
			}
		}
	}
	if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		return ""
	}
	return dir
}

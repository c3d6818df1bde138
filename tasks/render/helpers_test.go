package render

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/dagworker/dagworker/tasks"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// requireCJKEnv, when set, makes tests fail instead of testing the
// missing-glyph path when no CJK font is installed (CI installs one).
const requireCJKEnv = "DAGWORKER_TEST_REQUIRE_CJK_FONT"

// sharedHandler is one Handler with the default font search, shared by
// tests as a worker shares it between tasks.
var sharedHandler = sync.OnceValues(func() (*Handler, error) { return New(Config{}) })

// testBundle is a data lake in a temporary directory and a handler.
type testBundle struct {
	h    *Handler
	lake *tasks.Lake
	dir  string
	info tasks.Info
}

func setup(t testing.TB, h *Handler) *testBundle {
	t.Helper()
	if h == nil {
		var err error
		h, err = sharedHandler()
		require.NoError(t, err)
	}
	dir := t.TempDir()
	lake, err := tasks.OpenLake(context.Background(), "file://"+filepath.ToSlash(dir)+"?create_dir=1")
	require.NoError(t, err)
	t.Cleanup(func() { _ = lake.Close() })
	info := tasks.Info{
		DagID: "nightly_sites", RunID: "scheduled__2026-11-28T02:00:00Z", TaskID: "report", Try: 1,
		LogicalDate: time.Date(2026, 11, 28, 2, 0, 0, 0, time.UTC), MaxTries: 3,
	}
	return &testBundle{h: h, lake: lake, dir: dir, info: info}
}

// writeInput stores records as the classify task's classified.jsonl and
// returns its key.
func (b *testBundle) writeInput(t testing.TB, recs []record, extra ...string) string {
	t.Helper()
	var buf bytes.Buffer
	for _, r := range recs {
		line, err := json.Marshal(r)
		require.NoError(t, err)
		buf.Write(line)
		buf.WriteByte('\n')
	}
	for _, e := range extra {
		buf.WriteString(e + "\n")
	}
	key := "runs/" + b.info.DagID + "/" + b.info.RunID + "/classify/classified.jsonl"
	require.NoError(t, b.lake.Put(context.Background(), key, buf.Bytes(), "application/x-ndjson"))
	return key
}

// task builds a render task with args; its upstream "classify" returns the
// XCom value xcom (nil: no upstream XCom function, as in ad-hoc runs).
func (b *testBundle) task(args any, xcom any) *tasks.Task {
	raw, _ := json.Marshal(args)
	t := &tasks.Task{Type: "render", Info: b.info, Args: raw, Logger: slog.New(slog.DiscardHandler), Lake: b.lake}
	if xcom != nil {
		t.Upstream = []string{"classify"}
		t.XCom = func(_ context.Context, id string) (json.RawMessage, error) {
			if id != "classify" {
				return nil, nil
			}
			return json.Marshal(xcom)
		}
	}
	return t
}

// run renders and returns the result.
func (b *testBundle) run(t testing.TB, args any, xcom any) Result {
	t.Helper()
	out, err := b.h.Run(context.Background(), b.task(args, xcom))
	require.NoError(t, err)
	res, ok := out.(Result)
	require.True(t, ok, "Run returns a Result, got %T", out)
	return res
}

// pdfPath is the file behind a key of the file:// lake.
func (b *testBundle) pdfPath(key string) string { return filepath.Join(b.dir, filepath.FromSlash(key)) }

// poppler returns the path of a poppler-utils tool or fails with a hint.
func poppler(t testing.TB, tool string) string {
	t.Helper()
	p, err := exec.LookPath(tool)
	if err != nil {
		t.Fatalf("%s not found: install poppler-utils (Debian: apt-get install poppler-utils)", tool)
	}
	return p
}

// pdfText extracts the text of a PDF (pages first..last; 0 for all).
func pdfText(t testing.TB, path string, first, last int) string {
	t.Helper()
	args := []string{"-enc", "UTF-8"}
	if first > 0 {
		args = append(args, "-f", strconv.Itoa(first), "-l", strconv.Itoa(last))
	}
	out, err := exec.Command(poppler(t, "pdftotext"), append(args, path, "-")...).CombinedOutput()
	require.NoError(t, err, "pdftotext: %s", out)
	return string(out)
}

var pagesRe = regexp.MustCompile(`(?m)^Pages:\s+(\d+)$`)

// pdfPages is the page count pdfinfo reports.
func pdfPages(t testing.TB, path string) int {
	t.Helper()
	out, err := exec.Command(poppler(t, "pdfinfo"), path).CombinedOutput()
	require.NoError(t, err, "pdfinfo: %s", out)
	m := pagesRe.FindStringSubmatch(string(out))
	require.NotNil(t, m, "pdfinfo output: %s", out)
	n, err := strconv.Atoi(m[1])
	require.NoError(t, err)
	return n
}

// squash removes all white space, for comparing CJK text that may wrap
// anywhere.
func squash(s string) string {
	return strings.Map(func(r rune) rune {
		if r == ' ' || r == '\n' || r == '\t' || r == '\f' || r == '\r' {
			return -1
		}
		return r
	}, s)
}

// words joins a text's words with single spaces.
func words(s string) string { return strings.Join(strings.Fields(s), " ") }

// repeat returns n sentences of s joined by spaces.
func repeat(s string, n int) string { return strings.TrimSpace(strings.Repeat(s+" ", n)) }

// synthetic returns n records cycling through labels, with excerpts of about
// chars characters.
func synthetic(n, chars int) []record {
	labels := []string{"politics", "sport", "economy", "technology"}
	base := "Lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod tempor incididunt ut labore et dolore magna aliqua."
	recs := make([]record, n)
	for i := range recs {
		text := strings.Repeat(base+" ", chars/len(base)+1)
		recs[i] = record{
			URL: fmt.Sprintf("https://example.org/news/%d", i), Status: 200,
			Title: fmt.Sprintf("Article number %d", i), Text: text, Lang: "en",
			Label: labels[i%len(labels)], Score: 0.5 + float64(i%50)/100,
			TopK:  []labelScore{{labels[i%len(labels)], 0.7}, {labels[(i+1)%len(labels)], 0.2}},
			Model: "demo-topic", ModelVersion: "1",
		}
	}
	return recs
}

func envSet(name string) bool { return os.Getenv(name) != "" }

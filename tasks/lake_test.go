package tasks_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"
	"github.com/stretchr/testify/require"
	"gocloud.dev/blob"

	"github.com/dagworker/dagworker/tasks"
)

func TestCheckKeyPart(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		part string
		ok   bool
	}{
		{"plain", "scrape", true},
		{"airflow run id", "scheduled__2026-01-01T02:00:00+00:00", true},
		{"unicode", "Übersicht-日本語", true},
		{"dots inside", "pages.v2.jsonl", true},
		{"three dots", "...", true},
		{"max length", strings.Repeat("a", 200), true},
		{"empty", "", false},
		{"dot", ".", false},
		{"dotdot", "..", false},
		{"traversal", "../etc", false},
		{"absolute", "/etc/passwd", false},
		{"slash", "a/b", false},
		{"backslash", `..\..\x`, false},
		{"nul", "a\x00b", false},
		{"newline", "a\nb", false},
		{"tab", "a\tb", false},
		{"escape", "\x1b[31m", false},
		{"del", "a\x7f", false},
		{"c1 control", "a\u0085b", false},
		{"c1 csi", "a\u009bb", false},
		{"invalid utf8", "a\xffb", false},
		{"too long", strings.Repeat("a", 201), false},
		{"too long multibyte", strings.Repeat("é", 101), false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			err := tasks.CheckKeyPart(tc.part)
			if tc.ok {
				require.NoError(t, err)
				return
			}
			require.ErrorIs(t, err, tasks.ErrBadKey)
		})
	}
}

func TestKeyLayout(t *testing.T) {
	t.Parallel()
	info := tasks.Info{DagID: "nightly_sites", RunID: "manual__2026-11-28T02:00:00+00:00", TaskID: "scrape", Try: 3}
	long := strings.Repeat("x", 200)
	tests := []struct {
		name string
		key  func() (string, error)
		want string
	}{
		{"output", func() (string, error) { return tasks.OutputKey(info, "pages.jsonl") },
			"runs/nightly_sites/manual__2026-11-28T02:00:00+00:00/scrape/pages.jsonl"},
		{"prefix", func() (string, error) { return tasks.OutputPrefix(info) },
			"runs/nightly_sites/manual__2026-11-28T02:00:00+00:00/scrape"},
		{"log", func() (string, error) { return tasks.LogKey(info) },
			"logs/nightly_sites/manual__2026-11-28T02:00:00+00:00/scrape/3.log"},
		{"bad dag", func() (string, error) { return tasks.OutputKey(tasks.Info{DagID: "..", RunID: "r", TaskID: "t"}, "x") }, ""},
		{"bad run", func() (string, error) {
			return tasks.OutputKey(tasks.Info{DagID: "d", RunID: "a/../../b", TaskID: "t"}, "x")
		}, ""},
		{"empty task", func() (string, error) { return tasks.LogKey(tasks.Info{DagID: "d", RunID: "r"}) }, ""},
		{"bad name", func() (string, error) { return tasks.OutputKey(info, "../../../etc/passwd") }, ""},
		{"absolute name", func() (string, error) { return tasks.OutputKey(info, "/srv/x") }, ""},
		{"too long", func() (string, error) { return tasks.JoinKey("runs", long, long, long, long, long) }, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			key, err := tc.key()
			if tc.want == "" {
				require.ErrorIs(t, err, tasks.ErrBadKey)
				require.Empty(t, key)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tc.want, key)
		})
	}
}

// lakes opens each kind of data lake the tests run against: a file:// lake
// in a temporary directory, mem://, and s3:// against an in-process S3
// server.
func lakes(t *testing.T) map[string]*tasks.Lake {
	t.Helper()
	ctx := t.Context()
	out := map[string]*tasks.Lake{}
	dir := t.TempDir()
	fileLake, err := tasks.OpenLake(ctx, "file://"+filepath.ToSlash(dir))
	require.NoError(t, err)
	out["file"] = fileLake
	memLake, err := tasks.OpenLake(ctx, "mem://")
	require.NoError(t, err)
	out["mem"] = memLake
	out["s3"] = openS3Lake(t)
	t.Cleanup(func() {
		for _, l := range out {
			require.NoError(t, l.Close())
		}
	})
	return out
}

func openS3Lake(t *testing.T) *tasks.Lake {
	t.Helper()
	backend := s3mem.New()
	require.NoError(t, backend.CreateBucket("lake"))
	srv := httptest.NewServer(gofakes3.New(backend).Server())
	t.Cleanup(srv.Close)
	q := url.Values{"endpoint": {srv.URL}, "region": {"us-east-1"}, "use_path_style": {"true"}, "anonymous": {"true"}}
	l, err := tasks.OpenLake(t.Context(), "s3://lake?"+q.Encode())
	require.NoError(t, err)
	return l
}

func TestWriteOutput(t *testing.T) {
	t.Parallel()
	info := tasks.Info{DagID: "dag", RunID: "run1", TaskID: "scrape", Try: 1}
	for name, lake := range lakes(t) {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			ctx := t.Context()
			write := func(lines ...string) func(io.Writer) (int, error) {
				return func(w io.Writer) (int, error) {
					for _, l := range lines {
						if _, err := io.WriteString(w, l+"\n"); err != nil {
							return 0, err
						}
					}
					return len(lines), nil
				}
			}
			out, err := lake.WriteOutput(ctx, info, "pages.jsonl", "application/x-ndjson", write(`{"a":1}`, `{"a":2}`))
			require.NoError(t, err)
			data := "{\"a\":1}\n{\"a\":2}\n"
			sum := sha256.Sum256([]byte(data))
			require.Equal(t, "runs/dag/run1/scrape/pages.jsonl", out.Key)
			require.Equal(t, lake.URI(out.Key), out.URI)
			require.True(t, strings.HasSuffix(out.URI, "/runs/dag/run1/scrape/pages.jsonl"), out.URI)
			require.Equal(t, int64(len(data)), out.Size)
			require.Equal(t, hex.EncodeToString(sum[:]), out.SHA256)
			require.Equal(t, 2, out.Records)
			got, err := lake.Get(ctx, out.Key)
			require.NoError(t, err)
			require.Equal(t, data, string(got))

			// A retry overwrites the same key: one object under the prefix.
			info2 := info
			info2.Try = 2
			out2, err := lake.WriteOutput(ctx, info2, "pages.jsonl", "application/x-ndjson", write(`{"a":3}`))
			require.NoError(t, err)
			require.Equal(t, out.Key, out2.Key)
			require.Equal(t, 1, out2.Records)
			require.Equal(t, []string{out.Key}, listKeys(t, lake, "runs/dag/run1/"))
			r, err := lake.Open(ctx, out.Key)
			require.NoError(t, err)
			got, err = io.ReadAll(r)
			require.NoError(t, err)
			require.NoError(t, r.Close())
			require.Equal(t, "{\"a\":3}\n", string(got))

			// A failed write leaves no object behind and keeps its error.
			boom := errors.New("boom")
			_, err = lake.WriteOutput(ctx, info, "failed.jsonl", "application/x-ndjson", func(w io.Writer) (int, error) {
				_, _ = io.WriteString(w, "partial\n")
				return 0, boom
			})
			require.ErrorIs(t, err, boom)
			_, err = lake.Get(ctx, "runs/dag/run1/scrape/failed.jsonl")
			require.ErrorIs(t, err, tasks.ErrNotFound)
			_, err = lake.Open(ctx, "runs/dag/run1/scrape/failed.jsonl")
			require.ErrorIs(t, err, tasks.ErrNotFound)

			// Keys are validated before anything is written.
			_, err = lake.WriteOutput(ctx, tasks.Info{DagID: "..", RunID: "r", TaskID: "t"}, "x", "text/plain", write("x"))
			require.ErrorIs(t, err, tasks.ErrBadKey)
			_, err = lake.WriteOutput(ctx, info, "../escape", "text/plain", write("x"))
			require.ErrorIs(t, err, tasks.ErrBadKey)

			// Put and Get round-trip.
			require.NoError(t, lake.Put(ctx, "logs/dag/run1/scrape/1.log", []byte("hello"), "text/plain"))
			got, err = lake.Get(ctx, "logs/dag/run1/scrape/1.log")
			require.NoError(t, err)
			require.Equal(t, "hello", string(got))
		})
	}
}

func listKeys(t *testing.T, lake *tasks.Lake, prefix string) []string {
	t.Helper()
	var keys []string
	it := lake.Bucket().List(&blob.ListOptions{Prefix: prefix})
	for {
		obj, err := it.Next(t.Context())
		if errors.Is(err, io.EOF) {
			return keys
		}
		require.NoError(t, err)
		keys = append(keys, obj.Key)
	}
}

func TestFileLakeStaysInsideItsDirectory(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	dir := filepath.Join(root, "lake")
	require.NoError(t, os.Mkdir(dir, 0o750))
	lake, err := tasks.OpenLake(t.Context(), "file://"+filepath.ToSlash(dir))
	require.NoError(t, err)
	defer lake.Close()
	info := tasks.Info{DagID: "d", RunID: "r", TaskID: "t"}
	out, err := lake.WriteOutput(t.Context(), info, "out.txt", "text/plain", func(w io.Writer) (int, error) {
		_, err := io.WriteString(w, "ok")
		return 1, err
	})
	require.NoError(t, err)
	_, err = os.Stat(filepath.Join(dir, filepath.FromSlash(out.Key)))
	require.NoError(t, err)
	entries, err := os.ReadDir(root)
	require.NoError(t, err)
	require.Len(t, entries, 1, "nothing is written beside the lake directory")
}

func TestOpenLake(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		url     string
		wantURI string
		wantErr bool
	}{
		{name: "mem", url: "mem://", wantURI: "mem://"},
		{name: "s3 query stripped from URIs", url: "s3://bucket?region=us-east-1&anonymous=true&endpoint=http://127.0.0.1:1", wantURI: "s3://bucket"},
		{name: "unknown scheme", url: "nosuch://bucket", wantErr: true},
		{name: "bad url", url: "file://%zz", wantErr: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			l, err := tasks.OpenLake(t.Context(), tc.url)
			if tc.wantErr {
				require.Error(t, err)
				return
			}
			require.NoError(t, err)
			defer l.Close()
			require.Equal(t, tc.wantURI+"/a/b", l.URI("a/b"))
		})
	}
}

func TestS3MissingObject(t *testing.T) {
	t.Parallel()
	lake := openS3Lake(t)
	defer lake.Close()
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	_, err := lake.Get(ctx, "runs/none/none/none/x")
	require.ErrorIs(t, err, tasks.ErrNotFound)
	require.Contains(t, err.Error(), "s3://lake/runs/none/none/none/x")
}

func FuzzJoinKey(f *testing.F) {
	f.Add("runs", "dag", "run", "task")
	f.Add("..", "a/b", "\x00", "")
	f.Add("a", "\u0085", `b\c`, strings.Repeat("z", 300))
	f.Fuzz(func(t *testing.T, a, b, c, d string) {
		key, err := tasks.JoinKey(a, b, c, d)
		if err != nil {
			require.ErrorIs(t, err, tasks.ErrBadKey)
			require.Empty(t, key)
			return
		}
		require.LessOrEqual(t, len(key), 1000)
		require.True(t, utf8.ValidString(key))
		require.False(t, strings.HasPrefix(key, "/"))
		parts := strings.Split(key, "/")
		require.Equal(t, []string{a, b, c, d}, parts, fmt.Sprintf("key %q", key))
		for _, p := range parts {
			require.NotEqual(t, "..", p)
			require.NotEqual(t, ".", p)
			require.NotContains(t, p, `\`)
			for _, r := range p {
				require.False(t, unicode.IsControl(r), "control rune %U in %q", r, p)
			}
		}
	})
}

func TestOpenLakeCreatesFileFolder(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "not", "yet")
	lake, err := tasks.OpenLake(context.Background(), "file://"+filepath.ToSlash(dir))
	require.NoError(t, err)
	t.Cleanup(func() { _ = lake.Close() })
	require.NoError(t, lake.Put(context.Background(), "runs/a/b/c/x.txt", []byte("x"), "text/plain"))
	got, err := os.ReadFile(filepath.Join(dir, "runs", "a", "b", "c", "x.txt"))
	require.NoError(t, err)
	require.Equal(t, "x", string(got))
}

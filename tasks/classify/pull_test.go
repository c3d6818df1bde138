package classify

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
)

// hubServer serves the Hugging Face hub endpoints hugot's downloader uses:
// GET /api/models/<id>/revision/<rev> (repo info with the file list) and
// GET /<id>/resolve/<commit>/<file>.
func hubServer(t *testing.T, repoID, modelDir string) (*httptest.Server, func() []string) {
	t.Helper()
	const commit = "0123456789abcdef0123456789abcdef01234567"
	entries, err := os.ReadDir(modelDir)
	require.NoError(t, err)
	var siblings []map[string]string
	for _, e := range entries {
		siblings = append(siblings, map[string]string{"rfilename": e.Name()})
	}
	siblings = append(siblings, map[string]string{"rfilename": "README.md"})
	var mu sync.Mutex
	var paths []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		paths = append(paths, r.Method+" "+r.URL.Path)
		mu.Unlock()
		switch {
		case r.URL.Path == "/api/models/"+repoID+"/revision/main":
			_ = json.NewEncoder(w).Encode(map[string]any{"id": repoID, "sha": commit, "siblings": siblings})
		case strings.HasPrefix(r.URL.Path, "/"+repoID+"/resolve/"+commit+"/"):
			name := strings.TrimPrefix(r.URL.Path, "/"+repoID+"/resolve/"+commit+"/")
			data := []byte("# readme\n")
			if name != "README.md" {
				var err error
				if data, err = os.ReadFile(filepath.Join(modelDir, filepath.Base(name))); err != nil {
					w.WriteHeader(http.StatusNotFound)
					return
				}
			}
			// the hub names every file version by an ETag (the sha256 for LFS files)
			sum := sha256.Sum256(data)
			w.Header().Set("ETag", `"`+hex.EncodeToString(sum[:])+`"`)
			w.Header().Set("Content-Length", strconv.Itoa(len(data)))
			if r.Method != http.MethodHead {
				_, _ = w.Write(data)
			}
		default:
			// An empty body: the downloader does not close the body of a
			// failed response, which would pin the connection's goroutines.
			w.Header().Set("X-Error-Message", "Repository not found")
			w.WriteHeader(http.StatusNotFound)
		}
	}))
	t.Cleanup(func() {
		srv.CloseClientConnections() // the downloader leaves some responses unclosed
		srv.Close()
		// the downloader's client uses the default transport
		http.DefaultTransport.(*http.Transport).CloseIdleConnections()
	})
	return srv, func() []string {
		mu.Lock()
		defer mu.Unlock()
		return append([]string(nil), paths...)
	}
}

// TestPullWithHugotDownloader pulls a model through hugot.DownloadModel
// from a local hub, lists it and classifies with it. It sets HF_ENDPOINT and
// XDG_CACHE_HOME (read by the downloader), so it does not run in parallel.
func TestPullWithHugotDownloader(t *testing.T) {
	if raceEnabled {
		// go-huggingface's DownloadFiles counts files from its download
		// goroutines without a lock (upstream); the plain run covers pull.
		t.Skip("the hub downloader has an upstream data race on its progress counter")
	}
	srv, requests := hubServer(t, "acme/tiny-sentiment", filepath.Join("models", DemoModel))
	t.Setenv("HF_ENDPOINT", srv.URL)
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	modelsDir := t.TempDir()

	dir, err := Pull("acme/tiny-sentiment", PullOptions{Dir: modelsDir})
	require.NoError(t, err)
	require.Equal(t, filepath.Join(modelsDir, "acme_tiny-sentiment"), dir)
	for _, f := range []string{"model.onnx", "tokenizer.json", "config.json", "special_tokens_map.json"} {
		want, err := os.ReadFile(filepath.Join("models", DemoModel, f))
		require.NoError(t, err)
		got, err := os.ReadFile(filepath.Join(dir, f))
		require.NoError(t, err)
		require.Equal(t, want, got, f)
	}
	require.NoFileExists(t, filepath.Join(dir, "README.md"), "only model files are fetched")
	require.Contains(t, requests(), "GET /api/models/acme/tiny-sentiment/revision/main")

	models, err := ListModels(modelsDir)
	require.NoError(t, err)
	names := map[string]ModelInfo{}
	for _, m := range models {
		names[m.Name] = m
	}
	require.Contains(t, names, "acme_tiny-sentiment")
	require.Contains(t, names, DemoModel)
	pulled := names["acme_tiny-sentiment"]
	require.Equal(t, PipelineTextClassification, pulled.Pipeline)
	require.Equal(t, []string{"NEGATIVE", "POSITIVE"}, pulled.Labels)
	require.Positive(t, pulled.Size)

	h, err := New(Config{ModelsDir: modelsDir, CacheDir: t.TempDir()})
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, h.Close()) })
	b := setup(t)
	b.h = h
	_, recs := b.run(t, b.task(t, map[string]any{"model": "acme/tiny-sentiment"}, "wonderful, I love it"))
	require.Equal(t, "POSITIVE", recs[0]["label"])

	_, err = Pull("acme/missing", PullOptions{Dir: modelsDir, Retries: 1})
	require.Error(t, err)
	_, err = Pull("../etc", PullOptions{Dir: modelsDir})
	require.ErrorContains(t, err, "owner/name")
}

func TestListModelsDescribes(t *testing.T) {
	t.Parallel()
	modelsDir := t.TempDir()
	copyDir(t, nliModel, filepath.Join(modelsDir, "nli"))
	copyDir(t, embeddingModel, filepath.Join(modelsDir, "emb"))
	require.NoError(t, os.MkdirAll(filepath.Join(modelsDir, "not-a-model"), 0o755))
	models, err := ListModels(modelsDir)
	require.NoError(t, err)
	got := map[string]string{}
	for _, m := range models {
		got[m.Name] = m.Pipeline
	}
	require.Equal(t, map[string]string{DemoModel: PipelineTextClassification, "nli": PipelineZeroShot, "emb": PipelineEmbedding}, got)
	none, err := ListModels(filepath.Join(modelsDir, "missing"))
	require.NoError(t, err)
	require.Len(t, none, 1, "only the embedded model")
}

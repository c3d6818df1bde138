package scrape_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/dagworker/dagworker/internal/demosite"
	"github.com/dagworker/dagworker/tasks/scrape"
)

// TestBodyLimitBoundsMemory does not run in parallel: it measures the bytes
// allocated while a 1 GiB gzip bomb and a large page are fetched with a
// 256 KiB body limit, and other tests' allocations would blur that.
func TestBodyLimitBoundsMemory(t *testing.T) {
	const bomb = 1 << 30
	const limit = 256 << 10
	site, err := demosite.StartConfig(context.Background(), "127.0.0.1:0", demosite.Config{BombBytes: bomb, BigPageBytes: 16 << 20})
	require.NoError(t, err)
	defer site.Close()

	// The same bomb sent as "x-gzip", which net/http does not inflate by
	// itself: the scrape transport must inflate it within the limit.
	raw := fetchRaw(t, site.URL()+demosite.PathBomb)
	xgzip := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		w.Header().Set("Content-Encoding", "x-gzip")
		_, _ = w.Write(raw)
	}))
	defer xgzip.Close()

	tests := []struct {
		name string
		cfg  scrape.Config
		url  string
	}{
		{name: "gzip bomb", url: site.URL() + demosite.PathBomb},
		{name: "gzip bomb without transparent decompression", cfg: scrape.Config{HTTPClientBase: &http.Transport{DisableCompression: true}}, url: site.URL() + demosite.PathBomb},
		{name: "x-gzip bomb", url: xgzip.URL + "/"},
		{name: "oversized page", url: site.URL() + demosite.PathBig},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b := setup(t, tc.cfg)
			var before, after runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			res, pages, err := b.run(t, "limits", map[string]any{"urls": tc.url, "allow_private": true, "max_body_bytes": limit, "respect_robots": false})
			runtime.ReadMemStats(&after)
			require.NoError(t, err)
			require.Equal(t, 1, res.Pages)
			require.Equal(t, 1, res.Truncated)
			require.True(t, pages[0].Truncated)
			require.LessOrEqual(t, len(pages[0].Text), limit)
			allocated := after.TotalAlloc - before.TotalAlloc
			t.Logf("allocated %d KiB", allocated>>10)
			require.Less(t, allocated, uint64(64<<20), "allocation stays far below the inflated size")
		})
	}
}

func fetchRaw(t *testing.T, url string) []byte {
	t.Helper()
	tr := &http.Transport{DisableCompression: true}
	defer tr.CloseIdleConnections()
	res, err := (&http.Client{Transport: tr}).Get(url)
	require.NoError(t, err)
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	require.Equal(t, "gzip", res.Header.Get("Content-Encoding"))
	return body
}

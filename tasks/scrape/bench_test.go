package scrape_test

import (
	"context"
	"io"
	"net/http"
	"regexp"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/dagworker/dagworker/internal/demosite"
	"github.com/dagworker/dagworker/internal/ssrf"
	"github.com/dagworker/dagworker/tasks/scrape"
)

// benchParallelism is the per-host concurrency of both contenders.
const benchParallelism = 8

// BenchmarkScrape compares the scrape task (colly, SSRF-guarded dialer,
// robots.txt, body limits, text extraction, language detection, JSON lines
// to a file:// lake) with a plain net/http client that only downloads the
// same pages, at the same concurrency, on the demo site. One iteration
// crawls every language page (241 pages) with each, in a few interleaved
// rounds. The latency variant adds a
// per-page server delay, as a remote site would; the ratio is scrape
// pages/s ÷ plain pages/s (goal ≥ 0.8); guard_ratio isolates the SSRF
// guard: the plain download through the guarded transport ÷ without it.
func BenchmarkScrape(b *testing.B) {
	for _, v := range []struct {
		latency time.Duration
		rounds  int // interleaved rounds per iteration, so one iteration is a fair sample
	}{{0, 6}, {5 * time.Millisecond, 2}} {
		latency := v.latency
		b.Run("latency="+latency.String(), func(b *testing.B) {
			bd := setup(b, scrape.Config{}).withSite(b, demosite.Config{Latency: latency})
			site := bd.site.URL()
			urls := []string{site + "/"}
			for _, p := range demosite.Pages(demosite.Config{})[1:] {
				urls = append(urls, site+p.Path)
			}
			for _, l := range demosite.Languages() {
				urls = append(urls, site+"/"+l+"/articles/1/print")
			}
			args := map[string]any{
				"urls": site + "/", "allow_private": true, "max_pages": 1000, "max_depth": 4,
				"parallelism": benchParallelism, "timeout": "10s",
				"follow": []string{"^" + regexp.QuoteMeta(site) + "/[a-z]{2}/"},
			}
			guard := &ssrf.Guard{AllowPrivate: true}
			var scrapeTime, plainTime, guardTime time.Duration
			var scraped, plain, guarded int
			b.ResetTimer()
			for i := 0; i < b.N*v.rounds; i++ {
				start := time.Now()
				res, _, err := bd.run(b, "bench", args)
				scrapeTime += time.Since(start)
				require.NoError(b, err)
				require.Equal(b, len(urls), res.Fetched, "the scrape fetched the pages the plain client fetches")
				scraped += res.Fetched

				start = time.Now()
				plain += plainFetch(b, urls, plainTransport())
				plainTime += time.Since(start)

				start = time.Now()
				guarded += plainFetch(b, urls, guard.Transport(nil))
				guardTime += time.Since(start)
			}
			scrapeRate := float64(scraped) / scrapeTime.Seconds()
			plainRate := float64(plain) / plainTime.Seconds()
			b.ReportMetric(scrapeRate, "scrape_pages/s")
			b.ReportMetric(plainRate, "plain_pages/s")
			b.ReportMetric(scrapeRate/plainRate, "ratio")
			// The guard's own cost: the same plain download through the
			// SSRF-guarded transport.
			b.ReportMetric(float64(guarded)/guardTime.Seconds()/plainRate, "guard_ratio")
		})
	}
}

func plainTransport() *http.Transport {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.Proxy = nil
	return tr
}

// plainFetch downloads urls with benchParallelism workers and a plain
// net/http client and returns the number of pages fetched.
func plainFetch(b *testing.B, urls []string, tr *http.Transport) int {
	tr.MaxIdleConnsPerHost = benchParallelism
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr, Timeout: 10 * time.Second}
	work := make(chan string)
	var wg sync.WaitGroup
	var mu sync.Mutex
	n := 0
	var firstErr error
	for range benchParallelism {
		wg.Go(func() {
			for u := range work {
				req, _ := http.NewRequestWithContext(context.Background(), http.MethodGet, u, nil)
				res, err := client.Do(req)
				if err == nil {
					_, err = io.Copy(io.Discard, res.Body)
					res.Body.Close()
				}
				mu.Lock()
				if err != nil && firstErr == nil {
					firstErr = err
				}
				if err == nil {
					n++
				}
				mu.Unlock()
			}
		})
	}
	for _, u := range urls {
		work <- u
	}
	close(work)
	wg.Wait()
	require.NoError(b, firstErr)
	return n
}

package api

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/dagworker/dagworker/internal/runstore"
)

// BenchmarkTriggerLatency measures, per iteration, 50 sequential triggers
// over loopback HTTP: from sending the POST to the first task's start as
// the worker records it. Reports p50 and p99 in milliseconds.
func BenchmarkTriggerLatency(b *testing.B) {
	e := setupEngine(b, 4)
	ctx := context.Background()
	const runs = 50
	var lat []float64
	for i := range b.N {
		for j := range runs {
			runID := fmt.Sprintf("lat-%d-%d", i, j)
			body := []byte(`{"dag_run_id":"` + runID + `"}`)
			sent := time.Now()
			res := post(b, e.srv.URL+"/api/v2/dags/hello/dagRuns", body, "")
			require.Equal(b, 200, res)
			for {
				ti, err := e.store.TaskInstance(ctx, "hello", runID, "greet")
				require.NoError(b, err)
				if !ti.StartDate.IsZero() {
					lat = append(lat, float64(ti.StartDate.Sub(sent).Microseconds())/1000)
					break
				}
				time.Sleep(200 * time.Microsecond)
			}
		}
	}
	slices.Sort(lat)
	b.ReportMetric(lat[len(lat)/2], "p50_ms")
	b.ReportMetric(lat[len(lat)*99/100], "p99_ms")
}

// BenchmarkTriggerBurst sends 500 trigger POSTs spread over one second:
// 250 Idempotency-Keys, each sent twice (a replay). Every request must be
// answered without a 5xx, and exactly 250 runs must exist afterwards.
func BenchmarkTriggerBurst(b *testing.B) {
	e := setupEngine(b, 8)
	ctx := context.Background()
	const total, keys = 500, 250
	for i := range b.N {
		var wg sync.WaitGroup
		statuses := make([]int, total)
		lat := make([]float64, total)
		start := time.Now()
		for j := range total {
			wg.Add(1)
			go func() {
				defer wg.Done()
				time.Sleep(time.Until(start.Add(time.Duration(j) * time.Second / total)))
				t0 := time.Now()
				statuses[j] = post(b, e.srv.URL+"/api/v2/dags/hello/dagRuns", []byte(`{}`), fmt.Sprintf("burst-%d-%d", i, j%keys))
				lat[j] = float64(time.Since(t0).Microseconds()) / 1000
			}()
		}
		wg.Wait()
		elapsed := time.Since(start)
		fivexx := 0
		for _, s := range statuses {
			if s >= 500 || s == 0 {
				fivexx++
			}
		}
		require.Zero(b, fivexx, "5xx or unanswered requests")
		_, n, err := e.store.ListRuns(ctx, "hello", runstore.ListRunsOptions{Limit: 1})
		require.NoError(b, err)
		require.Equal(b, keys*(i+1), n, "runs created exactly once per key")
		slices.Sort(lat)
		b.ReportMetric(float64(total)/elapsed.Seconds(), "req/s")
		b.ReportMetric(lat[len(lat)/2], "p50_ms")
		b.ReportMetric(lat[len(lat)*99/100], "p99_ms")
	}
}

// post sends a trigger and returns the status (0 when unanswered).
func post(b *testing.B, url string, body []byte, key string) int {
	req, err := http.NewRequest("POST", url, bytes.NewReader(body))
	require.NoError(b, err)
	req.Header.Set("Authorization", "Bearer "+triggerTok)
	req.Header.Set("Content-Type", "application/json")
	if key != "" {
		req.Header.Set("Idempotency-Key", key)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0
	}
	_ = res.Body.Close()
	return res.StatusCode
}

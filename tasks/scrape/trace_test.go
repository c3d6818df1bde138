package scrape_test

import (
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/codes"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"github.com/dagworker/dagworker/tasks"
	"github.com/dagworker/dagworker/tasks/scrape"
)

// TestFetchSpans: with a TracerProvider every fetch (robots.txt included)
// is a client span under the try's span, no trace header reaches the site,
// and the SSRF guard still refuses private addresses (a failed span).
func TestFetchSpans(t *testing.T) {
	t.Parallel()
	var (
		mu      sync.Mutex
		headers []string
	)
	site := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		headers = append(headers, r.Header.Get("traceparent"))
		mu.Unlock()
		if r.URL.Path == "/robots.txt" {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = w.Write([]byte("<html><head><title>t</title></head><body>hello</body></html>"))
	}))
	defer site.Close()
	exp := tracetest.NewInMemoryExporter()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(exp))
	b := setup(t, scrape.Config{TracerProvider: tp})

	run := func(taskID string, allowPrivate bool) (trace.SpanContext, error) {
		ctx, span := tp.Tracer("test").Start(t.Context(), "try "+taskID)
		defer span.End()
		raw, err := json.Marshal(map[string]any{"urls": site.URL + "/", "allow_private": allowPrivate, "max_depth": 0})
		require.NoError(t, err)
		_, err = b.h.Run(ctx, &tasks.Task{Type: scrape.TaskType, Info: info(taskID), Args: raw,
			Logger: slog.New(slog.DiscardHandler), Lake: b.lake})
		return span.SpanContext(), err
	}
	clientSpans := func(parent trace.SpanContext) []tracetest.SpanStub {
		var out []tracetest.SpanStub
		for _, s := range exp.GetSpans() {
			if s.SpanKind == trace.SpanKindClient && s.Parent.SpanID() == parent.SpanID() {
				out = append(out, s)
			}
		}
		return out
	}

	parent, err := run("ok", true)
	require.NoError(t, err)
	spans := clientSpans(parent)
	require.Len(t, spans, 2, "robots.txt and the page")
	for _, s := range spans {
		require.Equal(t, parent.TraceID(), s.SpanContext.TraceID())
		require.Equal(t, "HTTP GET", s.Name)
		var status int64
		for _, kv := range s.Attributes {
			if kv.Key == "http.response.status_code" {
				status = kv.Value.AsInt64()
			}
		}
		require.Contains(t, []int64{200, 404}, status, "the span records the response status")
	}
	mu.Lock()
	require.Len(t, headers, 2)
	for _, h := range headers {
		require.Empty(t, h, "no trace context is sent to scraped sites")
	}
	mu.Unlock()

	parent, err = run("ssrf", false)
	require.ErrorContains(t, err, "SSRF", "the guard is still in the transport")
	spans = clientSpans(parent)
	require.NotEmpty(t, spans)
	for _, s := range spans {
		require.Equal(t, codes.Error, s.Status.Code, "a refused fetch is a failed span")
	}
	mu.Lock()
	require.Len(t, headers, 2, "the refused fetch never reached the site")
	mu.Unlock()
}

package main

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/trace"
	coltracepb "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	"google.golang.org/protobuf/proto"

	"github.com/dagworker/dagworker/internal/tracing"
)

// otlpReceiver is an in-process OTLP/HTTP trace receiver: it decodes what
// the exporter posts to /v1/traces.
type otlpReceiver struct {
	mu      sync.Mutex
	spans   []string
	service []string
}

func (o *otlpReceiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	var req coltracepb.ExportTraceServiceRequest
	if err != nil || r.URL.Path != "/v1/traces" || proto.Unmarshal(body, &req) != nil {
		http.Error(w, "bad request", http.StatusBadRequest)
		return
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	for _, rs := range req.GetResourceSpans() {
		for _, kv := range rs.GetResource().GetAttributes() {
			if kv.GetKey() == "service.name" {
				o.service = append(o.service, kv.GetValue().GetStringValue())
			}
		}
		for _, ss := range rs.GetScopeSpans() {
			for _, s := range ss.GetSpans() {
				o.spans = append(o.spans, s.GetName())
			}
		}
	}
	w.Header().Set("Content-Type", "application/x-protobuf")
	_, _ = w.Write(nil)
}

// TestTracingOffWithoutEndpoint: no OTLP endpoint in the environment, no
// provider, exporter or propagator is installed.
func TestTracingOffWithoutEndpoint(t *testing.T) {
	env := map[string]string{"OTEL_SERVICE_NAME": "x", "OTEL_EXPORTER_OTLP_PROTOCOL": "grpc"}
	tp, stop, err := newTracerProvider(t.Context(), func(k string) string { return env[k] }, slog.New(slog.DiscardHandler))
	require.NoError(t, err)
	defer stop()
	require.False(t, tracing.Enabled(tp), "%T", tp)
	require.Empty(t, otel.GetTextMapPropagator().Fields(), "no propagator installed")
	_, span := tp.Tracer("t").Start(t.Context(), "s")
	require.False(t, span.SpanContext().IsValid(), "a no-op provider records nothing")
	require.False(t, tracingEnabled(func(string) string { return "" }))
	require.True(t, tracingEnabled(func(k string) string {
		return map[string]string{"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "http://collector:4318/v1/traces"}[k]
	}))
	_, _, err = newTracerProvider(t.Context(), func(k string) string {
		return map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:1", "OTEL_EXPORTER_OTLP_PROTOCOL": "thrift"}[k]
	}, slog.New(slog.DiscardHandler))
	require.ErrorContains(t, err, `"thrift"`)
}

// TestTracingExportsOverOTLP: with an endpoint the provider exports to it
// (here an in-process OTLP/HTTP receiver), names the service dagworker
// unless OTEL_SERVICE_NAME says otherwise, and flushes at stop.
func TestTracingExportsOverOTLP(t *testing.T) {
	for _, c := range []struct{ name, serviceEnv, want string }{
		{"default service name", "", "dagworker"},
		{"OTEL_SERVICE_NAME", "nightly-workers", "nightly-workers"},
	} {
		t.Run(c.name, func(t *testing.T) {
			rcv := &otlpReceiver{}
			srv := httptest.NewServer(rcv)
			defer srv.Close()
			t.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", srv.URL)
			t.Setenv("OTEL_SERVICE_NAME", c.serviceEnv)
			prev := otel.GetTextMapPropagator()
			t.Cleanup(func() { otel.SetTextMapPropagator(prev) })
			tp, stop, err := newTracerProvider(context.Background(), os.Getenv, slog.New(slog.DiscardHandler))
			require.NoError(t, err)
			require.True(t, tracing.Enabled(tp))
			require.Contains(t, otel.GetTextMapPropagator().Fields(), "traceparent")

			// The ID generator is the one that lets a run span take the
			// ID chosen when the run was created.
			want := tracing.NewSpanID()
			_, span := tp.Tracer("t").Start(tracing.WithSpanID(context.Background(), want), "dagrun demo")
			require.Equal(t, want, span.SpanContext().SpanID())
			span.End()
			_, other := tp.Tracer("t").Start(context.Background(), "other", trace.WithSpanKind(trace.SpanKindInternal))
			require.NotEqual(t, want, other.SpanContext().SpanID())
			other.End()

			stop() // flushes the batch
			rcv.mu.Lock()
			defer rcv.mu.Unlock()
			require.ElementsMatch(t, []string{"dagrun demo", "other"}, rcv.spans)
			require.NotEmpty(t, rcv.service)
			for _, s := range rcv.service {
				require.Equal(t, c.want, s)
			}
		})
	}
}

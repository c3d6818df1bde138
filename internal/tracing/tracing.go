// Package tracing holds the small OpenTelemetry helpers the engine, the
// worker and the API share: the W3C trace context as a string (carried in
// the run hash and in asynq task headers), a span ID chosen ahead of the
// span (a run's span is emitted when the run ends, by whichever process ends
// it, with the ID its tries already name as their parent), and the tracer
// of a provider that may be nil. It keeps no global state.
package tracing

import (
	"context"
	"crypto/rand"

	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"
	"go.opentelemetry.io/otel/trace/noop"
)

// ScopeName is the instrumentation scope of dagworker's spans.
const ScopeName = "github.com/dagworker/dagworker"

// Header is the W3C trace context header (and asynq task header) name.
const Header = "traceparent"

// Provider returns tp, or a no-op provider when tp is nil.
func Provider(tp trace.TracerProvider) trace.TracerProvider {
	if tp == nil {
		return noop.NewTracerProvider()
	}
	return tp
}

// Enabled reports whether tp may record spans (it is neither nil nor the
// no-op provider).
func Enabled(tp trace.TracerProvider) bool {
	switch tp.(type) {
	case nil, noop.TracerProvider, *noop.TracerProvider:
		return false
	}
	return true
}

// Tracer returns dagworker's tracer of tp (nil: a no-op tracer).
func Tracer(tp trace.TracerProvider) trace.Tracer {
	return Provider(tp).Tracer(ScopeName)
}

var w3c = propagation.TraceContext{}

// Format returns sc as a W3C traceparent ("" when sc is invalid).
func Format(sc trace.SpanContext) string {
	if !sc.IsValid() {
		return ""
	}
	c := propagation.MapCarrier{}
	w3c.Inject(trace.ContextWithSpanContext(context.Background(), sc), c)
	return c[Header]
}

// Parse returns the span context of a W3C traceparent, marked remote; an
// empty or malformed value gives an invalid span context.
func Parse(traceparent string) trace.SpanContext {
	if traceparent == "" {
		return trace.SpanContext{}
	}
	ctx := w3c.Extract(context.Background(), propagation.MapCarrier{Header: traceparent})
	return trace.SpanContextFromContext(ctx)
}

// ContextWithParent returns ctx with the remote parent named by traceparent
// (ctx unchanged when it is empty or malformed).
func ContextWithParent(ctx context.Context, traceparent string) context.Context {
	sc := Parse(traceparent)
	if !sc.IsValid() {
		return ctx
	}
	return trace.ContextWithRemoteSpanContext(ctx, sc)
}

// NewSpanID returns a random non-zero span ID.
func NewSpanID() trace.SpanID {
	var id trace.SpanID
	for !id.IsValid() {
		_, _ = rand.Read(id[:]) // never fails (see crypto/rand.Read)
	}
	return id
}

type spanIDKey struct{}

// WithSpanID returns ctx asking IDGenerator to give the next span started
// with it the ID id.
func WithSpanID(ctx context.Context, id trace.SpanID) context.Context {
	return context.WithValue(ctx, spanIDKey{}, id)
}

// IDGenerator is an OpenTelemetry SDK ID generator (sdktrace.WithIDGenerator)
// that gives a span started with a WithSpanID context that ID, and random
// IDs otherwise. The binary installs it; a provider without it still works,
// but a run's span then gets another ID than the one its tries name as
// their parent.
type IDGenerator struct{}

// NewIDs returns a random trace ID and a span ID (see NewSpanID).
func (IDGenerator) NewIDs(ctx context.Context) (trace.TraceID, trace.SpanID) {
	var tid trace.TraceID
	for !tid.IsValid() {
		_, _ = rand.Read(tid[:])
	}
	return tid, IDGenerator{}.NewSpanID(ctx, tid)
}

// NewSpanID returns the ID WithSpanID put in ctx, else a random one.
func (IDGenerator) NewSpanID(ctx context.Context, _ trace.TraceID) trace.SpanID {
	if id, ok := ctx.Value(spanIDKey{}).(trace.SpanID); ok && id.IsValid() {
		return id
	}
	return NewSpanID()
}

package tracing

import (
	"context"
	"testing"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
	"go.opentelemetry.io/otel/trace/noop"
)

func TestFormatParse(t *testing.T) {
	t.Parallel()
	sc := trace.NewSpanContext(trace.SpanContextConfig{TraceID: trace.TraceID{1, 2, 3}, SpanID: trace.SpanID{4, 5},
		TraceFlags: trace.FlagsSampled})
	tp := Format(sc)
	if tp != "00-01020300000000000000000000000000-0405000000000000-01" {
		t.Fatalf("Format = %q", tp)
	}
	got := Parse(tp)
	if !got.IsRemote() || got.TraceID() != sc.TraceID() || got.SpanID() != sc.SpanID() || !got.IsSampled() {
		t.Fatalf("Parse(%q) = %+v", tp, got)
	}
	for _, bad := range []string{"", "00-xyz", "00-00000000000000000000000000000000-0405000000000000-01"} {
		if Parse(bad).IsValid() {
			t.Errorf("Parse(%q) is valid", bad)
		}
		ctx := ContextWithParent(context.Background(), bad)
		if trace.SpanContextFromContext(ctx).IsValid() {
			t.Errorf("ContextWithParent(%q) set a parent", bad)
		}
	}
	if Format(trace.SpanContext{}) != "" {
		t.Error("an invalid span context formats as a traceparent")
	}
	if got := trace.SpanContextFromContext(ContextWithParent(context.Background(), tp)); got.SpanID() != sc.SpanID() {
		t.Errorf("ContextWithParent: parent %v", got.SpanID())
	}
}

func TestIDGenerator(t *testing.T) {
	t.Parallel()
	want := NewSpanID()
	var g IDGenerator
	if got := g.NewSpanID(WithSpanID(context.Background(), want), trace.TraceID{1}); got != want {
		t.Errorf("NewSpanID with WithSpanID = %v, want %v", got, want)
	}
	tid, sid := g.NewIDs(WithSpanID(context.Background(), want))
	if !tid.IsValid() || sid != want {
		t.Errorf("NewIDs = %v, %v", tid, sid)
	}
	seen := map[trace.SpanID]bool{}
	for range 100 {
		id := g.NewSpanID(context.Background(), tid)
		if !id.IsValid() || seen[id] {
			t.Fatalf("NewSpanID gave %v twice or invalid", id)
		}
		seen[id] = true
	}
}

func TestEnabled(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		tp   trace.TracerProvider
		want bool
	}{
		{nil, false},
		{noop.NewTracerProvider(), false},
		{Provider(nil), false},
		{sdktrace.NewTracerProvider(), true},
	} {
		if got := Enabled(c.tp); got != c.want {
			t.Errorf("Enabled(%T) = %v", c.tp, got)
		}
	}
	if Tracer(nil) == nil {
		t.Error("Tracer(nil) is nil")
	}
}

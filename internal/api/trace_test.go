package api

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"github.com/dagworker/dagworker/internal/tracing"
)

const tracedDAGs = `
traced:
  tasks:
    - task_id: greet
      operator: echo
      msg: hi
    - task_id: boom
      operator: fail
      dependencies: [greet]
`

// spanAttr returns the value of attribute key of s ("" when absent).
func spanAttr(s tracetest.SpanStub, key string) attribute.Value {
	for _, kv := range s.Attributes {
		if string(kv.Key) == key {
			return kv.Value
		}
	}
	return attribute.Value{}
}

// TestTraceOfOneRun triggers a run through the API with an incoming W3C
// traceparent and checks the tree its spans form: the trigger's server span
// (child of the caller's span) → dagrun.create → the run's span → one span
// per try, all in the caller's trace, across the API, asynq's payload
// headers and the worker.
func TestTraceOfOneRun(t *testing.T) {
	t.Parallel()
	exp := tracetest.NewInMemoryExporter()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(exp), sdktrace.WithIDGenerator(tracing.IDGenerator{}))
	t.Cleanup(func() { _ = tp.Shutdown(t.Context()) })
	e := setupEngineTraced(t, 2, tracedDAGs, tp)

	caller := trace.NewSpanContext(trace.SpanContextConfig{TraceID: trace.TraceID{0x4b, 0xf9, 0x2f, 0x35, 0x77, 0xb3, 0x4d, 0xa6, 0xa3, 0xce, 0x92, 0x9d, 0x0e, 0x0e, 0x47, 0x36},
		SpanID: trace.SpanID{0, 0xf0, 0x67, 0xaa, 0x0b, 0xa9, 0x02, 0xb7}, TraceFlags: trace.FlagsSampled})
	res := e.req(t, "POST", "/api/v2/dags/traced/dagRuns?wait=30s", trg, map[string]any{"dag_run_id": "t1"},
		"traceparent", tracing.Format(caller))
	require.Equal(t, 200, res.status, string(res.body))
	require.Equal(t, "failed", res.json(t)["state"])

	// The run's span is emitted by the worker right after the completion
	// step that ended the run, the try spans when their handlers return.
	byName := map[string]tracetest.SpanStub{}
	require.Eventually(t, func() bool {
		byName = map[string]tracetest.SpanStub{}
		for _, s := range exp.GetSpans() {
			byName[s.Name] = s
		}
		_, run := byName["dagrun traced"]
		_, greet := byName["try greet"]
		_, boom := byName["try boom"]
		return run && greet && boom
	}, 30*time.Second, 10*time.Millisecond, "spans: %v", byName)

	server, ok := byName["POST /api/v2/dags/{dag_id}/dagRuns"]
	require.True(t, ok, "the trigger's server span: %v", byName)
	require.Equal(t, caller.TraceID(), server.SpanContext.TraceID(), "the trigger joins the caller's trace")
	require.Equal(t, caller.SpanID(), server.Parent.SpanID())
	require.Equal(t, trace.SpanKindServer, server.SpanKind)

	create := byName["dagrun.create"]
	require.Equal(t, server.SpanContext.SpanID(), create.Parent.SpanID(), "run creation under the trigger")
	require.Equal(t, "traced", spanAttr(create, "dag_id").AsString())
	require.Equal(t, "t1", spanAttr(create, "run_id").AsString())

	run := byName["dagrun traced"]
	require.Equal(t, caller.TraceID(), run.SpanContext.TraceID(), "the run is in the trigger's trace")
	require.Equal(t, create.SpanContext.SpanID(), run.Parent.SpanID())
	require.Equal(t, "failed", spanAttr(run, "state").AsString())
	require.Equal(t, codes.Error, run.Status.Code)
	require.False(t, run.StartTime.After(run.EndTime))

	for _, c := range []struct {
		task, operator, state string
		status                codes.Code
	}{
		{"greet", "echo", "success", codes.Unset},
		{"boom", "fail", "failed", codes.Error},
	} {
		s := byName["try "+c.task]
		require.Equal(t, caller.TraceID(), s.SpanContext.TraceID(), c.task)
		require.Equal(t, run.SpanContext.SpanID(), s.Parent.SpanID(), "try %s is a child of the run's span", c.task)
		require.True(t, s.Parent.IsRemote(), "the parent came through asynq")
		require.Equal(t, trace.SpanKindConsumer, s.SpanKind)
		require.Equal(t, "traced", spanAttr(s, "dag_id").AsString())
		require.Equal(t, "t1", spanAttr(s, "run_id").AsString())
		require.Equal(t, c.task, spanAttr(s, "task_id").AsString())
		require.Equal(t, int64(1), spanAttr(s, "try_number").AsInt64())
		require.Equal(t, c.operator, spanAttr(s, "operator").AsString())
		require.Equal(t, c.state, spanAttr(s, "state").AsString())
		require.Equal(t, c.status, s.Status.Code, c.task)
		require.False(t, s.StartTime.Before(run.StartTime), "try %s starts inside the run", c.task)
		require.False(t, s.StartTime.After(run.EndTime), "try %s starts inside the run", c.task)
	}
	require.Len(t, exp.GetSpans(), 5, "one span each: trigger, create, run, two tries")
}

// TestNoTraceContextWithoutTracing checks that without a tracer provider
// nothing of tracing reaches the run store or asynq.
func TestNoTraceContextWithoutTracing(t *testing.T) {
	t.Parallel()
	e := setupEngineDAGs(t, 2, tracedDAGs)
	res := e.req(t, "POST", "/api/v2/dags/traced/dagRuns?wait=30s", trg, map[string]any{"dag_run_id": "t1"},
		"traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01")
	require.Equal(t, 200, res.status, string(res.body))
	key := "{" + e.env.Prefix + ":traced}:run:t1"
	n, err := e.env.Client().Exists(t.Context(), key).Result()
	require.NoError(t, err)
	require.Equal(t, int64(1), n, "the run hash is %s", key)
	has, err := e.env.Client().HExists(t.Context(), key, "tp").Result()
	require.NoError(t, err)
	require.False(t, has, "a run created without tracing has no trace context")
}

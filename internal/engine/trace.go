package engine

import (
	"context"
	"time"

	"github.com/dagworker/dagworker/internal/runstore"
	"github.com/dagworker/dagworker/internal/tracing"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"
)

// endSpan ends span with an error status when err is not nil.
func endSpan(span trace.Span, err error) {
	if err != nil {
		span.RecordError(err)
		span.SetStatus(codes.Error, err.Error())
	}
	span.End()
}

// runEnded emits the span of a run that state says has ended, once per run
// (the first process to claim it; see runstore.Store.ClaimRunSpan). The
// span starts when the run started (when it was queued if it never did)
// and ends when it ended; it is the child of the run's create span and
// carries the ID the run's tries name as their parent.
func (e *Engine) runEnded(ctx context.Context, dagID, runID string, state runstore.RunState) {
	if !e.traced || !state.Finished() {
		return
	}
	rs, ok, err := e.store.ClaimRunSpan(ctx, dagID, runID)
	if err != nil {
		e.log.Warn("could not read the run's trace context; its span is not emitted", "dag_id", dagID, "run_id", runID,
			"error", err.Error())
	}
	if !ok {
		return
	}
	self := tracing.Parse(rs.TraceParent)
	if !self.IsValid() {
		return
	}
	start, end := rs.StartDate, rs.EndDate
	if start.IsZero() {
		start = rs.QueuedAt
	}
	// The store keeps milliseconds; the step that ended the run ran just
	// now, so its end is now (a try that started in the run's last
	// millisecond then still starts inside the run's span).
	if now := e.now(); end.IsZero() || (!now.Before(end) && now.Sub(end) < time.Second) {
		end = now
	}
	if start.IsZero() || start.After(end) {
		start = end
	}
	pctx := tracing.ContextWithParent(context.WithoutCancel(ctx), rs.TraceParentOf)
	pctx = tracing.WithSpanID(pctx, self.SpanID())
	_, span := e.tracer.Start(pctx, "dagrun "+dagID, trace.WithSpanKind(trace.SpanKindInternal),
		trace.WithTimestamp(start), trace.WithAttributes(
			attribute.String("dag_id", dagID), attribute.String("run_id", runID),
			attribute.String("run_type", string(rs.RunType)), attribute.String("state", string(rs.State))))
	if got := span.SpanContext(); got.IsValid() && got.SpanID() != self.SpanID() {
		e.log.Debug("the tracer provider chose its own span id for the run span (it lacks tracing.IDGenerator): "+
			"the run's tries will not nest under it", "dag_id", dagID, "run_id", runID)
	}
	if rs.State == runstore.RunFailed {
		reason := rs.Reason
		if reason == "" {
			reason = "run failed"
		}
		span.SetStatus(codes.Error, reason)
	}
	span.End(trace.WithTimestamp(end))
}

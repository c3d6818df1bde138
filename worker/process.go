package worker

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"time"

	"github.com/dagworker/dagworker/internal/engine"
	"github.com/dagworker/dagworker/internal/runstore"
	"github.com/dagworker/dagworker/internal/tracing"
	"github.com/dagworker/dagworker/tasks"
	"github.com/dagworker/dagworker/worker/metrics"
	"github.com/hibiken/asynq"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"
	"go.opentelemetry.io/otel/trace/noop"
)

// processTI runs one try of a task instance: start (fenced, or from the
// payload and marked running late), render, run with timeout and recover,
// capture the log, complete.
func (w *Worker) processTI(ctx context.Context, t *asynq.Task) error {
	p, err := engine.DecodePayload(t.Payload())
	if err != nil {
		return fmt.Errorf("%w: %w", asynq.SkipRetry, err)
	}
	log := w.log.With("dag_id", p.DagID, "run_id", p.RunID, "task_id", p.TaskID, "try", p.Try)
	if reason := w.lostBefore(ctx, log); reason != "" {
		// The worker that had this delivery died while running it: the
		// try fails as lost (a new try under the task's retries) instead
		// of running again under the same try number.
		ok, err := w.eng.FailLost(context.WithoutCancel(ctx), p, w.cfg.Hostname, time.Time{}, reason)
		if err != nil {
			return fmt.Errorf("fail lost try: %w", err)
		}
		if ok {
			log.Warn("try failed: its worker was lost while running it", "reason", reason)
		}
		return nil
	}
	release, err := w.acquirePool(ctx, p, log)
	if err != nil {
		return err
	}
	defer release()
	// A payload with the task's static fields starts the try at once; the
	// try is marked running only if it outlasts MarkRunningAfter.
	info, late := (*runstore.StartInfo)(nil), false
	if w.cfg.MarkRunningAfter >= 0 {
		info, late = p.StartInfo()
	}
	if !late {
		info, err = w.eng.Start(ctx, p, w.cfg.Hostname)
		if errors.Is(err, runstore.ErrFenced) || errors.Is(err, runstore.ErrTaskNotFound) {
			log.Debug("dropped a stale delivery", "reason", err)
			return nil
		}
		if err != nil {
			return err
		}
		if info.Redelivered {
			log.Warn("try redelivered after a worker was lost; running it again")
		}
	}
	tm := w.met.start(metrics.KindDAG, info.TI.Operator)
	defer tm.End()
	// The try's span: a child of the run's span (the task's traceparent
	// header), around the handler and the completion step.
	// Without tracing no span is made (no attributes built per try).
	span := trace.Span(noop.Span{})
	if w.traced {
		ctx, span = w.tracer.Start(tracing.ContextWithParent(ctx, t.Headers()[tracing.Header]), "try "+p.TaskID,
			trace.WithSpanKind(trace.SpanKindConsumer), trace.WithAttributes(
				attribute.String("dag_id", p.DagID), attribute.String("run_id", p.RunID),
				attribute.String("task_id", p.TaskID), attribute.Int("try_number", p.Try),
				attribute.String("operator", info.TI.Operator), attribute.String("hostname", w.cfg.Hostname)))
		defer span.End()
	}
	// The try's log is captured only when there is a lake to keep it in.
	tlog := log
	var buf *capBuffer
	if w.cfg.Lake != nil {
		buf = &capBuffer{max: w.cfg.LogMaxBytes}
		capture := slog.NewTextHandler(buf, &slog.HandlerOptions{Level: slog.LevelDebug})
		tlog = slog.New(teeHandler{w.log.Handler(), capture}).With(
			"dag_id", p.DagID, "run_id", p.RunID, "task_id", p.TaskID, "try", p.Try)
	}
	start := w.cfg.Clock()
	runCtx := ctx
	var mark *lateMark
	if late {
		mark = w.markLater(ctx, p, start, log)
		runCtx = mark.ctx
	}
	stopFlush := w.flushLog(ctx, info, buf, tlog)
	val, runErr := w.runTry(runCtx, info, tlog)
	stopFlush()
	if mark != nil && mark.stop() {
		span.SetAttributes(attribute.String("state", "stale"))
		log.Info("stopped a stale try: it is no longer current", "error", errString(runErr))
		return nil
	}
	tm.Ran(errors.Is(runErr, ErrPanic))
	if runErr != nil && !errors.Is(runErr, tasks.ErrSkip) {
		span.RecordError(runErr)
		span.SetStatus(codes.Error, runErr.Error())
	}
	if ctx.Err() != nil && !errors.Is(runErr, ErrTimeout) {
		// The worker is shutting down: hand the try back to asynq, which
		// redelivers it; Start accepts the running try again.
		return ctx.Err()
	}
	switch {
	case errors.Is(runErr, tasks.ErrSkip):
		tlog.Info("try skipped", "reason", runErr.Error())
	case runErr != nil:
		tlog.Error("try failed", "error", runErr.Error())
	default:
		tlog.Info("try succeeded")
	}
	done := context.WithoutCancel(ctx)
	logKey := ""
	if buf != nil {
		logKey = w.storeLog(done, info, buf.Bytes(), tlog)
	}
	res, err := w.eng.Record(done, info, engine.TryResult{Value: val, Err: runErr, Start: start,
		Hostname: w.cfg.Hostname, LogKey: logKey})
	if errors.Is(err, runstore.ErrFenced) {
		span.SetAttributes(attribute.String("state", "fenced"))
		log.Info("completion ignored: the try is no longer current")
		return nil
	}
	if err != nil {
		span.SetStatus(codes.Error, "complete try: "+err.Error())
		return fmt.Errorf("complete try: %w", err)
	}
	span.SetAttributes(attribute.String("state", string(res.State)))
	tm.Finished(string(res.State))
	now := w.cfg.Clock()
	w.dags.Try(p.DagID, p.TaskID, info.TI.Operator, string(res.State), now.Sub(start))
	if res.RunState.Finished() && !info.Run.StartDate.IsZero() {
		w.dags.RunFinished(p.DagID, string(res.RunState), now.Sub(info.Run.StartDate))
	}
	log.Debug("try recorded", "state", res.State, "dispatched", len(res.Dispatch), "run_state", res.RunState)
	if len(res.Dispatch) == 0 && (info.Run.DagrunTimeout == 0 || res.RunState != runstore.RunRunning) {
		// Nothing to enqueue and no dagrun_timeout to check: Advance would
		// do nothing.
		return nil
	}
	// Enqueue the downstream tries while asynq acknowledges this one (one
	// round trip less per task on the slot); Run waits for these before it
	// returns, and Reconcile repairs a crash in between.
	w.bg.Add(1)
	go func() {
		defer w.bg.Done()
		if err := w.eng.Advance(done, info, res); err != nil {
			log.Error("enqueue downstream tasks failed; the reconcile sweep will retry", "error", err.Error())
		}
	}()
	return nil
}

// lostBefore returns why the previous delivery of this asynq task was lost
// with its worker, or "" for a first delivery or a redelivery for another
// reason (the worker handed it back at shutdown, or could not record it).
// asynq redelivers a task whose lease expired (its worker died, or was cut
// off from Redis for longer than the lease) with ErrLeaseExpired as the
// task's last error. Only redeliveries pay for the look-up.
func (w *Worker) lostBefore(ctx context.Context, log *slog.Logger) string {
	if n, _ := asynq.GetRetryCount(ctx); n == 0 {
		return ""
	}
	id, _ := asynq.GetTaskID(ctx)
	queue, _ := asynq.GetQueueName(ctx)
	info, err := w.insp.GetTaskInfo(queue, id)
	if err != nil {
		log.Warn("could not read the redelivered task's last error; running the try", "error", err.Error())
		return ""
	}
	if info.LastErr != asynq.ErrLeaseExpired.Error() {
		return ""
	}
	return fmt.Sprintf("asynq redelivered task %s after its lease expired (the worker running it died or lost Redis)", id)
}

// lateMark marks a try that started from its payload running once it has
// run for Config.MarkRunningAfter, and cancels its context when the run
// store finds it stale.
type lateMark struct {
	ctx    context.Context
	cancel context.CancelFunc
	timer  *time.Timer
	done   chan struct{}
	// fenced is written before done closes.
	fenced bool
}

func (w *Worker) markLater(ctx context.Context, p engine.Payload, start time.Time, log *slog.Logger) *lateMark {
	m := &lateMark{done: make(chan struct{})}
	m.ctx, m.cancel = context.WithCancel(ctx)
	m.timer = time.AfterFunc(w.cfg.MarkRunningAfter, func() {
		defer close(m.done)
		info, err := w.eng.MarkRunning(ctx, p, w.cfg.Hostname, start)
		switch {
		case errors.Is(err, runstore.ErrFenced) || errors.Is(err, runstore.ErrTaskNotFound):
			m.fenced = true
			m.cancel()
		case err != nil:
			log.Warn("could not mark the try running; it shows as queued until it ends", "error", err.Error())
		case info.Redelivered:
			log.Warn("try redelivered after a worker was lost; running it again")
		}
	})
	return m
}

// stop ends the mark, waiting for one in flight, and reports whether it
// found the try stale.
func (m *lateMark) stop() bool {
	defer m.cancel()
	if m.timer.Stop() {
		return false
	}
	<-m.done
	return m.fenced
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

func (w *Worker) storeLog(ctx context.Context, info *runstore.StartInfo, data []byte, tlog *slog.Logger) string {
	key, err := tasks.LogKey(w.info(info))
	if err == nil {
		err = w.cfg.Lake.Put(ctx, key, data, "text/plain; charset=utf-8")
	}
	if err != nil {
		tlog.Warn("could not store the try's log", "error", err.Error())
		return ""
	}
	return key
}

func (w *Worker) info(info *runstore.StartInfo) tasks.Info {
	ti := info.TI
	return tasks.Info{DagID: ti.DagID, RunID: ti.RunID, TaskID: ti.TaskID, Try: ti.TryNumber,
		LogicalDate: info.Run.LogicalDate, MaxTries: ti.MaxTries}
}

// runTry renders the arguments and runs the operator's handler under
// execution_timeout, turning a panic into an error with the stack logged.
func (w *Worker) runTry(ctx context.Context, info *runstore.StartInfo, tlog *slog.Logger) (any, error) {
	h, ok := w.handler(info.TI.Operator)
	if !ok {
		return nil, fmt.Errorf("operator %q on host %s: %w", info.TI.Operator, w.cfg.Hostname, ErrNoHandler)
	}
	args, err := w.eng.RenderArgs(ctx, info)
	if err != nil {
		return nil, err
	}
	task := &tasks.Task{
		Type: info.TI.Operator, Info: w.info(info), Args: args, Logger: tlog, Lake: w.cfg.Lake,
		XCom: func(ctx context.Context, taskID string) (json.RawMessage, error) {
			return w.eng.Store().XCom(ctx, info.TI.DagID, info.TI.RunID, taskID)
		},
		Upstream: info.TI.Upstream,
	}
	if info.TI.ExecutionTimeout <= 0 {
		return runInline(ctx, h, task)
	}
	return runGuarded(ctx, h, task, info.TI.ExecutionTimeout)
}

// runInline runs h without a timeout on the calling goroutine, turning a
// panic into an error with the stack logged. Without a timeout there is
// nothing to abandon the handler for: asynq itself stops waiting for the
// task when its context ends, as it would for runGuarded.
func runInline(ctx context.Context, h tasks.Handler, t *tasks.Task) (v any, err error) {
	defer func() {
		if r := recover(); r != nil {
			t.Logger.Error("task panicked", "panic", fmt.Sprint(r), "stack", string(debug.Stack()))
			v, err = nil, fmt.Errorf("%w: %v", ErrPanic, r)
		}
	}()
	return h.Run(ctx, t)
}

// runGuarded runs h with an optional timeout and recovers a panic. A handler
// that ignores its context past the timeout is abandoned after a short grace
// period (its goroutine keeps running; Go cannot stop it).
func runGuarded(ctx context.Context, h tasks.Handler, t *tasks.Task, timeout time.Duration) (any, error) {
	runCtx, cancel := context.WithCancel(ctx)
	if timeout > 0 {
		runCtx, cancel = context.WithTimeout(ctx, timeout)
	}
	defer cancel()
	type result struct {
		v   any
		err error
	}
	ch := make(chan result, 1)
	go func() {
		defer func() {
			if r := recover(); r != nil {
				stack := string(debug.Stack())
				t.Logger.Error("task panicked", "panic", fmt.Sprint(r), "stack", stack)
				ch <- result{err: fmt.Errorf("%w: %v", ErrPanic, r)}
			}
		}()
		v, err := h.Run(runCtx, t)
		ch <- result{v, err}
	}()
	var r result
	select {
	case r = <-ch:
	case <-runCtx.Done():
		select {
		case r = <-ch:
		case <-time.After(abandonGrace):
			r = result{err: runCtx.Err()}
		}
	}
	if r.err != nil && timeout > 0 && ctx.Err() == nil && errors.Is(runCtx.Err(), context.DeadlineExceeded) {
		return nil, fmt.Errorf("%w (%s): %w", ErrTimeout, timeout, r.err)
	}
	return r.v, r.err
}

// abandonGrace is how long a handler may overrun its cancelled context.
const abandonGrace = 5 * time.Second

// processRetry is the retry timer of an up_for_retry task instance.
func (w *Worker) processRetry(ctx context.Context, t *asynq.Task) error {
	p, err := engine.DecodePayload(t.Payload())
	if err != nil {
		return fmt.Errorf("%w: %w", asynq.SkipRetry, err)
	}
	return w.eng.HandleRetry(ctx, p)
}

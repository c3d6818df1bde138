package worker

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"

	"github.com/dagworker/dagworker/tasks"
	"github.com/dagworker/dagworker/worker/metrics"
	"github.com/hibiken/asynq"
)

// AdHocDagID is the DAG id of ad-hoc tasks in the data lake: an ad-hoc task
// with asynq task id ID and type T writes its outputs under
// runs/adhoc/<ID>/<T>/ and the log of try N to logs/adhoc/<ID>/<T>/<N>.log.
const AdHocDagID = "adhoc"

// AdHocInfo is the data lake identity of try (1-based) of the ad-hoc task
// id of type taskType.
func AdHocInfo(id, taskType string, try, maxTries int) tasks.Info {
	return tasks.Info{DagID: AdHocDagID, RunID: id, TaskID: taskType, Try: try, MaxTries: maxTries}
}

// processAdHoc runs an ad-hoc task (asynq type = a registered task type,
// payload = its JSON arguments); the return value is the asynq result and
// the try's log goes to the data lake like a DAG try's.
func (w *Worker) processAdHoc(ctx context.Context, t *asynq.Task) error {
	h, ok := w.handler(t.Type())
	if !ok {
		return fmt.Errorf("%w: %q", ErrNoHandler, t.Type())
	}
	id := ""
	if rw := t.ResultWriter(); rw != nil {
		id = rw.TaskID()
	}
	retried, _ := asynq.GetRetryCount(ctx)
	maxRetry, _ := asynq.GetMaxRetry(ctx)
	info := AdHocInfo(id, t.Type(), retried+1, maxRetry+1)
	log := w.log.With("dag_id", info.DagID, "run_id", id, "task_id", info.TaskID, "try", info.Try)
	tlog := log
	var buf *capBuffer
	if w.cfg.Lake != nil && tasks.CheckKeyPart(id) == nil {
		buf = &capBuffer{max: w.cfg.LogMaxBytes}
		capture := slog.NewTextHandler(buf, &slog.HandlerOptions{Level: slog.LevelDebug})
		tlog = slog.New(teeHandler{w.log.Handler(), capture}).With(
			"dag_id", info.DagID, "run_id", id, "task_id", info.TaskID, "try", info.Try)
	}
	task := &tasks.Task{Type: t.Type(), Info: info, Args: t.Payload(), Logger: tlog, Lake: w.cfg.Lake}
	tm := w.met.start(metrics.KindAdHoc, t.Type())
	defer tm.End()
	v, err := runGuarded(ctx, h, task, 0)
	tm.Ran(errors.Is(err, ErrPanic))
	var result []byte
	if err == nil && v != nil {
		if result, err = json.Marshal(v); err != nil {
			err = fmt.Errorf("%w: result is not JSON: %w", asynq.SkipRetry, err)
		}
	}
	tm.Finished(adHocState(err, info.Try, info.MaxTries))
	if err != nil {
		tlog.Error("ad-hoc task failed", "error", err.Error())
	} else {
		tlog.Info("ad-hoc task succeeded")
	}
	if buf != nil {
		done := context.WithoutCancel(ctx)
		key, kerr := tasks.LogKey(info)
		if kerr == nil {
			kerr = w.cfg.Lake.Put(done, key, buf.Bytes(), "text/plain; charset=utf-8")
		}
		if kerr != nil {
			log.Warn("could not store the ad-hoc task's log", "error", kerr.Error())
		}
	}
	if err != nil {
		return err
	}
	if result != nil && t.ResultWriter() != nil {
		if _, err := t.ResultWriter().Write(result); err != nil {
			return fmt.Errorf("write result: %w", err)
		}
	}
	return nil
}

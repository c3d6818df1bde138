package worker

import (
	"context"
	"log/slog"
	"time"

	"github.com/dagworker/dagworker/internal/runstore"
	"github.com/dagworker/dagworker/tasks"
)

// flushLog writes the log of a running try to the data lake every
// LogFlushInterval, when it grew, at the key its final log takes; the UI
// and the API read it there while the try runs. The returned stop ends the
// flushing and waits for a write in flight, so the final write comes last.
func (w *Worker) flushLog(ctx context.Context, info *runstore.StartInfo, buf *capBuffer, tlog *slog.Logger) (stop func()) {
	if buf == nil || w.cfg.LogFlushInterval <= 0 {
		return func() {}
	}
	key, err := tasks.LogKey(w.info(info))
	if err != nil {
		return func() {}
	}
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(w.cfg.LogFlushInterval)
		defer t.Stop()
		written := 0
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
			data := buf.Bytes()
			if len(data) == written {
				continue
			}
			if err := w.cfg.Lake.Put(ctx, key, data, "text/plain; charset=utf-8"); err != nil {
				if ctx.Err() == nil {
					tlog.Debug("could not write the running try's log", "error", err.Error())
				}
				continue
			}
			written = len(data)
		}
	}()
	return func() {
		cancel()
		<-done
	}
}

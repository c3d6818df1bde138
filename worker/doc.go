// Package worker is dagworker's worker library: an asynq server that runs
// the tries of DAG task instances (and ad-hoc tasks) with the task types you
// register.
//
//	w, err := worker.New(worker.Config{RedisURL: "redis://localhost:6379/0", Lake: lake})
//	w.Handle("scrape", scrapeHandler)
//	err = w.Run(ctx) // until ctx ends, then a bounded drain
//
// Around each try the worker records the start (fenced by try number, so a
// replayed or late delivery never runs twice), renders the task's templated
// arguments, applies execution_timeout, turns a panic into a failed try with
// the stack in the log, captures the try's log into the data lake, and runs
// the completion step that advances the DAG run. It installs no signal
// handlers and never panics on bad configuration.
package worker

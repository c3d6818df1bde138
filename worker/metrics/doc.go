// Package metrics holds dagworker's Prometheus collectors: the per-try
// metrics the worker middleware records (Tries) and a scrape-time collector
// of asynq queue depths (QueueCollector).
//
// Nothing here touches the global Prometheus registry: callers pass a
// prometheus.Registerer (worker.Config.Metrics does) and serve it with
// promhttp.HandlerFor. The metrics carry no task payloads or arguments,
// only task types, queue names and states.
package metrics

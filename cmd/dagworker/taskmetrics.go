package main

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/dagworker/dagworker/tasks"
	"github.com/dagworker/dagworker/tasks/classify"
	"github.com/dagworker/dagworker/tasks/render"
	"github.com/dagworker/dagworker/tasks/scrape"
	"github.com/prometheus/client_golang/prometheus"
)

// taskMetrics count what the built-in scrape, classify and render tasks
// report in their results:
//
//	dagworker_scrape_pages_fetched_total, dagworker_scrape_pages_failed_total
//	dagworker_classify_records_total, dagworker_classify_records_failed_total
//	dagworker_classify_seconds_per_record (a task's run time, model load included, over its records)
//	dagworker_render_pages_total (PDF pages written)
type taskMetrics struct {
	fetched, failed, records, recordsFailed, pages prometheus.Counter
	perRecord                                      prometheus.Histogram
}

func newTaskMetrics(reg prometheus.Registerer) (*taskMetrics, error) {
	counter := func(name, help string) prometheus.Counter {
		return prometheus.NewCounter(prometheus.CounterOpts{Namespace: "dagworker", Name: name, Help: help})
	}
	m := &taskMetrics{
		fetched:       counter("scrape_pages_fetched_total", "HTML pages scrape tasks fetched and parsed."),
		failed:        counter("scrape_pages_failed_total", "Pages scrape tasks could not fetch."),
		records:       counter("classify_records_total", "Records classify tasks wrote."),
		recordsFailed: counter("classify_records_failed_total", "Records the tokenizer or the model failed on."),
		pages:         counter("render_pages_total", "PDF report pages render tasks wrote."),
		perRecord: prometheus.NewHistogram(prometheus.HistogramOpts{Namespace: "dagworker", Name: "classify_seconds_per_record",
			Help:    "A classify task's run time (model load included) divided by its records.",
			Buckets: []float64{.0001, .0005, .001, .005, .01, .05, .1, .5, 1}}),
	}
	for _, c := range []prometheus.Collector{m.fetched, m.failed, m.records, m.recordsFailed, m.pages, m.perRecord} {
		if err := reg.Register(c); err != nil {
			return nil, fmt.Errorf("task metrics: %w", err)
		}
	}
	return m, nil
}

// wrap returns h counting the results of the task type name (h itself for
// the types without such metrics).
func (m *taskMetrics) wrap(name string, h tasks.Handler) tasks.Handler {
	if m == nil || (name != "scrape" && name != "classify" && name != "render") {
		return h
	}
	return tasks.HandlerFunc(func(ctx context.Context, t *tasks.Task) (any, error) {
		start := time.Now()
		v, err := h.Run(ctx, t)
		if err != nil && !errors.Is(err, tasks.ErrSkip) {
			return v, err
		}
		switch r := v.(type) {
		case scrape.Result:
			m.fetched.Add(float64(r.Fetched))
			m.failed.Add(float64(r.Failed))
		case classify.Result:
			m.records.Add(float64(r.Output.Records))
			m.recordsFailed.Add(float64(r.Failed))
			if r.Output.Records > 0 {
				m.perRecord.Observe(time.Since(start).Seconds() / float64(r.Output.Records))
			}
		case render.Result:
			m.pages.Add(float64(r.PDFPages))
		}
		return v, err
	})
}

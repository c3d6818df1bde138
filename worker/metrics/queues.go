package metrics

import (
	"log/slog"
	"time"

	"github.com/hibiken/asynq"
	"github.com/prometheus/client_golang/prometheus"
)

// QueueCollectorConfig configures a QueueCollector.
type QueueCollectorConfig struct {
	// Inspector reads the queues. Required.
	Inspector *asynq.Inspector
	// Queues are the queues reported. Default nil: every queue asynq knows
	// at scrape time.
	Queues []string
	// Timeout bounds one scrape's Redis reads; queues not read by then are
	// left out and dagworker_queue_scrape_ok is 0. Default 2s.
	Timeout time.Duration
	// Logger receives scrape errors. Default discards.
	Logger *slog.Logger
}

// QueueCollector is a prometheus.Collector that reads asynq's queue sizes
// when it is scraped:
//
//	dagworker_queue_tasks{queue,state} (state: pending, active, scheduled, retry, archived)
//	dagworker_queue_latency_seconds{queue} (age of the oldest pending task; 0 when none)
//	dagworker_queue_scrape_ok (1 when every queue was read within Timeout)
type QueueCollector struct {
	cfg                QueueCollectorConfig
	tasks, latency, ok *prometheus.Desc
}

// NewQueueCollector returns a collector over cfg.Inspector; register it on
// one registry.
func NewQueueCollector(cfg QueueCollectorConfig) (*QueueCollector, error) {
	if cfg.Inspector == nil {
		return nil, ErrConfig
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = 2 * time.Second
	}
	if cfg.Timeout < 0 {
		return nil, ErrConfig
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	return &QueueCollector{
		cfg: cfg,
		tasks: prometheus.NewDesc("dagworker_queue_tasks",
			"Tasks in an asynq queue by state, read at scrape time.", []string{"queue", "state"}, nil),
		latency: prometheus.NewDesc("dagworker_queue_latency_seconds",
			"Age of the oldest pending task of an asynq queue (0 when none is pending), read at scrape time.", []string{"queue"}, nil),
		ok: prometheus.NewDesc("dagworker_queue_scrape_ok",
			"1 when every queue was read within the scrape timeout, else 0.", nil, nil),
	}, nil
}

// Describe implements prometheus.Collector.
func (c *QueueCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.tasks
	ch <- c.latency
	ch <- c.ok
}

// Collect implements prometheus.Collector: it reads the queues (asynq's
// Inspector takes no context, so the reads run in a goroutine that the
// timeout abandons; it ends with the Redis client's own read timeout).
func (c *QueueCollector) Collect(ch chan<- prometheus.Metric) {
	type result struct {
		infos []*asynq.QueueInfo
		err   error
	}
	done := make(chan result, 1)
	go func() {
		var r result
		queues := c.cfg.Queues
		if queues == nil {
			if queues, r.err = c.cfg.Inspector.Queues(); r.err != nil {
				done <- r
				return
			}
		}
		for _, q := range queues {
			info, err := c.cfg.Inspector.GetQueueInfo(q)
			if err != nil {
				r.err = err
				continue
			}
			r.infos = append(r.infos, info)
		}
		done <- r
	}()
	var r result
	timer := time.NewTimer(c.cfg.Timeout)
	defer timer.Stop()
	select {
	case r = <-done:
	case <-timer.C:
		c.cfg.Logger.Warn("queue metrics: Redis did not answer within the scrape timeout", "timeout", c.cfg.Timeout)
		ch <- prometheus.MustNewConstMetric(c.ok, prometheus.GaugeValue, 0)
		return
	}
	for _, info := range r.infos {
		for _, s := range []struct {
			state string
			n     int
		}{{"pending", info.Pending}, {"active", info.Active}, {"scheduled", info.Scheduled},
			{"retry", info.Retry}, {"archived", info.Archived}} {
			ch <- prometheus.MustNewConstMetric(c.tasks, prometheus.GaugeValue, float64(s.n), info.Queue, s.state)
		}
		ch <- prometheus.MustNewConstMetric(c.latency, prometheus.GaugeValue, info.Latency.Seconds(), info.Queue)
	}
	ok := 1.0
	if r.err != nil {
		ok = 0
		c.cfg.Logger.Warn("queue metrics: reading a queue failed", "error", r.err.Error())
	}
	ch <- prometheus.MustNewConstMetric(c.ok, prometheus.GaugeValue, ok)
}

package outbox

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"github.com/coventry/workshops/booking"
)

// Metrics is a Prometheus collector for /metrics: what this instance sent,
// retried, failed and skipped, and, read from Postgres at each scrape, what
// the outbox holds across all instances.
type Metrics struct {
	store    booking.Outbox
	messages *prometheus.CounterVec
	rows     *prometheus.Desc
	oldest   *prometheus.Desc
}

func newMetrics(store booking.Outbox) *Metrics {
	return &Metrics{
		store: store,
		messages: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "workshops_emails_total",
			Help: "Emails handled by this instance, by kind and result (sent, retried, failed, skipped, lost: left to the instance that took it over).",
		}, []string{"kind", "result"}),
		rows: prometheus.NewDesc("workshops_outbox_messages",
			"Outbox rows waiting (pending) or given up on (failed), across all instances.", []string{"status"}, nil),
		oldest: prometheus.NewDesc("workshops_outbox_oldest_pending_seconds",
			"Age of the oldest email still waiting to be sent.", nil, nil),
	}
}

func (m *Metrics) count(kind, result string) { m.messages.WithLabelValues(kind, result).Inc() }

// Count returns this instance's count for a kind and result.
func (m *Metrics) Count(kind, result string) float64 {
	c, err := m.messages.GetMetricWithLabelValues(kind, result)
	if err != nil {
		return 0
	}
	var n float64
	ch := make(chan prometheus.Metric, 1)
	c.Collect(ch)
	close(ch)
	for mt := range ch {
		n += metricValue(mt)
	}
	return n
}

// Describe implements prometheus.Collector.
func (m *Metrics) Describe(ch chan<- *prometheus.Desc) {
	m.messages.Describe(ch)
	ch <- m.rows
	ch <- m.oldest
}

// Collect implements prometheus.Collector. The outbox figures are left out
// when Postgres does not answer within two seconds.
func (m *Metrics) Collect(ch chan<- prometheus.Metric) {
	m.messages.Collect(ch)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	c, err := m.store.CountOutbox(ctx)
	if err != nil {
		return
	}
	ch <- prometheus.MustNewConstMetric(m.rows, prometheus.GaugeValue, float64(c.Pending), "pending")
	ch <- prometheus.MustNewConstMetric(m.rows, prometheus.GaugeValue, float64(c.Failed), "failed")
	age := 0.0
	if !c.OldestPending.IsZero() {
		age = time.Since(c.OldestPending).Seconds()
	}
	ch <- prometheus.MustNewConstMetric(m.oldest, prometheus.GaugeValue, age)
}

func metricValue(m prometheus.Metric) float64 {
	var pb dto.Metric
	if err := m.Write(&pb); err != nil {
		return 0
	}
	return pb.GetCounter().GetValue()
}

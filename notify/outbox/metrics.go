package outbox

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
)

// Metrics is a Prometheus collector for /metrics: what this instance sent,
// retried, failed and skipped, and, read from Postgres at each scrape, what
// the outbox holds across all instances.
type Metrics struct {
	pool     *pgxpool.Pool
	messages *prometheus.CounterVec
	rows     *prometheus.Desc
	oldest   *prometheus.Desc
}

func newMetrics(pool *pgxpool.Pool) *Metrics {
	return &Metrics{
		pool: pool,
		messages: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "workshops_emails_total",
			Help: "Emails handled by this instance, by kind and result (sent, retried, failed, skipped).",
		}, []string{"kind", "result"}),
		rows: prometheus.NewDesc("workshops_outbox_messages",
			"Outbox rows waiting (pending) or given up on (failed), across all instances.", []string{"status"}, nil),
		oldest: prometheus.NewDesc("workshops_outbox_oldest_pending_seconds",
			"Age of the oldest email still waiting to be sent.", nil, nil),
	}
}

func (m *Metrics) count(kind, result string) { m.messages.WithLabelValues(kind, result).Inc() }

// Count returns this instance's count for a kind and result, for tests
// and the admin API.
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
	var pending, failedRows int64
	var oldest *time.Time
	// Three small queries, each answered from a partial index, rather than
	// one that reads every row ever sent.
	err := m.pool.QueryRow(ctx, `
SELECT (SELECT count(*) FROM outbox WHERE status = 'pending'),
       (SELECT count(*) FROM outbox WHERE status = 'failed'),
       (SELECT min(created_at) FROM outbox WHERE status = 'pending')`).Scan(&pending, &failedRows, &oldest)
	if err != nil {
		return
	}
	ch <- prometheus.MustNewConstMetric(m.rows, prometheus.GaugeValue, float64(pending), "pending")
	ch <- prometheus.MustNewConstMetric(m.rows, prometheus.GaugeValue, float64(failedRows), "failed")
	age := 0.0
	if oldest != nil {
		age = time.Since(*oldest).Seconds()
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

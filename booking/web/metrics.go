package web

import (
	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

type metrics struct {
	registry *prometheus.Registry
	holds    *prometheus.CounterVec
	bookings *prometheus.CounterVec
	refusals *prometheus.CounterVec
	latency  *prometheus.HistogramVec
}

func newMetrics(reg *prometheus.Registry) *metrics {
	m := &metrics{
		registry: reg,
		holds: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "workshops_holds_total", Help: "Places held, by way of taking part.",
		}, []string{"mode"}),
		bookings: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "workshops_bookings_total", Help: "Bookings made and cancelled.",
		}, []string{"event"}),
		refusals: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "workshops_refusals_total", Help: "Requests refused, by error code (full, invalid, hold_expired, ...).",
		}, []string{"reason"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "workshops_http_request_duration_seconds",
			Help:    "Time to answer, by route.",
			Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5},
		}, []string{"route"}),
	}
	reg.MustRegister(m.holds, m.bookings, m.refusals, m.latency)
	// Registering twice on one registry is a programming error, except for
	// the process collectors that a caller may already have added.
	_ = reg.Register(collectors.NewGoCollector())
	_ = reg.Register(collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

func (s *Server) serveMetrics(c *gin.Context) {
	promhttp.HandlerFor(s.metrics.registry, promhttp.HandlerOpts{}).ServeHTTP(c.Writer, c.Request)
}

package web

import (
	"crypto/subtle"
	"net/http"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/coventry/workshops/booking"
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

// serveMetrics answers /metrics on the service's own listener only to
// bearers of METRICS_TOKEN. Without a token it is not served there at all:
// METRICS_ADDR serves MetricsHandler on a listener of its own.
func (s *Server) serveMetrics(c *gin.Context) {
	if s.metricsOK == nil {
		s.fail(c, booking.Errorf(booking.ENotFound, "There is nothing at this address."))
		return
	}
	if t := bearer(c); t == "" || subtle.ConstantTimeCompare(hashToken(t), s.metricsOK) != 1 {
		c.Header("WWW-Authenticate", "Bearer")
		s.fail(c, booking.Errorf(booking.EUnauthorized, "Send the metrics token as a bearer token."))
		return
	}
	s.MetricsHandler().ServeHTTP(c.Writer, c.Request)
}

// MetricsHandler serves the Prometheus metrics to anyone who can reach it:
// mount it only on a listener the public cannot (METRICS_ADDR).
func (s *Server) MetricsHandler() http.Handler {
	return promhttp.HandlerFor(s.metrics.registry, promhttp.HandlerOpts{})
}

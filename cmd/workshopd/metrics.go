package main

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/coventry/workshops/booking/holds"
)

// holdsMetrics exports holds.Stats, read at each scrape: how many holds went
// to Redis or, with Redis failing, became stateless, and how often the
// mirror of places taken was reloaded from Postgres.
func holdsMetrics(h *holds.Store) []prometheus.Collector {
	stat := func(name, help string, v func(holds.Stats) uint64) prometheus.Collector {
		return prometheus.NewCounterFunc(prometheus.CounterOpts{Name: name, Help: help},
			func() float64 { return float64(v(h.Stats())) })
	}
	return []prometheus.Collector{
		stat("workshops_holds_kept_in_redis_total", "Holds kept in Redis.",
			func(s holds.Stats) uint64 { return s.Held }),
		stat("workshops_holds_stateless_total", "Holds issued as signed stateless tokens because Redis failed.",
			func(s holds.Stats) uint64 { return s.Stateless }),
		stat("workshops_holds_refused_total", "Holds refused: full, closed, wrong audience, mode not offered.",
			func(s holds.Stats) uint64 { return s.Refused }),
		stat("workshops_holds_mirror_reloads_total", "Mirrors of places taken reloaded from Postgres into Redis.",
			func(s holds.Stats) uint64 { return s.Reloads }),
		stat("workshops_holds_redis_failures_total", "Redis calls from the hold store that failed.",
			func(s holds.Stats) uint64 { return s.Failures }),
	}
}

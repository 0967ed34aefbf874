package server

import (
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Metrics of the HTTP surface. Labels hold route patterns and fixed words,
// never a path or a key.
type Metrics struct {
	webhooks *prometheus.CounterVec
	requests *prometheus.HistogramVec
}

// Webhook results counted by gongsync_webhooks_total.
const (
	resultQueued       = "queued"
	resultDuplicate    = "duplicate"
	resultTest         = "test"
	resultUnauthorized = "unauthorized"
	resultBadRequest   = "bad_request"
	resultTooLarge     = "too_large"
	resultUnavailable  = "unavailable"
)

// NewMetrics registers the HTTP metrics with reg.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		webhooks: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "gongsync_webhooks_total",
			Help: "Webhook deliveries by result: queued, duplicate, test, unauthorized, bad_request, too_large, unavailable.",
		}, []string{"result"}),
		requests: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "gongsync_http_request_seconds",
			Help:    "HTTP requests served, by route pattern and status code.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 5},
		}, []string{"route", "code"}),
	}
	reg.MustRegister(m.webhooks, m.requests)
	return m
}

func (m *Metrics) webhook(result string) { m.webhooks.WithLabelValues(result).Inc() }

func (m *Metrics) observeRequest(route string, status int, took time.Duration) {
	m.requests.WithLabelValues(route, strconv.Itoa(status)).Observe(took.Seconds())
}

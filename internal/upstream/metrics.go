package upstream

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Metrics are the upstream request metrics, shared by both clients. Labels
// are the API name and the status code only: never a path, id or secret.
type Metrics struct {
	requests     *prometheus.CounterVec
	seconds      *prometheus.HistogramVec
	authFailures *prometheus.CounterVec
}

// NewMetrics registers the upstream metrics with reg.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "gongsync_upstream_requests_total",
			Help: "Requests sent to Gong and Planhat, by API and HTTP status code (\"error\" when no answer came).",
		}, []string{"api", "code"}),
		seconds: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "gongsync_upstream_request_seconds",
			Help:    "Duration of requests to Gong and Planhat.",
			Buckets: []float64{.01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30},
		}, []string{"api"}),
		authFailures: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "gongsync_upstream_auth_failures_total",
			Help: "Requests that Gong or Planhat refused with 401 or 403: a credential needs fixing.",
		}, []string{"api"}),
	}
	reg.MustRegister(m.requests, m.seconds, m.authFailures)
	return m
}

func (m *Metrics) observe(api, code string, took time.Duration) {
	if m == nil {
		return
	}
	m.requests.WithLabelValues(api, code).Inc()
	m.seconds.WithLabelValues(api).Observe(took.Seconds())
}

func (m *Metrics) authFailure(api string) {
	if m == nil {
		return
	}
	m.authFailures.WithLabelValues(api).Inc()
}

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
	circuitOpen  *prometheus.GaugeVec
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
		circuitOpen: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "gongsync_circuit_open",
			Help: "1 while requests to the API wait because it keeps failing (circuit open or probing), else 0.",
		}, []string{"api"}),
	}
	reg.MustRegister(m.requests, m.seconds, m.authFailures, m.circuitOpen)
	return m
}

// initialise shows api's series at zero from the start, so alerts on them
// work before the first failure.
func (m *Metrics) initialise(api string) {
	if m == nil {
		return
	}
	m.authFailures.WithLabelValues(api)
	m.circuitOpen.WithLabelValues(api).Set(0)
}

func (m *Metrics) circuit(api string, open bool) {
	if m == nil {
		return
	}
	value := 0.0
	if open {
		value = 1
	}
	m.circuitOpen.WithLabelValues(api).Set(value)
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

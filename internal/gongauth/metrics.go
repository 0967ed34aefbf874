package gongauth

import "github.com/prometheus/client_golang/prometheus"

// Refresh failure reasons, the only label values of the failure counter.
const (
	reasonInvalidGrant = "invalid_grant" // Gong refused the refresh token: reconnect
	reasonError        = "error"         // no answer, or another refusal: retried
)

// Metrics of the OAuth connection to Gong.
type Metrics struct {
	connected prometheus.Gauge
	refreshes prometheus.Counter
	failures  *prometheus.CounterVec
}

// NewMetrics registers the OAuth metrics with reg, at zero.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		connected: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "gongsync_gong_oauth_connected",
			Help: "1 while gongsync holds usable Gong OAuth tokens, 0 while it waits to be connected or reconnected (POST /admin/oauth/gong/start).",
		}),
		refreshes: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "gongsync_gong_oauth_refreshes_total",
			Help: "Gong OAuth token refreshes that succeeded in this process.",
		}),
		failures: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "gongsync_gong_oauth_refresh_failures_total",
			Help: "Gong OAuth token refreshes that failed, by reason: invalid_grant (reconnect needed) or error (retried).",
		}, []string{"reason"}),
	}
	m.failures.WithLabelValues(reasonInvalidGrant)
	m.failures.WithLabelValues(reasonError)
	reg.MustRegister(m.connected, m.refreshes, m.failures)
	return m
}

func (m *Metrics) setConnected(connected bool) {
	if connected {
		m.connected.Set(1)
	} else {
		m.connected.Set(0)
	}
}

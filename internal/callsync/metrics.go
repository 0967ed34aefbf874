package callsync

import "github.com/prometheus/client_golang/prometheus"

// Metrics of the sync pipeline. Labels are statuses only.
type Metrics struct {
	calls *prometheus.CounterVec
}

// NewMetrics registers the pipeline metrics with reg.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		calls: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "gongsync_calls_total",
			Help: "Calls that reached a ledger status, by status.",
		}, []string{"status"}),
	}
	for _, status := range Statuses {
		m.calls.WithLabelValues(string(status))
	}
	reg.MustRegister(m.calls)
	return m
}

// Reached counts a call arriving at status.
func (m *Metrics) Reached(status Status) { m.calls.WithLabelValues(string(status)).Inc() }

package callsync

import "github.com/prometheus/client_golang/prometheus"

// Metrics of the sync pipeline. Labels are statuses only.
type Metrics struct {
	calls     *prometheus.CounterVec
	stranded  *prometheus.CounterVec
	discarded *prometheus.CounterVec
}

// NewMetrics registers the pipeline metrics with reg.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		calls: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "gongsync_calls_total",
			Help: "Calls that reached a ledger status, by status.",
		}, []string{"status"}),
	}
	m.stranded = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "gongsync_stranded_calls_total",
		Help: "Calls the sweeper found in a non-final status with no work scheduled, and scheduled again, by status.",
	}, []string{"status"})
	m.discarded = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "gongsync_jobs_discarded_total",
		Help: "Jobs River gave up on (last attempt failed or panicked), by kind.",
	}, []string{"kind"})
	for _, status := range Statuses {
		m.calls.WithLabelValues(string(status))
	}
	for _, status := range []Status{StatusQueued, StatusSynced, StatusUnmatched} {
		m.stranded.WithLabelValues(string(status))
	}
	for _, kind := range []string{SyncCallArgs{}.Kind(), PatchSummaryArgs{}.Kind(), SummaryPollArgs{}.Kind(), SweepArgs{}.Kind()} {
		m.discarded.WithLabelValues(kind)
	}
	reg.MustRegister(m.calls, m.stranded, m.discarded)
	return m
}

// Reached counts a call arriving at status.
func (m *Metrics) Reached(status Status) { m.calls.WithLabelValues(string(status)).Inc() }

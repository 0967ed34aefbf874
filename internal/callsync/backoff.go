package callsync

import "time"

// RecheckDelay is how long to wait before the next summary or unmatched
// re-check, given how many re-checks were already scheduled: min for the
// first (checks ≤ 0), then min·2^checks, never above max (RECHECK_MIN,
// RECHECK_MAX). Doubling stops at max, so a large checks cannot overflow.
// When max < min, min wins: the floor is what protects the upstream APIs.
// There is no jitter: the summary poller batches due calls anyway.
func RecheckDelay(checks int, min, max time.Duration) time.Duration {
	if min <= 0 {
		return 0
	}
	if max < min {
		return min
	}
	delay := min
	for range checks {
		if delay >= max/2 {
			return max
		}
		delay *= 2
	}
	return delay
}

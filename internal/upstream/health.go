package upstream

import "time"

// PausedFor returns how long every request to this API still waits after
// a 429 (0 when none), for the operator console.
func (c *Caller) PausedFor() time.Duration { return max(c.pauseLeft(), 0) }

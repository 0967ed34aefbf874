package planhat

import "github.com/gongsync/gongsync/internal/upstream"

// Upstream is the client's request side, for the console's health view
// (circuit, 429 pause).
func (c *Client) Upstream() *upstream.Caller { return c.caller }

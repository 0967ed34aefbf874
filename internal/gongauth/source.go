package gongauth

import (
	"context"
	"errors"
	"fmt"
	"time"

	"golang.org/x/oauth2"

	"github.com/gongsync/gongsync/internal/gong"
)

// Connection states besides a NotConnectedError's reason.
const (
	stateConnected       = "connected"
	reasonNeverConnected = "never connected"
	reasonUnsealable     = "stored tokens cannot be decrypted; check TOKEN_ENCRYPTION_KEY"
)

// dbSource is the token source under the cache: the database is the one
// place a token lives, and a refresh happens under its lock.
type dbSource struct{ c *Connector }

// Token returns the stored access token while it is fresh; once a refresh
// is due it takes the connection's lock, reads the row again (another
// replica may have refreshed meanwhile: its token is used, and the spent
// refresh token never sent), refreshes, and saves the new pair in that
// same transaction.
func (s *dbSource) Token() (*oauth2.Token, error) {
	c := s.c
	ctx, cancel := context.WithTimeout(context.Background(), tokenTimeout)
	defer cancel()
	stored, found, err := c.store.OAuthToken(ctx)
	if err != nil {
		return nil, fmt.Errorf("gong oauth: reading the token: %w", err)
	}
	token, fresh, err := c.usable(stored, found)
	if err != nil {
		c.noteUnusable(err)
		return nil, err
	}
	if fresh {
		c.setState(stateConnected)
		return token, nil
	}

	var result *oauth2.Token
	var lost *NotConnectedError
	err = c.store.LockOAuthToken(ctx, func(current StoredToken, found bool, save func(StoredToken) error) error {
		token, fresh, err := c.usable(current, found)
		if err != nil || fresh {
			result = token
			return err
		}
		refreshToken, err := c.sealer.open("refresh_token", current.RefreshToken)
		if err != nil {
			return &NotConnectedError{Reason: reasonUnsealable}
		}
		obtained := c.now()
		refreshed, err := c.oauth.Refresh(ctx, refreshToken)
		if gong.IsInvalidGrant(err) {
			// Spent or revoked: there is nothing left to try with, and
			// nothing to keep. Saved in this transaction, so no replica
			// sends the dead refresh token again.
			lost = &NotConnectedError{Reason: reasonInvalidGrant}
			return save(StoredToken{BaseURL: current.BaseURL, ObtainedAt: obtained, Disconnected: reasonInvalidGrant})
		}
		if err != nil {
			c.metrics.failures.WithLabelValues(reasonError).Inc()
			if c.now().Before(current.Expiry) {
				// Refreshed early: the access token still works meanwhile.
				c.logger.Warn().Err(err).Time("expires", current.Expiry).Msg("Gong OAuth refresh failed; the current token is used until it expires, and the refresh is retried")
				result = token
				return errKeep
			}
			return err
		}
		next := c.sealToken(refreshed, current.BaseURL, obtained)
		if err := save(next); err != nil {
			// Gong has spent the old refresh token; the new pair is lost
			// with this transaction, and the next refresh will be refused.
			return fmt.Errorf("gong oauth: saving the refreshed tokens: %w", err)
		}
		c.metrics.refreshes.Inc()
		result, _, err = c.usable(StoredToken{
			AccessToken: next.AccessToken, TokenType: next.TokenType, BaseURL: next.BaseURL,
			Expiry: next.Expiry, ObtainedAt: next.ObtainedAt,
		}, true)
		return err
	})
	switch {
	case lost != nil && err == nil:
		c.metrics.failures.WithLabelValues(reasonInvalidGrant).Inc()
		c.setState(lost.Reason)
		return nil, lost
	case errors.Is(err, errKeep):
		return result, nil
	case err != nil:
		c.noteUnusable(err)
		return nil, err
	}
	c.setState(stateConnected)
	return result, nil
}

// errKeep rolls the transaction back and keeps the current token.
var errKeep = errors.New("keep the current token")

// usable opens a stored connection: the token to use, whether it is fresh
// (no refresh due yet), or why there is none.
func (c *Connector) usable(stored StoredToken, found bool) (token *oauth2.Token, fresh bool, err error) {
	switch {
	case !found:
		return nil, false, &NotConnectedError{Reason: reasonNeverConnected}
	case stored.Disconnected != "":
		return nil, false, &NotConnectedError{Reason: stored.Disconnected}
	}
	access, err := c.sealer.open("access_token", stored.AccessToken)
	if err != nil || access == "" {
		return nil, false, &NotConnectedError{Reason: reasonUnsealable}
	}
	due := refreshDue(stored)
	token = (&oauth2.Token{
		AccessToken: access,
		TokenType:   stored.TokenType,
		// The cache in front asks again at this time, not at expiry.
		Expiry: due,
	}).WithExtra(map[string]any{gong.BaseURLField: stored.BaseURL})
	return token, due.IsZero() || c.now().Before(due), nil
}

// refreshDue is when a refresh is due: refreshAhead before expiry, or a
// quarter of the token's life when that is shorter; zero for a token
// without expiry.
func refreshDue(stored StoredToken) time.Time {
	if stored.Expiry.IsZero() {
		return time.Time{}
	}
	ahead := refreshAhead
	if life := stored.Expiry.Sub(stored.ObtainedAt); life > 0 && life/4 < ahead {
		ahead = life / 4
	}
	return stored.Expiry.Add(-ahead)
}

// sealToken turns a token answer into a row. The base URL comes from the
// answer, else stays what it was.
func (c *Connector) sealToken(token *oauth2.Token, previousBaseURL string, obtained time.Time) StoredToken {
	baseURL := gong.BaseURLOf(token)
	if baseURL == "" {
		baseURL = previousBaseURL
	}
	return StoredToken{
		AccessToken:  c.sealer.seal("access_token", token.AccessToken),
		RefreshToken: c.sealer.seal("refresh_token", token.RefreshToken),
		TokenType:    token.Type(),
		BaseURL:      baseURL,
		Expiry:       token.Expiry,
		ObtainedAt:   obtained,
	}
}

// Package gongauth keeps gongsync connected to Gong with OAuth 2.0: the
// authorization-code flow with single-use states, the tokens in the database
// (sealed with AES-GCM when a key is set), and a token source that refreshes
// them one replica at a time, saving the new pair in the transaction that
// spent the old one (Gong's refresh tokens are single-use).
package gongauth

import (
	"context"
	"time"
)

// StoredToken is the OAuth connection as the database keeps it. AccessToken
// and RefreshToken are sealed (see sealer); the rest is not secret.
type StoredToken struct {
	AccessToken  string
	RefreshToken string
	TokenType    string
	BaseURL      string    // api_base_url_for_customer; "" means GONG_API_BASE_URL
	Expiry       time.Time // of the access token; zero when Gong gave none
	ObtainedAt   time.Time // when the access token was issued
	// Disconnected says why the connection was lost (e.g. "invalid_grant");
	// "" while connected. The tokens are cleared with it.
	Disconnected string
	// Version counts the saves; the store sets it.
	Version int64
}

// Store is what the connection needs of the database.
type Store interface {
	// SaveOAuthState records a state (its hash) until expiresAt, and forgets
	// the states that expired before now.
	SaveOAuthState(ctx context.Context, stateHash string, expiresAt, now time.Time) error
	// TakeOAuthState uses a state up: it reports true, once, for a state
	// saved and not expired at now.
	TakeOAuthState(ctx context.Context, stateHash string, now time.Time) (bool, error)
	// OAuthToken reads the connection without a lock; found is false when
	// there was never one.
	OAuthToken(ctx context.Context) (token StoredToken, found bool, err error)
	// LockOAuthToken runs fn in one transaction holding the connection's
	// lock (a row lock, or SQLite's one writer) against every process on
	// the database: fn gets the row as committed by the last holder, and
	// save writes in the same transaction, committed when fn returns nil.
	LockOAuthToken(ctx context.Context, fn func(current StoredToken, found bool, save func(StoredToken) error) error) error
}

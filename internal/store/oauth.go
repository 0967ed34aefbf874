package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/gongsync/gongsync/internal/gongauth"
)

var _ gongauth.Store = (*DB)(nil)

// oauthProvider keys the one OAuth connection gongsync has.
const oauthProvider = "gong"

// SaveOAuthState records an authorization request's state (its hash) until
// expiresAt, and forgets those that expired before now.
func (db *DB) SaveOAuthState(ctx context.Context, stateHash string, expiresAt, now time.Time) error {
	err := db.engine.inTx(ctx, func(tx querier, _ enqueueFunc) error {
		if _, err := tx.exec(ctx, `DELETE FROM oauth_states WHERE expires_at <= ?`, now.UnixMilli()); err != nil {
			return err
		}
		_, err := tx.exec(ctx, `INSERT INTO oauth_states (state_hash, expires_at) VALUES (?, ?)`, stateHash, expiresAt.UnixMilli())
		return err
	})
	if err != nil {
		return fmt.Errorf("saving an OAuth state: %w", err)
	}
	return nil
}

// TakeOAuthState deletes the state and reports whether it was there and not
// expired at now: true once per state, whichever replica asks.
func (db *DB) TakeOAuthState(ctx context.Context, stateHash string, now time.Time) (bool, error) {
	taken, err := db.engine.pool().exec(ctx, `DELETE FROM oauth_states WHERE state_hash = ? AND expires_at > ?`, stateHash, now.UnixMilli())
	if err != nil {
		return false, fmt.Errorf("taking an OAuth state: %w", err)
	}
	return taken == 1, nil
}

const selectOAuthToken = `SELECT access_token, refresh_token, token_type, base_url, expires_at, obtained_at, disconnected, version
	FROM oauth_tokens WHERE provider = ?`

// OAuthToken reads the connection without a lock.
func (db *DB) OAuthToken(ctx context.Context) (gongauth.StoredToken, bool, error) {
	token, found, err := scanOAuthToken(db.engine.pool().queryRow(ctx, selectOAuthToken, oauthProvider))
	if err != nil {
		return gongauth.StoredToken{}, false, fmt.Errorf("reading the OAuth token: %w", err)
	}
	return token, found, nil
}

// LockOAuthToken runs fn in a transaction that holds the connection: on
// PostgreSQL the row is read FOR UPDATE, so a second replica waits and then
// reads what the first committed; on SQLite the transaction began
// IMMEDIATE (the sqlite engine's _txlock), so it is the one writer. fn must
// use nothing of the database but save.
func (db *DB) LockOAuthToken(ctx context.Context, fn func(current gongauth.StoredToken, found bool, save func(gongauth.StoredToken) error) error) error {
	query := selectOAuthToken
	if db.Dialect() == DialectPostgres {
		query += ` FOR UPDATE`
	}
	return db.engine.inTx(ctx, func(tx querier, _ enqueueFunc) error {
		current, found, err := scanOAuthToken(tx.queryRow(ctx, query, oauthProvider))
		if err != nil {
			return fmt.Errorf("reading the OAuth token: %w", err)
		}
		save := func(token gongauth.StoredToken) error {
			var expiresAt *int64
			if !token.Expiry.IsZero() {
				ms := token.Expiry.UnixMilli()
				expiresAt = &ms
			}
			_, err := tx.exec(ctx, `INSERT INTO oauth_tokens
				(provider, access_token, refresh_token, token_type, base_url, expires_at, obtained_at, disconnected, version, updated_at)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?, 1, ?)
				ON CONFLICT (provider) DO UPDATE SET
					access_token = excluded.access_token, refresh_token = excluded.refresh_token,
					token_type = excluded.token_type, base_url = excluded.base_url,
					expires_at = excluded.expires_at, obtained_at = excluded.obtained_at,
					disconnected = excluded.disconnected, updated_at = excluded.updated_at,
					version = oauth_tokens.version + 1`,
				oauthProvider, token.AccessToken, token.RefreshToken, token.TokenType, token.BaseURL,
				expiresAt, token.ObtainedAt.UnixMilli(), token.Disconnected, db.now().UnixMilli())
			if err != nil {
				return fmt.Errorf("saving the OAuth token: %w", err)
			}
			return nil
		}
		return fn(current, found, save)
	})
}

func scanOAuthToken(r row) (gongauth.StoredToken, bool, error) {
	var (
		t         gongauth.StoredToken
		expiresAt *int64
		obtained  int64
	)
	err := r.Scan(&t.AccessToken, &t.RefreshToken, &t.TokenType, &t.BaseURL, &expiresAt, &obtained, &t.Disconnected, &t.Version)
	if errors.Is(err, sql.ErrNoRows) { // pgx.ErrNoRows is sql.ErrNoRows too
		return gongauth.StoredToken{}, false, nil
	}
	if err != nil {
		return gongauth.StoredToken{}, false, err
	}
	if expiresAt != nil {
		t.Expiry = time.UnixMilli(*expiresAt)
	}
	t.ObtainedAt = time.UnixMilli(obtained)
	return t, true, nil
}

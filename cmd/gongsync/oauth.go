package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/rs/zerolog"

	"github.com/gongsync/gongsync/internal/config"
	"github.com/gongsync/gongsync/internal/gong"
	"github.com/gongsync/gongsync/internal/gongauth"
	"github.com/gongsync/gongsync/internal/server"
	"github.com/gongsync/gongsync/internal/store"
)

// gongAuth is how serve authenticates to Gong: the access key, or OAuth.
type gongAuth struct {
	authorize func(*http.Request) error
	connector *gongauth.Connector // nil without an OAuth client
	usesOAuth bool                // Gong requests carry the OAuth token (no access key)
	stop      func()              // stops keeping the OAuth connection fresh
}

// newGongAuth prefers the access key when both are set. With OAuth alone,
// serve starts before anyone has connected: Gong requests fail as an auth
// error (retried slowly) until an administrator connects, and webhooks are
// accepted meanwhile.
func newGongAuth(ctx context.Context, cfg config.Config, db *store.DB, reg prometheus.Registerer, logger zerolog.Logger) (*gongAuth, error) {
	a := &gongAuth{stop: func() {}}
	if cfg.HasGongOAuth() {
		connector, err := newConnector(ctx, cfg, db, reg, logger)
		if err != nil {
			return nil, err
		}
		a.connector = connector
		runCtx, cancel := context.WithCancel(ctx)
		done := make(chan struct{})
		go func() {
			defer close(done)
			connector.Run(runCtx)
		}()
		a.stop = func() {
			cancel()
			<-done
		}
	}
	switch {
	case cfg.HasGongAccessKey():
		a.authorize = gong.BasicAuth(cfg.GongAccessKey, cfg.GongAccessKeySecret)
		if a.connector != nil {
			logger.Warn().Msg("GONG_ACCESS_KEY and GONG_OAUTH_CLIENT_ID are both set: Gong requests use the access key, not OAuth")
		}
	case a.connector != nil:
		a.authorize = gong.OAuthAuthorize(a.connector.TokenSource(), cfg.GongAPIBaseURL)
		a.usesOAuth = true
	default:
		return nil, errors.New("no Gong credential: set GONG_ACCESS_KEY and GONG_ACCESS_KEY_SECRET, or GONG_OAUTH_CLIENT_ID and GONG_OAUTH_CLIENT_SECRET")
	}
	return a, nil
}

// oauth is the OAuth routes' dependency; nil (the routes answer 404)
// without an OAuth client.
func (a *gongAuth) oauth() server.GongOAuth {
	if a == nil || a.connector == nil {
		return nil
	}
	return a.connector
}

func newConnector(ctx context.Context, cfg config.Config, db *store.DB, reg prometheus.Registerer, logger zerolog.Logger) (*gongauth.Connector, error) {
	key, err := cfg.TokenKey()
	if err != nil {
		return nil, fmt.Errorf("TOKEN_ENCRYPTION_KEY: %w", err)
	}
	return gongauth.New(ctx, gongauth.Options{
		OAuth: gong.NewOAuth(gong.OAuthApp{
			ClientID:     cfg.GongOAuthClientID,
			ClientSecret: cfg.GongOAuthClientSecret,
			AuthURL:      cfg.GongOAuthAuthURL,
			TokenURL:     cfg.GongOAuthTokenURL,
			RedirectURL:  cfg.PublicURL + server.OAuthCallbackPath,
			Scopes:       cfg.OAuthScopes(),
		}),
		Store:      db,
		Key:        key,
		Registerer: reg,
		Logger:     logger,
	})
}

// oauthURL prints the authorize URL, like POST /admin/oauth/gong/start: a
// Gong technical administrator opens it within its lifetime, and Gong sends
// them back to PUBLIC_URL/oauth/gong/callback on the running service.
func oauthURL(ctx context.Context, cfg config.Config, stdout, stderr io.Writer) error {
	if !cfg.HasGongOAuth() {
		return errors.New("oauth-url needs GONG_OAUTH_CLIENT_ID and GONG_OAUTH_CLIENT_SECRET")
	}
	logger, err := newLogger(cfg, stderr)
	if err != nil {
		return err
	}
	logger = logger.Level(max(logger.GetLevel(), zerolog.WarnLevel))
	db, err := store.Open(ctx, cfg.DatabaseURL, slog.New(zerolog.NewSlogHandler(logger)))
	if err != nil {
		return err
	}
	defer db.Close()
	if err := db.Migrate(ctx); err != nil {
		return err
	}
	connector, err := newConnector(ctx, cfg, db, prometheus.NewRegistry(), zerolog.Nop())
	if err != nil {
		return err
	}
	authorizeURL, err := connector.AuthorizeURL(ctx)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintln(stdout, authorizeURL)
	return err
}

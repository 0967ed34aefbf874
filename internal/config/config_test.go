package config

import (
	"os"
	"testing"
	"time"

	"github.com/kelseyhightower/envconfig"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestLoadDefaults(t *testing.T) {
	c := mustLoad(t, minimalEnv())

	// The defaults of DESIGN §4, written out here so a changed tag fails.
	want := Config{
		ListenAddr:               ":8080",
		DatabaseURL:              "sqlite:data/gongsync.db",
		WebhookKey:               testWebhookKey,
		GongAPIBaseURL:           "https://api.gong.io",
		GongAccessKey:            testAccessKey,
		GongAccessKeySecret:      testAccessSecret,
		GongOAuthAuthURL:         "https://app.gong.io/oauth2/authorize",
		GongOAuthTokenURL:        "https://app.gong.io/oauth2/generate-customer-token",
		GongOAuthScopes:          "api:calls:read:basic api:calls:read:extensive api:users:read",
		GongRateLimit:            2,
		GongDailyBudget:          5000,
		PlanhatAPIBaseURL:        "https://api.planhat.com",
		PlanhatAPIToken:          testPlanhatToken,
		PlanhatRateLimit:         3,
		PlanhatConversationType:  "Gong Call",
		PlanhatFieldGongURL:      "Gong URL",
		PlanhatFieldCallDuration: "Call Duration",
		SyncPrivateCalls:         false,
		RecheckMin:               5 * time.Minute,
		RecheckMax:               time.Hour,
		SummaryMaxWait:           72 * time.Hour,
		UnmatchedRetryFor:        72 * time.Hour,
		CompanyCacheTTL:          10 * time.Minute,
		ReconcileInterval:        0,
		ReconcileLookback:        48 * time.Hour,
		JobTimeout:               30 * time.Second,
		RescueAfter:              time.Minute,
		WebhookMaxBytes:          10485760,
		LogLevel:                 "info",
		LogFormat:                "json",
		ShutdownTimeout:          30 * time.Second,
	}
	assert.Equal(t, want, c)
	assert.Empty(t, c.PublicURL)
	assert.Empty(t, c.GongWebhookPublicKey)
	assert.Nil(t, c.InternalDomains)
	assert.Nil(t, c.IgnoredDomains)
}

// fullEnv sets every variable to a valid value other than its default.
func fullEnv(t *testing.T) map[string]string {
	t.Helper()
	return map[string]string{
		"LISTEN_ADDR":                 "127.0.0.1:9090",
		"PUBLIC_URL":                  "https://gongsync.example.com",
		"DATABASE_URL":                "postgres://gs:" + testDBPassword + "@db.example.com:5432/gongsync?sslmode=require",
		"WEBHOOK_KEY":                 testWebhookKey,
		"GONG_WEBHOOK_PUBLIC_KEY":     publicKeyBase64(t),
		"GONG_API_BASE_URL":           "https://us-1234.api.gong.io",
		"GONG_ACCESS_KEY":             testAccessKey,
		"GONG_ACCESS_KEY_SECRET":      testAccessSecret,
		"GONG_OAUTH_CLIENT_ID":        "client-id",
		"GONG_OAUTH_CLIENT_SECRET":    testOAuthSecret,
		"GONG_OAUTH_AUTH_URL":         "https://auth.example.com/authorize",
		"GONG_OAUTH_TOKEN_URL":        "https://auth.example.com/token",
		"GONG_OAUTH_SCOPES":           "api:calls:read:basic api:users:read",
		"GONG_RATE_LIMIT":             "0.5",
		"GONG_DAILY_BUDGET":           "10000",
		"PLANHAT_API_BASE_URL":        "https://api-eu.planhat.com",
		"PLANHAT_API_TOKEN":           testPlanhatToken,
		"PLANHAT_RATE_LIMIT":          "150",
		"PLANHAT_CONVERSATION_TYPE":   "Call",
		"PLANHAT_FIELD_GONG_URL":      "Recording",
		"PLANHAT_FIELD_CALL_DURATION": "Minutes",
		"INTERNAL_DOMAINS":            "acme.com,acme.co.uk",
		"IGNORED_DOMAINS":             "mail.example.org",
		"SYNC_PRIVATE_CALLS":          "true",
		"RECHECK_MIN":                 "1m",
		"RECHECK_MAX":                 "2h",
		"SUMMARY_MAX_WAIT":            "24h",
		"UNMATCHED_RETRY_FOR":         "168h",
		"COMPANY_CACHE_TTL":           "1m30s",
		"RECONCILE_INTERVAL":          "15m",
		"RECONCILE_LOOKBACK":          "24h",
		"GONG_WORKSPACE_ID":           "5432167890",
		"JOB_TIMEOUT":                 "1m",
		"RESCUE_AFTER":                "5m",
		"ADMIN_TOKEN":                 testAdminToken,
		"TOKEN_ENCRYPTION_KEY":        testTokenKey,
		"WEBHOOK_MAX_BYTES":           "1048576",
		"LOG_LEVEL":                   "debug",
		"LOG_FORMAT":                  "console",
		"SHUTDOWN_TIMEOUT":            "10s",
	}
}

func TestLoadFull(t *testing.T) {
	env := fullEnv(t)
	require.Len(t, env, len(fields), "fullEnv must set every variable")
	c := mustLoad(t, env)

	want := Config{
		ListenAddr:               "127.0.0.1:9090",
		PublicURL:                "https://gongsync.example.com",
		DatabaseURL:              env["DATABASE_URL"],
		WebhookKey:               testWebhookKey,
		GongWebhookPublicKey:     env["GONG_WEBHOOK_PUBLIC_KEY"],
		GongAPIBaseURL:           "https://us-1234.api.gong.io",
		GongAccessKey:            testAccessKey,
		GongAccessKeySecret:      testAccessSecret,
		GongOAuthClientID:        "client-id",
		GongOAuthClientSecret:    testOAuthSecret,
		GongOAuthAuthURL:         "https://auth.example.com/authorize",
		GongOAuthTokenURL:        "https://auth.example.com/token",
		GongOAuthScopes:          "api:calls:read:basic api:users:read",
		GongRateLimit:            0.5,
		GongDailyBudget:          10000,
		PlanhatAPIBaseURL:        "https://api-eu.planhat.com",
		PlanhatAPIToken:          testPlanhatToken,
		PlanhatRateLimit:         150,
		PlanhatConversationType:  "Call",
		PlanhatFieldGongURL:      "Recording",
		PlanhatFieldCallDuration: "Minutes",
		InternalDomains:          []string{"acme.com", "acme.co.uk"},
		IgnoredDomains:           []string{"mail.example.org"},
		SyncPrivateCalls:         true,
		RecheckMin:               time.Minute,
		RecheckMax:               2 * time.Hour,
		SummaryMaxWait:           24 * time.Hour,
		UnmatchedRetryFor:        168 * time.Hour,
		CompanyCacheTTL:          90 * time.Second,
		ReconcileInterval:        15 * time.Minute,
		ReconcileLookback:        24 * time.Hour,
		GongWorkspaceID:          "5432167890",
		JobTimeout:               time.Minute,
		RescueAfter:              5 * time.Minute,
		AdminToken:               testAdminToken,
		TokenEncryptionKey:       testTokenKey,
		WebhookMaxBytes:          1048576,
		LogLevel:                 "debug",
		LogFormat:                "console",
		ShutdownTimeout:          10 * time.Second,
	}
	assert.Equal(t, want, c)
	assert.True(t, c.HasGongAccessKey())
	assert.True(t, c.HasGongOAuth())
	_, isSQLite := c.SQLitePath()
	assert.False(t, isSQLite)
	key, err := c.TokenKey()
	require.NoError(t, err)
	assert.Equal(t, []byte("0123456789abcdef0123456789abcdef"), key)
}

func TestLoadNormalizes(t *testing.T) {
	c := mustLoad(t, with(map[string]string{
		"LISTEN_ADDR":          "  :0 \n", // surrounding white space is dropped
		"PUBLIC_URL":           "https://gongsync.example.com/sync/",
		"GONG_API_BASE_URL":    "https://api.gong.io/",
		"PLANHAT_API_BASE_URL": "https://api.planhat.com//",
		"INTERNAL_DOMAINS":     " Acme.COM, ,acme.io.,",
		"IGNORED_DOMAINS":      ",",
		"LOG_LEVEL":            "WARN",
		"LOG_FORMAT":           "Console",
	}))
	assert.Equal(t, ":0", c.ListenAddr)
	assert.Equal(t, "https://gongsync.example.com/sync", c.PublicURL)
	assert.Equal(t, "https://api.gong.io", c.GongAPIBaseURL)
	assert.Equal(t, "https://api.planhat.com", c.PlanhatAPIBaseURL)
	assert.Equal(t, []string{"acme.com", "acme.io"}, c.InternalDomains)
	assert.Empty(t, c.IgnoredDomains)
	assert.Equal(t, "warn", c.LogLevel)
	assert.Equal(t, "console", c.LogFormat)
}

func TestLoadEmptyMeansDefault(t *testing.T) {
	c := mustLoad(t, with(map[string]string{"LISTEN_ADDR": "", "RECHECK_MIN": "   "}))
	assert.Equal(t, ":8080", c.ListenAddr)
	assert.Equal(t, 5*time.Minute, c.RecheckMin)
}

func TestHelpers(t *testing.T) {
	for _, test := range []struct {
		name        string
		c           Config
		sqlitePath  string
		isSQLite    bool
		accessKey   bool
		oauthClient bool
	}{
		{name: "SQLite", c: Config{DatabaseURL: "sqlite:/var/lib/gongsync/db"}, sqlitePath: "/var/lib/gongsync/db", isSQLite: true},
		{name: "Postgres", c: Config{DatabaseURL: "postgres://h/db"}},
		{name: "AccessKey", c: Config{GongAccessKey: "a", GongAccessKeySecret: "b"}, accessKey: true},
		{name: "HalfAccessKey", c: Config{GongAccessKey: "a"}},
		{name: "OAuth", c: Config{GongOAuthClientID: "a", GongOAuthClientSecret: "b"}, oauthClient: true},
		{name: "HalfOAuth", c: Config{GongOAuthClientSecret: "b"}},
	} {
		t.Run(test.name, func(t *testing.T) {
			path, ok := test.c.SQLitePath()
			assert.Equal(t, test.isSQLite, ok)
			assert.Equal(t, test.sqlitePath, path)
			assert.Equal(t, test.accessKey, test.c.HasGongAccessKey())
			assert.Equal(t, test.oauthClient, test.c.HasGongOAuth())
		})
	}
}

func TestTokenKeyUnset(t *testing.T) {
	key, err := Config{}.TokenKey()
	require.NoError(t, err)
	assert.Nil(t, key)
}

// The struct must stay readable by envconfig itself (DESIGN §4 says "read
// with envconfig"): same names, defaults and parsing as Load.
func TestEnvconfigCompatible(t *testing.T) {
	t.Run("AllSet", func(t *testing.T) {
		env := fullEnv(t)
		for _, f := range fields {
			t.Setenv(f.name, env[f.name])
		}
		var viaEnvconfig Config
		require.NoError(t, envconfig.Process("", &viaEnvconfig))
		assert.Equal(t, mustLoad(t, env), viaEnvconfig)
	})
	t.Run("Defaults", func(t *testing.T) {
		env := minimalEnv()
		for _, f := range fields {
			t.Setenv(f.name, "") // restores the variable after the test
			if v, ok := env[f.name]; ok {
				t.Setenv(f.name, v)
			} else {
				require.NoError(t, os.Unsetenv(f.name))
			}
		}
		var viaEnvconfig Config
		require.NoError(t, envconfig.Process("", &viaEnvconfig))
		assert.Equal(t, mustLoad(t, env), viaEnvconfig)
	})
}

package config

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/base64"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestLoadInvalid(t *testing.T) {
	for _, test := range []struct {
		name   string
		env    map[string]string
		bad    string // the one variable that must be named
		reason string // a part of its reason
	}{
		{"ListenAddrNoPort", map[string]string{"LISTEN_ADDR": "localhost"}, "LISTEN_ADDR", "host:port"},
		{"ListenAddrBadPort", map[string]string{"LISTEN_ADDR": ":http-alt"}, "LISTEN_ADDR", "0 to 65535"},
		{"ListenAddrPortTooBig", map[string]string{"LISTEN_ADDR": ":70000"}, "LISTEN_ADDR", "0 to 65535"},
		{"PublicURLRelative", map[string]string{"PUBLIC_URL": "gongsync.example.com"}, "PUBLIC_URL", "absolute http(s) URL"},
		{"PublicURLScheme", map[string]string{"PUBLIC_URL": "ftp://gongsync.example.com"}, "PUBLIC_URL", "absolute http(s) URL"},
		{"PublicURLQuery", map[string]string{"PUBLIC_URL": "https://gongsync.example.com?x=1"}, "PUBLIC_URL", "query"},
		{"PublicURLFragment", map[string]string{"PUBLIC_URL": "https://gongsync.example.com#x"}, "PUBLIC_URL", "fragment"},
		{"PublicURLNeededForJWT", map[string]string{"GONG_WEBHOOK_PUBLIC_KEY": "@pem"}, "PUBLIC_URL", "GONG_WEBHOOK_PUBLIC_KEY"},
		{"PublicURLNeededForOAuth", map[string]string{"GONG_ACCESS_KEY": "", "GONG_ACCESS_KEY_SECRET": "", "GONG_OAUTH_CLIENT_ID": "id", "GONG_OAUTH_CLIENT_SECRET": "s"}, "PUBLIC_URL", "OAuth"},
		{"DatabaseURLScheme", map[string]string{"DATABASE_URL": "mysql://u:p@h/db"}, "DATABASE_URL", "sqlite:PATH"},
		{"DatabaseURLEmptySQLitePath", map[string]string{"DATABASE_URL": "sqlite:"}, "DATABASE_URL", "file path"},
		{"DatabaseURLBarePath", map[string]string{"DATABASE_URL": "data/gongsync.db"}, "DATABASE_URL", "sqlite:PATH"},
		{"DatabaseURLMalformed", map[string]string{"DATABASE_URL": "postgres://h:port/db"}, "DATABASE_URL", "not a valid URL"},
		{"WebhookKeyShort", map[string]string{"WEBHOOK_KEY": strings.Repeat("k", 31)}, "WEBHOOK_KEY", "at least 32"},
		{"WebhookKeySlash", map[string]string{"WEBHOOK_KEY": strings.Repeat("k", 31) + "/"}, "WEBHOOK_KEY", "only letters"},
		{"NoWebhookAuth", map[string]string{"WEBHOOK_KEY": ""}, "WEBHOOK_KEY", "no webhook authentication"},
		{"PublicKeyGarbage", map[string]string{"PUBLIC_URL": "https://g.example.com", "GONG_WEBHOOK_PUBLIC_KEY": "not a key!"}, "GONG_WEBHOOK_PUBLIC_KEY", "neither PEM nor base64"},
		{"PublicKeyNotDER", map[string]string{"PUBLIC_URL": "https://g.example.com", "GONG_WEBHOOK_PUBLIC_KEY": "aGVsbG8="}, "GONG_WEBHOOK_PUBLIC_KEY", "not a DER SubjectPublicKeyInfo"},
		{"PublicKeyNotRSA", map[string]string{"PUBLIC_URL": "https://g.example.com", "GONG_WEBHOOK_PUBLIC_KEY": "@ecdsa"}, "GONG_WEBHOOK_PUBLIC_KEY", "want an RSA key"},
		{"NoGongCredential", map[string]string{"GONG_ACCESS_KEY": "", "GONG_ACCESS_KEY_SECRET": ""}, "GONG_ACCESS_KEY", "no Gong credential"},
		{"GongAPIBaseURL", map[string]string{"GONG_API_BASE_URL": "api.gong.io"}, "GONG_API_BASE_URL", "absolute http(s) URL"},
		{"GongOAuthAuthURL", map[string]string{"GONG_OAUTH_AUTH_URL": "/oauth2/authorize"}, "GONG_OAUTH_AUTH_URL", "absolute http(s) URL"},
		{"GongOAuthTokenURL", map[string]string{"GONG_OAUTH_TOKEN_URL": "https://"}, "GONG_OAUTH_TOKEN_URL", "absolute http(s) URL"},
		{"PlanhatAPIBaseURL", map[string]string{"PLANHAT_API_BASE_URL": "mailto:x@planhat.com"}, "PLANHAT_API_BASE_URL", "absolute http(s) URL"},
		{"GongRateLimitZero", map[string]string{"GONG_RATE_LIMIT": "0"}, "GONG_RATE_LIMIT", "more than 0"},
		{"GongRateLimitAboveGong", map[string]string{"GONG_RATE_LIMIT": "3.5"}, "GONG_RATE_LIMIT", "at most 3"},
		{"GongRateLimitNaN", map[string]string{"GONG_RATE_LIMIT": "NaN"}, "GONG_RATE_LIMIT", "more than 0"},
		{"GongRateLimitNotNumber", map[string]string{"GONG_RATE_LIMIT": "two"}, "GONG_RATE_LIMIT", `"two" is not a number`},
		{"GongDailyBudgetZero", map[string]string{"GONG_DAILY_BUDGET": "0"}, "GONG_DAILY_BUDGET", "1 to 10000"},
		{"GongDailyBudgetAboveGong", map[string]string{"GONG_DAILY_BUDGET": "10001"}, "GONG_DAILY_BUDGET", "1 to 10000"},
		{"GongDailyBudgetFraction", map[string]string{"GONG_DAILY_BUDGET": "5000.5"}, "GONG_DAILY_BUDGET", "not a whole number"},
		{"PlanhatAPITokenMissing", map[string]string{"PLANHAT_API_TOKEN": ""}, "PLANHAT_API_TOKEN", "required"},
		{"PlanhatRateLimitNegative", map[string]string{"PLANHAT_RATE_LIMIT": "-1"}, "PLANHAT_RATE_LIMIT", "more than 0"},
		{"PlanhatRateLimitAboveHardLimit", map[string]string{"PLANHAT_RATE_LIMIT": "151"}, "PLANHAT_RATE_LIMIT", "150"},
		{"InternalDomainsNotDomain", map[string]string{"INTERNAL_DOMAINS": "acme.com,@acme.io"}, "INTERNAL_DOMAINS", `"@acme.io"`},
		{"InternalDomainsSingleLabel", map[string]string{"INTERNAL_DOMAINS": "localhost"}, "INTERNAL_DOMAINS", `"localhost"`},
		{"IgnoredDomainsUnicode", map[string]string{"IGNORED_DOMAINS": "müller.de"}, "IGNORED_DOMAINS", "xn--"},
		{"IgnoredDomainsHyphen", map[string]string{"IGNORED_DOMAINS": "-mail.com"}, "IGNORED_DOMAINS", `"-mail.com"`},
		{"SyncPrivateCallsNotBool", map[string]string{"SYNC_PRIVATE_CALLS": "yes"}, "SYNC_PRIVATE_CALLS", "not a boolean"},
		{"RecheckMinZero", map[string]string{"RECHECK_MIN": "0s"}, "RECHECK_MIN", "more than 0"},
		{"RecheckMinNoUnit", map[string]string{"RECHECK_MIN": "300"}, "RECHECK_MIN", "not a duration"},
		{"RecheckMaxBelowMin", map[string]string{"RECHECK_MIN": "10m", "RECHECK_MAX": "5m"}, "RECHECK_MAX", "at least RECHECK_MIN (10m)"},
		{"SummaryMaxWait", map[string]string{"SUMMARY_MAX_WAIT": "-1h"}, "SUMMARY_MAX_WAIT", "more than 0"},
		{"UnmatchedRetryFor", map[string]string{"UNMATCHED_RETRY_FOR": "0"}, "UNMATCHED_RETRY_FOR", "more than 0"},
		{"CompanyCacheTTL", map[string]string{"COMPANY_CACHE_TTL": "-10m"}, "COMPANY_CACHE_TTL", "more than 0"},
		{"ReconcileIntervalNegative", map[string]string{"RECONCILE_INTERVAL": "-1m"}, "RECONCILE_INTERVAL", "negative"},
		{"ReconcileLookback", map[string]string{"RECONCILE_LOOKBACK": "0s"}, "RECONCILE_LOOKBACK", "more than 0"},
		{"JobTimeout", map[string]string{"JOB_TIMEOUT": "0"}, "JOB_TIMEOUT", "more than 0"},
		{"RescueAfterBelowJobTimeout", map[string]string{"JOB_TIMEOUT": "2m", "RESCUE_AFTER": "1m"}, "RESCUE_AFTER", "at least JOB_TIMEOUT (2m)"},
		{"RescueAfterZero", map[string]string{"RESCUE_AFTER": "-1s"}, "RESCUE_AFTER", "more than 0"},
		{"TokenEncryptionKeyShort", map[string]string{"TOKEN_ENCRYPTION_KEY": base64.StdEncoding.EncodeToString(make([]byte, 16))}, "TOKEN_ENCRYPTION_KEY", "exactly 32 bytes"},
		{"TokenEncryptionKeyNotBase64", map[string]string{"TOKEN_ENCRYPTION_KEY": strings.Repeat("!", 44)}, "TOKEN_ENCRYPTION_KEY", "base64"},
		{"WebhookMaxBytesZero", map[string]string{"WEBHOOK_MAX_BYTES": "0"}, "WEBHOOK_MAX_BYTES", "more than 0"},
		{"WebhookMaxBytesUnit", map[string]string{"WEBHOOK_MAX_BYTES": "10MB"}, "WEBHOOK_MAX_BYTES", "not a whole number"},
		{"LogLevel", map[string]string{"LOG_LEVEL": "verbose"}, "LOG_LEVEL", `"verbose" is not one of trace, debug, info, warn, error`},
		{"LogFormat", map[string]string{"LOG_FORMAT": "text"}, "LOG_FORMAT", `"text" is not json or console`},
		{"ShutdownTimeout", map[string]string{"SHUTDOWN_TIMEOUT": "0s"}, "SHUTDOWN_TIMEOUT", "more than 0"},
	} {
		t.Run(test.name, func(t *testing.T) {
			env := with(test.env)
			for k, v := range env {
				switch v {
				case "@pem":
					env[k] = publicKeyPEM(t)
				case "@ecdsa":
					env[k] = ecdsaPublicKeyBase64(t)
				}
			}
			got := problems(t, env)
			assert.Equal(t, []string{test.bad}, keys(got), "exactly the bad variable is named")
			assert.Contains(t, got[test.bad], test.reason)
		})
	}
}

func TestLoadValidEdges(t *testing.T) {
	for _, test := range []struct {
		name string
		env  map[string]string
	}{
		{"ListenAddrPortZero", map[string]string{"LISTEN_ADDR": ":0"}},
		{"ListenAddrIPv6", map[string]string{"LISTEN_ADDR": "[::1]:8080"}},
		{"PublicURLHTTP", map[string]string{"PUBLIC_URL": "http://localhost:8080"}},
		{"SQLiteAbsolutePath", map[string]string{"DATABASE_URL": "sqlite:/var/lib/gongsync/gongsync.db"}},
		{"PostgresqlScheme", map[string]string{"DATABASE_URL": "postgresql://localhost/gongsync"}},
		{"WebhookKeyExactly32", map[string]string{"WEBHOOK_KEY": strings.Repeat("a", 32)}},
		{"JWTOnly", map[string]string{"WEBHOOK_KEY": "", "PUBLIC_URL": "https://g.example.com", "GONG_WEBHOOK_PUBLIC_KEY": "@pem"}},
		{"OAuthOnly", map[string]string{"GONG_ACCESS_KEY": "", "GONG_ACCESS_KEY_SECRET": "", "GONG_OAUTH_CLIENT_ID": "id", "GONG_OAUTH_CLIENT_SECRET": "s", "PUBLIC_URL": "https://g.example.com"}},
		{"GongRateLimitAtGongLimit", map[string]string{"GONG_RATE_LIMIT": "3"}},
		{"GongDailyBudgetOne", map[string]string{"GONG_DAILY_BUDGET": "1"}},
		{"RecheckMaxEqualsMin", map[string]string{"RECHECK_MIN": "10m", "RECHECK_MAX": "10m"}},
		{"RescueAfterEqualsJobTimeout", map[string]string{"JOB_TIMEOUT": "1m", "RESCUE_AFTER": "1m"}},
		{"TokenEncryptionKeyRawURL", map[string]string{"TOKEN_ENCRYPTION_KEY": base64.RawURLEncoding.EncodeToString(make([]byte, 32))}},
		{"LogLevelTrace", map[string]string{"LOG_LEVEL": "trace"}},
	} {
		t.Run(test.name, func(t *testing.T) {
			env := with(test.env)
			for k, v := range env {
				if v == "@pem" {
					env[k] = publicKeyPEM(t)
				}
			}
			mustLoad(t, env)
		})
	}
}

func TestLoadHalfCredentialPairs(t *testing.T) {
	noAccessKey := map[string]string{"GONG_ACCESS_KEY": "", "GONG_ACCESS_KEY_SECRET": ""}
	for _, test := range []struct {
		name    string
		env     map[string]string
		missing string
		because string
	}{
		{"AccessKeyWithoutSecret", map[string]string{"GONG_ACCESS_KEY_SECRET": ""}, "GONG_ACCESS_KEY_SECRET", "GONG_ACCESS_KEY is set"},
		{"AccessKeySecretWithoutKey", map[string]string{"GONG_ACCESS_KEY": ""}, "GONG_ACCESS_KEY", "GONG_ACCESS_KEY_SECRET is set"},
		{"OAuthIDWithoutSecret", merge(noAccessKey, map[string]string{"PUBLIC_URL": "https://g.example.com", "GONG_OAUTH_CLIENT_ID": "id"}), "GONG_OAUTH_CLIENT_SECRET", "GONG_OAUTH_CLIENT_ID is set"},
		{"OAuthSecretWithoutID", merge(noAccessKey, map[string]string{"PUBLIC_URL": "https://g.example.com", "GONG_OAUTH_CLIENT_SECRET": testOAuthSecret}), "GONG_OAUTH_CLIENT_ID", "GONG_OAUTH_CLIENT_SECRET is set"},
		// A complete access key does not excuse half an OAuth client.
		{"FullAccessKeyHalfOAuth", map[string]string{"PUBLIC_URL": "https://g.example.com", "GONG_OAUTH_CLIENT_ID": "id"}, "GONG_OAUTH_CLIENT_SECRET", "GONG_OAUTH_CLIENT_ID is set"},
	} {
		t.Run(test.name, func(t *testing.T) {
			got := problems(t, with(test.env))
			assert.Equal(t, []string{test.missing}, keys(got))
			assert.Contains(t, got[test.missing], test.because)
		})
	}
}

func TestLoadNamesEveryBadVariable(t *testing.T) {
	c, err := Load(getenv(map[string]string{
		"LISTEN_ADDR":       "8080",
		"GONG_RATE_LIMIT":   "10",
		"RECHECK_MIN":       "soon",
		"LOG_FORMAT":        "xml",
		"GONG_ACCESS_KEY":   testAccessKey,
		"WEBHOOK_MAX_BYTES": "-5",
	}))
	var verr *ValidationError
	require.ErrorAs(t, err, &verr)

	// In declaration order, one per line after the heading.
	want := []string{
		"LISTEN_ADDR", "WEBHOOK_KEY", "GONG_ACCESS_KEY_SECRET", "GONG_RATE_LIMIT",
		"PLANHAT_API_TOKEN", "RECHECK_MIN", "WEBHOOK_MAX_BYTES", "LOG_FORMAT",
	}
	var names []string
	for _, p := range verr.Problems {
		names = append(names, p.Var)
	}
	assert.Equal(t, want, names)
	lines := strings.Split(err.Error(), "\n")
	require.Len(t, lines, 1+len(want))
	assert.Equal(t, "invalid configuration (8 problems):", lines[0])
	for i, name := range want {
		assert.True(t, strings.HasPrefix(lines[i+1], "  "+name+": "), "line %d: %q", i+1, lines[i+1])
	}

	// The rest still loaded, for `gongsync config`.
	assert.Equal(t, float64(10), c.GongRateLimit)
	assert.Equal(t, "https://api.gong.io", c.GongAPIBaseURL)
}

func TestValidationErrorSingular(t *testing.T) {
	_, err := Load(getenv(with(map[string]string{"LOG_LEVEL": "loud"})))
	require.Error(t, err)
	assert.Equal(t, "invalid configuration (1 problem):\n  LOG_LEVEL: \"loud\" is not one of trace, debug, info, warn, error", err.Error())
}

func TestErrorNeverShowsSecrets(t *testing.T) {
	// Every secret set to something wrong or incomplete, so each is looked at.
	env := map[string]string{
		"DATABASE_URL":             "mysql://gs:" + testDBPassword + "@db/gongsync",
		"WEBHOOK_KEY":              "short-" + testAdminToken, // too short
		"GONG_ACCESS_KEY":          testAccessKey,             // without its secret
		"GONG_OAUTH_CLIENT_SECRET": testOAuthSecret,           // without its id
		"PLANHAT_API_TOKEN":        testPlanhatToken,
		"ADMIN_TOKEN":              testAdminToken,
		"TOKEN_ENCRYPTION_KEY":     "TOKEN-KEY-SECRET-not-base64",
	}
	_, err := Load(getenv(env))
	require.Error(t, err)
	text := err.Error()
	for _, secret := range []string{testDBPassword, "short-", testAccessKey, testPlanhatToken, testOAuthSecret, "TOKEN-KEY-SECRET", testAdminToken} {
		assert.NotContains(t, text, secret)
	}
	for _, name := range []string{"DATABASE_URL", "WEBHOOK_KEY", "GONG_ACCESS_KEY_SECRET", "GONG_OAUTH_CLIENT_ID", "TOKEN_ENCRYPTION_KEY", "PUBLIC_URL"} {
		assert.Contains(t, text, name+":")
	}
}

func TestParseErrorOfSecretHidesValue(t *testing.T) {
	// All secrets are strings today; parseInto still must not echo one.
	var n int
	reason := parseInto(reflectValue(&n), "SECRET-NOT-A-NUMBER", true)
	assert.Equal(t, "the value is not a whole number", reason)
}

func ecdsaPublicKeyBase64(tb testing.TB) string {
	tb.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(tb, err)
	der, err := x509.MarshalPKIXPublicKey(&k.PublicKey)
	require.NoError(tb, err)
	return base64.StdEncoding.EncodeToString(der)
}

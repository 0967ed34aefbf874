package config

import (
	"bytes"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var allSecrets = []string{
	testWebhookKey, testAccessKey, testAccessSecret, testOAuthSecret,
	testPlanhatToken, testAdminToken, testDBPassword, testTokenKey,
}

func TestPrintHidesSecrets(t *testing.T) {
	c := mustLoad(t, fullEnv(t))
	var out bytes.Buffer
	c.Print(&out)
	text := out.String()

	for _, secret := range allSecrets {
		assert.NotContains(t, text, secret)
	}
	lines := strings.Split(strings.TrimSuffix(text, "\n"), "\n")
	require.Len(t, lines, len(fields), "one line per variable")
	for _, want := range []string{
		"LISTEN_ADDR=127.0.0.1:9090",
		"DATABASE_URL=postgres://gs:***@db.example.com:5432/gongsync?sslmode=require",
		"WEBHOOK_KEY=***",
		"GONG_ACCESS_KEY=***",
		"GONG_ACCESS_KEY_SECRET=***",
		"GONG_OAUTH_CLIENT_ID=client-id",
		"GONG_OAUTH_CLIENT_SECRET=***",
		"PLANHAT_API_TOKEN=***",
		"ADMIN_TOKEN=***",
		"TOKEN_ENCRYPTION_KEY=***",
		"GONG_RATE_LIMIT=0.5",
		"INTERNAL_DOMAINS=acme.com,acme.co.uk",
		"SYNC_PRIVATE_CALLS=true",
		"COMPANY_CACHE_TTL=1m30s",
		"RECONCILE_INTERVAL=15m",
		"WEBHOOK_MAX_BYTES=1048576",
	} {
		assert.Contains(t, lines, want)
	}
}

func TestPrintDefaults(t *testing.T) {
	c := mustLoad(t, minimalEnv())
	var out bytes.Buffer
	c.Print(&out)
	lines := strings.Split(out.String(), "\n")
	for _, want := range []string{
		"LISTEN_ADDR=:8080",
		"PUBLIC_URL=",
		"DATABASE_URL=sqlite:data/gongsync.db",
		"ADMIN_TOKEN=", // unset secret: empty, not ***
		"GONG_RATE_LIMIT=2",
		"RECHECK_MIN=5m",
		"RECHECK_MAX=1h",
		"SUMMARY_MAX_WAIT=72h",
		"RECONCILE_INTERVAL=0",
		"JOB_TIMEOUT=30s",
		"SYNC_PRIVATE_CALLS=false",
	} {
		assert.Contains(t, lines, want)
	}
}

func TestPrintQuotesMultiLineValues(t *testing.T) {
	c := mustLoad(t, with(map[string]string{"PUBLIC_URL": "https://g.example.com", "GONG_WEBHOOK_PUBLIC_KEY": publicKeyPEM(t)}))
	var out bytes.Buffer
	c.Print(&out)
	assert.Len(t, strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n"), len(fields))
	assert.Contains(t, out.String(), `GONG_WEBHOOK_PUBLIC_KEY="-----BEGIN PUBLIC KEY-----\n`)
}

func TestRedactedDatabaseURL(t *testing.T) {
	for _, test := range []struct {
		name, in, want string
	}{
		{"SQLite", "sqlite:data/gongsync.db", "sqlite:data/gongsync.db"},
		{"NoPassword", "postgres://gs@db/gongsync", "postgres://gs@db/gongsync"},
		{"UserInfo", "postgres://gs:" + testDBPassword + "@db:5432/gongsync", "postgres://gs:***@db:5432/gongsync"},
		{"EscapedPassword", "postgresql://gs:p%40ss%2Fw0rd@db/gongsync", "postgresql://gs:***@db/gongsync"},
		{"QueryPassword", "postgres://db/gongsync?user=gs&password=" + testDBPassword + "&sslmode=disable", "postgres://db/gongsync?user=gs&password=***&sslmode=disable"},
		{"Unparsable", "postgres://gs:" + testDBPassword + "@db:port/x", "***"},
	} {
		t.Run(test.name, func(t *testing.T) {
			c := Config{DatabaseURL: test.in}
			var got Setting
			for _, s := range c.Redacted() {
				if s.Name == "DATABASE_URL" {
					got = s
				}
			}
			assert.Equal(t, test.want, got.Value)
			assert.True(t, got.Secret)
		})
	}
}

func TestRedacted(t *testing.T) {
	c := mustLoad(t, fullEnv(t))
	settings := c.Redacted()
	require.Len(t, settings, len(fields))
	for i, s := range settings {
		assert.Equal(t, fields[i].name, s.Name, "declaration order")
		for _, secret := range allSecrets {
			assert.NotContains(t, s.Value, secret, s.Name)
		}
	}
	assert.Equal(t, Setting{
		Name:        "PLANHAT_API_TOKEN",
		Value:       "***",
		Description: "Planhat private-app token, sent as Authorization: Bearer",
		Secret:      true,
		Required:    true,
	}, settings[16])
}

func TestVariables(t *testing.T) {
	vars := Variables()
	require.Len(t, vars, 40)
	secret := map[string]bool{}
	seen := map[string]bool{}
	for _, v := range vars {
		assert.False(t, seen[v.Name], "%s declared twice", v.Name)
		seen[v.Name] = true
		assert.NotEmpty(t, v.Description, v.Name)
		assert.Empty(t, v.Value, v.Name)
		secret[v.Name] = v.Secret
	}
	for _, name := range []string{
		"DATABASE_URL", "WEBHOOK_KEY", "GONG_ACCESS_KEY", "GONG_ACCESS_KEY_SECRET",
		"GONG_OAUTH_CLIENT_SECRET", "PLANHAT_API_TOKEN", "ADMIN_TOKEN", "TOKEN_ENCRYPTION_KEY",
	} {
		assert.True(t, secret[name], "%s must be secret", name)
		delete(secret, name)
	}
	for name, isSecret := range secret {
		assert.False(t, isSecret, "%s should not be secret", name)
	}
	assert.Equal(t, Setting{Name: "LISTEN_ADDR", Default: ":8080", Description: "HTTP listen address (host:port)"}, vars[0])
}

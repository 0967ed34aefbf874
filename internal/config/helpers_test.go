package config

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"maps"
	"reflect"
	"slices"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
)

// Secret values used by the tests; none may ever show up in output.
const (
	testWebhookKey   = "wk-0123456789abcdef0123456789abcdef"
	testAccessKey    = "AK-SECRET-ACCESS-KEY"
	testAccessSecret = "AKS-SECRET-ACCESS-KEY-SECRET"
	testOAuthSecret  = "OAUTH-SECRET-CLIENT-SECRET"
	testPlanhatToken = "PH-SECRET-PLANHAT-TOKEN"
	testAdminToken   = "ADMIN-SECRET-TOKEN"
	testDBPassword   = "DB-SECRET-PASSWORD"
)

// testTokenKey is base64 of 32 bytes.
var testTokenKey = base64.StdEncoding.EncodeToString([]byte("0123456789abcdef0123456789abcdef"))

// getenv turns a map into the getenv that Load takes.
func getenv(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

// minimalEnv is the smallest valid environment: the three required settings.
func minimalEnv() map[string]string {
	return map[string]string{
		"PLANHAT_API_TOKEN":      testPlanhatToken,
		"GONG_ACCESS_KEY":        testAccessKey,
		"GONG_ACCESS_KEY_SECRET": testAccessSecret,
		"WEBHOOK_KEY":            testWebhookKey,
	}
}

// with returns a copy of minimalEnv with the given changes; "" unsets.
func with(changes map[string]string) map[string]string {
	m := minimalEnv()
	maps.Copy(m, changes)
	return m
}

var testRSAKey = sync.OnceValue(func() *rsa.PrivateKey {
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		panic(err)
	}
	return k
})

// publicKeyBase64 is the public key as Gong shows it: bare base64 DER.
func publicKeyBase64(tb testing.TB) string {
	tb.Helper()
	der, err := x509.MarshalPKIXPublicKey(&testRSAKey().PublicKey)
	require.NoError(tb, err)
	return base64.StdEncoding.EncodeToString(der)
}

func publicKeyPEM(tb testing.TB) string {
	tb.Helper()
	der, err := x509.MarshalPKIXPublicKey(&testRSAKey().PublicKey)
	require.NoError(tb, err)
	return string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}))
}

// mustLoad loads env and fails the test on any problem.
func mustLoad(tb testing.TB, env map[string]string) Config {
	tb.Helper()
	c, err := Load(getenv(env))
	require.NoError(tb, err)
	return c
}

// problems loads env and returns the problems by variable.
func problems(tb testing.TB, env map[string]string) map[string]string {
	tb.Helper()
	_, err := Load(getenv(env))
	require.Error(tb, err)
	var verr *ValidationError
	require.ErrorAs(tb, err, &verr)
	out := map[string]string{}
	for _, p := range verr.Problems {
		_, dup := out[p.Var]
		require.False(tb, dup, "%s reported twice", p.Var)
		out[p.Var] = p.Reason
	}
	return out
}

// keys returns the problem variables, sorted.
func keys(m map[string]string) []string {
	return slices.Sorted(maps.Keys(m))
}

func merge(a, b map[string]string) map[string]string {
	out := maps.Clone(a)
	maps.Copy(out, b)
	return out
}

func reflectValue(ptr any) reflect.Value {
	return reflect.ValueOf(ptr).Elem()
}

package gong_test

import (
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gongsync/gongsync/internal/gong"
	"github.com/gongsync/gongsync/internal/gong/gongtest"
)

const testWebhookURL = "https://gongsync.example.com/webhooks/gong"

var testNow = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// Generating RSA keys is slow under -race, so the tests share two.
var (
	keysOnce        sync.Once
	signingKey      *rsa.PrivateKey
	otherSigningKey *rsa.PrivateKey
)

func testKeys(tb testing.TB) (key, other *rsa.PrivateKey) {
	tb.Helper()
	keysOnce.Do(func() {
		signingKey = gongtest.NewSigningKey(tb)
		otherSigningKey = gongtest.NewSigningKey(tb)
	})
	return signingKey, otherSigningKey
}

func newTestVerifier(tb testing.TB) *gong.JWTVerifier {
	tb.Helper()
	key, _ := testKeys(tb)
	verifier, err := gong.NewJWTVerifier(&key.PublicKey, testWebhookURL, func() time.Time { return testNow })
	require.NoError(tb, err)
	return verifier
}

func bodyDigest(body []byte) string {
	sum := sha256.Sum256(body)
	return hex.EncodeToString(sum[:])
}

// signClaims signs arbitrary claims with any method and key, for the attacks.
func signClaims(tb testing.TB, method jwt.SigningMethod, key any, claims jwt.MapClaims) string {
	tb.Helper()
	token, err := jwt.NewWithClaims(method, claims).SignedString(key)
	require.NoError(tb, err)
	return token
}

func validClaims(body []byte) jwt.MapClaims {
	return jwt.MapClaims{"webhook_url": testWebhookURL, "body_sha256": bodyDigest(body), "exp": testNow.Add(time.Minute).Unix()}
}

func TestJWTVerifier_Accepts(t *testing.T) {
	key, _ := testKeys(t)
	verifier := newTestVerifier(t)
	body := []byte(`{"isTest":false,"callData":{"metaData":{"id":"1"}}}`)
	token := gongtest.SignWebhook(t, key, testWebhookURL, body, testNow.Add(time.Minute))

	for _, test := range []struct {
		name   string
		header string
	}{
		{name: "BareToken", header: token},
		{name: "BearerPrefix", header: "Bearer " + token},
		{name: "LowerCaseBearerManySpaces", header: "bearer   " + token},
		{name: "UpperCaseBearerTab", header: "BEARER\t" + token},
		{name: "SurroundingSpace", header: "  Bearer " + token + " "},
	} {
		t.Run(test.name, func(t *testing.T) {
			assert.NoError(t, verifier.Verify(test.header, body))
		})
	}

	t.Run("UpperCaseHexDigest", func(t *testing.T) {
		claims := validClaims(body)
		claims["body_sha256"] = strings.ToUpper(bodyDigest(body))
		assert.NoError(t, verifier.Verify(signClaims(t, jwt.SigningMethodRS256, key, claims), body))
	})
	t.Run("ExpiredWithinLeeway", func(t *testing.T) {
		token := gongtest.SignWebhook(t, key, testWebhookURL, body, testNow.Add(-gong.JWTLeeway/2))
		assert.NoError(t, verifier.Verify(token, body))
	})
	t.Run("ExtraClaimsIgnored", func(t *testing.T) {
		claims := validClaims(body)
		claims["iat"] = "not a number"
		claims["aud"] = 42
		claims["iss"] = map[string]any{"x": 1}
		assert.NoError(t, verifier.Verify(signClaims(t, jwt.SigningMethodRS256, key, claims), body))
	})
	for _, url := range []string{
		"https://gongsync.example.com/webhooks/gong/",
		"https://GongSync.Example.COM/webhooks/gong",
		"HTTPS://gongsync.example.com:443/webhooks/gong",
		"https://gongsync.example.com/webhooks/gong?rule=42",
		"https://gongsync.example.com/webhooks/gong#frag",
	} {
		t.Run("WebhookURL "+url, func(t *testing.T) {
			claims := validClaims(body)
			claims["webhook_url"] = url
			assert.NoError(t, verifier.Verify(signClaims(t, jwt.SigningMethodRS256, key, claims), body))
		})
	}
}

func TestJWTVerifier_Rejects(t *testing.T) {
	key, otherKey := testKeys(t)
	verifier := newTestVerifier(t)
	body := []byte(`{"isTest":false,"callData":{"metaData":{"id":"1"}}}`)
	publicDER, err := x509.MarshalPKIXPublicKey(&key.PublicKey)
	require.NoError(t, err)
	publicPEM := pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: publicDER})

	without := func(name string) jwt.MapClaims {
		claims := validClaims(body)
		delete(claims, name)
		return claims
	}
	with := func(name string, value any) jwt.MapClaims {
		claims := validClaims(body)
		claims[name] = value
		return claims
	}
	noneToken := signClaims(t, jwt.SigningMethodNone, jwt.UnsafeAllowNoneSignatureType, validClaims(body))
	valid := gongtest.SignWebhook(t, key, testWebhookURL, body, testNow.Add(time.Minute))

	for _, test := range []struct {
		name   string
		header string
		body   []byte
	}{
		{name: "TamperedBody", header: valid, body: []byte(`{"isTest":false,"callData":{"metaData":{"id":"2"}}}`)},
		{name: "BodyWithExtraNewline", header: valid, body: append(append([]byte{}, body...), '\n')},
		{name: "Expired", header: gongtest.SignWebhook(t, key, testWebhookURL, body, testNow.Add(-gong.JWTLeeway-time.Second))},
		{name: "OtherHost", header: gongtest.SignWebhook(t, key, "https://evil.example.com/webhooks/gong", body, testNow.Add(time.Minute))},
		{name: "OtherPath", header: gongtest.SignWebhook(t, key, "https://gongsync.example.com/webhooks/other", body, testNow.Add(time.Minute))},
		{name: "PathPrefixOnly", header: gongtest.SignWebhook(t, key, "https://gongsync.example.com/webhooks", body, testNow.Add(time.Minute))},
		{name: "PlainHTTP", header: gongtest.SignWebhook(t, key, "http://gongsync.example.com/webhooks/gong", body, testNow.Add(time.Minute))},
		{name: "OtherPort", header: gongtest.SignWebhook(t, key, "https://gongsync.example.com:8443/webhooks/gong", body, testNow.Add(time.Minute))},
		{name: "RelativeURL", header: signClaims(t, jwt.SigningMethodRS256, key, with("webhook_url", "/webhooks/gong"))},
		{name: "WrongKey", header: gongtest.SignWebhook(t, otherKey, testWebhookURL, body, testNow.Add(time.Minute))},
		{name: "AlgNone", header: noneToken},
		{name: "AlgNoneWithBearer", header: "Bearer " + noneToken},
		{name: "HS256", header: signClaims(t, jwt.SigningMethodHS256, []byte("a shared secret"), validClaims(body))},
		{name: "HS256WithPublicKeyPEMAsSecret", header: signClaims(t, jwt.SigningMethodHS256, publicPEM, validClaims(body))},
		{name: "HS256WithPublicKeyDERAsSecret", header: signClaims(t, jwt.SigningMethodHS256, publicDER, validClaims(body))},
		{name: "RS512", header: signClaims(t, jwt.SigningMethodRS512, key, validClaims(body))},
		{name: "PS256", header: signClaims(t, jwt.SigningMethodPS256, key, validClaims(body))},
		{name: "MissingExp", header: signClaims(t, jwt.SigningMethodRS256, key, without("exp"))},
		{name: "ExpNotANumber", header: signClaims(t, jwt.SigningMethodRS256, key, with("exp", "tomorrow"))},
		{name: "MissingBodySHA256", header: signClaims(t, jwt.SigningMethodRS256, key, without("body_sha256"))},
		{name: "BodySHA256OfOtherBody", header: signClaims(t, jwt.SigningMethodRS256, key, with("body_sha256", bodyDigest([]byte("{}"))))},
		{name: "BodySHA256Base64", header: signClaims(t, jwt.SigningMethodRS256, key, with("body_sha256", "ZGlnZXN0"))},
		{name: "MissingWebhookURL", header: signClaims(t, jwt.SigningMethodRS256, key, without("webhook_url"))},
		{name: "NotYetValid", header: signClaims(t, jwt.SigningMethodRS256, key, with("nbf", testNow.Add(time.Hour).Unix()))},
		{name: "Empty", header: ""},
		{name: "BearerOnly", header: "Bearer "},
		{name: "BasicScheme", header: "Basic " + valid},
		{name: "Garbage", header: "not.a.jwt"},
		{name: "SignatureStripped", header: valid[:strings.LastIndex(valid, ".")+1]},
		{name: "SignatureNonCanonicalBase64", header: withNonCanonicalLastChar(valid)},
	} {
		t.Run(test.name, func(t *testing.T) {
			deliveredBody := body
			if test.body != nil {
				deliveredBody = test.body
			}
			err := verifier.Verify(test.header, deliveredBody)
			require.ErrorIs(t, err, gong.ErrUnauthorized)
			if token := strings.TrimSpace(strings.TrimPrefix(test.header, "Bearer ")); token != "" {
				assert.NotContains(t, err.Error(), token, "the reason must not echo the token")
			}
		})
	}
}

func TestNewJWTVerifier_Config(t *testing.T) {
	key, _ := testKeys(t)
	_, err := gong.NewJWTVerifier(nil, testWebhookURL, nil)
	assert.Error(t, err)
	_, err = gong.NewJWTVerifier(&key.PublicKey, "gongsync.example.com/webhooks/gong", nil)
	assert.Error(t, err)
	_, err = gong.NewJWTVerifier(&key.PublicKey, "ftp://gongsync.example.com/webhooks/gong", nil)
	assert.Error(t, err)
	verifier, err := gong.NewJWTVerifier(&key.PublicKey, "https://gongsync.example.com/webhooks/gong/", nil)
	require.NoError(t, err, "a trailing slash in PUBLIC_URL is fine")
	body := []byte(`{}`)
	assert.NoError(t, verifier.Verify(gongtest.SignWebhook(t, key, testWebhookURL, body, time.Now().Add(time.Minute)), body),
		"nil now means the real clock")
}

func TestParsePublicKey(t *testing.T) {
	key, _ := testKeys(t)
	bare, err := gongtest.EncodePublicKey(&key.PublicKey)
	require.NoError(t, err)
	der, err := x509.MarshalPKIXPublicKey(&key.PublicKey)
	require.NoError(t, err)
	pemKey := string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}))
	pkcs1 := string(pem.EncodeToMemory(&pem.Block{Type: "RSA PUBLIC KEY", Bytes: x509.MarshalPKCS1PublicKey(&key.PublicKey)}))
	wrapped := ""
	for i := 0; i < len(bare); i += 64 {
		wrapped += bare[i:min(i+64, len(bare))] + "\n"
	}

	for _, test := range []struct{ name, input string }{
		{name: "BareBase64DER", input: bare},
		{name: "BareBase64WithLineBreaks", input: wrapped},
		{name: "BareBase64WithSpaces", input: "  " + bare + "\n"},
		{name: "PEMPublicKey", input: pemKey},
		{name: "PEMWithEscapedNewlinesTrimmed", input: "\n" + pemKey + "\n"},
		{name: "PEMRSAPublicKey", input: pkcs1},
	} {
		t.Run(test.name, func(t *testing.T) {
			parsed, err := gong.ParsePublicKey(test.input)
			require.NoError(t, err)
			assert.True(t, parsed.Equal(&key.PublicKey))
		})
	}

	privatePEM := string(pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)}))
	for _, test := range []struct{ name, input string }{
		{name: "Empty", input: " "},
		{name: "NotBase64", input: "not base64 at all!"},
		{name: "Base64NotDER", input: "aGVsbG8gd29ybGQ="},
		{name: "PrivateKeyPEM", input: privatePEM},
		{name: "BrokenPEM", input: "-----BEGIN PUBLIC KEY-----\nAAAA\n"},
	} {
		t.Run("Rejects"+test.name, func(t *testing.T) {
			_, err := gong.ParsePublicKey(test.input)
			require.Error(t, err)
			assert.NotContains(t, err.Error(), "MII", "no key material in errors")
		})
	}
}

func FuzzVerifyJWT(f *testing.F) {
	key, _ := testKeys(f)
	verifier := newTestVerifier(f)
	body := []byte(`{"isTest":false,"callData":{"metaData":{"id":"1"}}}`)
	valid := gongtest.SignWebhook(f, key, testWebhookURL, body, testNow.Add(time.Minute))
	header, claims, signature := splitJWT(valid)

	// The valid pair is the one input that must verify; every mutation of it
	// must not.
	f.Add("Bearer "+valid, body)
	f.Add(valid, []byte(`{"isTest":false,"callData":{"metaData":{"id":"2"}}}`))
	f.Add(valid+"x", body)
	f.Add(header+"."+claims+"."+signature[1:], body)
	f.Add(header+"."+claims+".", body)
	f.Add("eyJhbGciOiJub25lIn0."+claims+".", body)
	f.Add("eyJhbGciOiJIUzI1NiJ9."+claims+"."+signature, body)
	f.Add("", []byte{})
	f.Add("Bearer", []byte("{}"))
	f.Add("a.b.c", []byte("{}"))
	f.Fuzz(func(t *testing.T, authorization string, rawBody []byte) {
		err := verifier.Verify(authorization, rawBody)
		if err == nil {
			token := strings.TrimSpace(authorization)
			if len(token) >= 6 && strings.EqualFold(token[:6], "bearer") {
				token = strings.TrimSpace(token[6:])
			}
			if token != valid || string(rawBody) != string(body) {
				t.Fatalf("verified a token that was not signed for this body: %q", authorization)
			}
		}
	})
}

// withNonCanonicalLastChar sets the unused low bits of the signature's last
// base64 character: lax decoders read the same bytes, so without strict
// decoding one signature would have several spellings.
func withNonCanonicalLastChar(token string) string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	last := strings.IndexByte(alphabet, token[len(token)-1])
	return token[:len(token)-1] + string(alphabet[last|0b1111])
}

func splitJWT(token string) (header, claims, signature string) {
	parts := strings.SplitN(token, ".", 3)
	return parts[0], parts[1], parts[2]
}

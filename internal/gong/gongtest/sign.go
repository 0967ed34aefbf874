package gongtest

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// WebhookToken signs a delivery the way Gong's "Signed JWT header" does:
// RS256 over {webhook_url, body_sha256 (lower-case hex of body), exp}.
func WebhookToken(key *rsa.PrivateKey, webhookURL string, body []byte, exp time.Time) (string, error) {
	digest := sha256.Sum256(body)
	token := jwt.NewWithClaims(jwt.SigningMethodRS256, jwt.MapClaims{
		"webhook_url": webhookURL,
		"body_sha256": hex.EncodeToString(digest[:]),
		"exp":         exp.Unix(),
	})
	return token.SignedString(key)
}

// SignWebhook is WebhookToken for tests: it returns the JWT to put in the
// Authorization header and fails tb on error.
func SignWebhook(tb testing.TB, key *rsa.PrivateKey, webhookURL string, body []byte, exp time.Time) string {
	tb.Helper()
	token, err := WebhookToken(key, webhookURL, body, exp)
	if err != nil {
		tb.Fatalf("gongtest: signing webhook: %v", err)
	}
	return token
}

// NewSigningKey returns a fresh 2048-bit RSA key, like an automation rule's.
func NewSigningKey(tb testing.TB) *rsa.PrivateKey {
	tb.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		tb.Fatalf("gongtest: generating an RSA key: %v", err)
	}
	return key
}

// EncodePublicKey renders a public key as Gong's "Show public key" does: the
// base64 of its DER SubjectPublicKeyInfo, without PEM armour. Use it as
// GONG_WEBHOOK_PUBLIC_KEY.
func EncodePublicKey(key *rsa.PublicKey) (string, error) {
	der, err := x509.MarshalPKIXPublicKey(key)
	if err != nil {
		return "", err
	}
	return base64.StdEncoding.EncodeToString(der), nil
}

package gong

import (
	"crypto/rsa"
	"crypto/sha256"
	"crypto/subtle"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"net"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// ErrUnauthorized is every failure of JWTVerifier.Verify. The wrapped reason
// is for logs; the HTTP answer is the same whatever the cause.
var ErrUnauthorized = errors.New("webhook signature rejected")

// JWTLeeway is the clock skew tolerated on exp (and nbf): Gong's clock and
// ours may differ by a few seconds, and a replay inside this window is
// harmless because deliveries are idempotent on the call id.
const JWTLeeway = 30 * time.Second

// signingAlgorithm is the only algorithm Gong uses; accepting any other
// (none, HS256 with the public key as secret, …) would let anyone sign.
const signingAlgorithm = "RS256"

// webhookClaims are the claims Gong's "Signed JWT header" carries. Only exp
// and nbf of the registered claims are checked, so an unusual iat, iss or aud
// cannot break verification.
type webhookClaims struct {
	ExpiresAt  *jwt.NumericDate `json:"exp,omitempty"`
	NotBefore  *jwt.NumericDate `json:"nbf,omitempty"`
	BodySHA256 string           `json:"body_sha256"`
	WebhookURL string           `json:"webhook_url"`
}

func (c *webhookClaims) GetExpirationTime() (*jwt.NumericDate, error) { return c.ExpiresAt, nil }
func (c *webhookClaims) GetNotBefore() (*jwt.NumericDate, error)      { return c.NotBefore, nil }
func (c *webhookClaims) GetIssuedAt() (*jwt.NumericDate, error)       { return nil, nil }
func (c *webhookClaims) GetIssuer() (string, error)                   { return "", nil }
func (c *webhookClaims) GetSubject() (string, error)                  { return "", nil }
func (c *webhookClaims) GetAudience() (jwt.ClaimStrings, error)       { return nil, nil }

// JWTVerifier checks the Authorization header of a "Signed JWT header"
// delivery against the rule's public key and this service's webhook URL.
type JWTVerifier struct {
	publicKey  *rsa.PublicKey
	webhookURL comparableURL
	parser     *jwt.Parser
}

// NewJWTVerifier returns a verifier. webhookURL is PUBLIC_URL +
// "/webhooks/gong", the address Gong signs into the webhook_url claim; now
// may be nil (time.Now).
func NewJWTVerifier(publicKey *rsa.PublicKey, webhookURL string, now func() time.Time) (*JWTVerifier, error) {
	if publicKey == nil {
		return nil, errors.New("gong webhook JWT: no public key")
	}
	want, err := parseComparableURL(webhookURL)
	if err != nil {
		return nil, fmt.Errorf("gong webhook JWT: webhook URL: %w", err)
	}
	if now == nil {
		now = time.Now
	}
	return &JWTVerifier{
		publicKey:  publicKey,
		webhookURL: want,
		parser: jwt.NewParser(
			jwt.WithValidMethods([]string{signingAlgorithm}),
			jwt.WithExpirationRequired(),
			jwt.WithLeeway(JWTLeeway),
			jwt.WithTimeFunc(now),
			// One signature, one spelling: lax base64 would accept variants
			// of the last character that decode to the same bytes.
			jwt.WithStrictDecoding(),
		),
	}, nil
}

// bearerPrefix matches an optional "Bearer" scheme in any case with any
// spacing: whether Gong sends it is not documented.
var bearerPrefix = regexp.MustCompile(`^(?i:bearer)\s+`)

// Verify checks the Authorization header value for rawBody, exactly as
// received: an RS256 signature by the public key, exp in the future (within
// JWTLeeway), body_sha256 equal to the hex SHA-256 of rawBody and
// webhook_url naming this service's webhook. Any failure is ErrUnauthorized;
// the wrapped reason never contains the token.
func (v *JWTVerifier) Verify(authorizationHeader string, rawBody []byte) error {
	token := strings.TrimSpace(authorizationHeader)
	token = bearerPrefix.ReplaceAllString(token, "")
	if token == "" {
		return fmt.Errorf("%w: no Authorization header", ErrUnauthorized)
	}
	var claims webhookClaims
	_, err := v.parser.ParseWithClaims(token, &claims, func(t *jwt.Token) (any, error) {
		// WithValidMethods already refuses other algorithms; checking the
		// method's type too means the RSA key can never meet an HMAC verifier.
		if method, ok := t.Method.(*jwt.SigningMethodRSA); !ok || method.Alg() != signingAlgorithm {
			return nil, fmt.Errorf("unexpected signing method %v", t.Header["alg"])
		}
		return v.publicKey, nil
	})
	if err != nil {
		return fmt.Errorf("%w: %w", ErrUnauthorized, err)
	}
	if claims.BodySHA256 == "" {
		return fmt.Errorf("%w: claim body_sha256 is missing", ErrUnauthorized)
	}
	digest := sha256.Sum256(rawBody)
	want := hex.EncodeToString(digest[:])
	if subtle.ConstantTimeCompare([]byte(strings.ToLower(claims.BodySHA256)), []byte(want)) != 1 {
		return fmt.Errorf("%w: claim body_sha256 does not match the body", ErrUnauthorized)
	}
	if claims.WebhookURL == "" {
		return fmt.Errorf("%w: claim webhook_url is missing", ErrUnauthorized)
	}
	got, err := parseComparableURL(claims.WebhookURL)
	if err != nil || got != v.webhookURL {
		return fmt.Errorf("%w: claim webhook_url does not name this service's webhook", ErrUnauthorized)
	}
	return nil
}

// comparableURL is a URL reduced to what identifies a webhook destination:
// scheme, host with its default port dropped, and path without a trailing
// slash. Query, fragment and user info do not take part.
type comparableURL struct {
	scheme, host, path string
}

func parseComparableURL(raw string) (comparableURL, error) {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil {
		return comparableURL{}, errors.New("not a URL")
	}
	scheme := strings.ToLower(u.Scheme)
	if (scheme != "https" && scheme != "http") || u.Host == "" {
		return comparableURL{}, errors.New("not an absolute http(s) URL")
	}
	host, port := strings.ToLower(u.Hostname()), u.Port()
	if (scheme == "https" && port == "443") || (scheme == "http" && port == "80") {
		port = ""
	}
	if port != "" {
		host = net.JoinHostPort(host, port)
	} else if strings.Contains(host, ":") {
		host = "[" + host + "]" // an IPv6 literal keeps its brackets
	}
	return comparableURL{scheme: scheme, host: host, path: strings.TrimRight(u.Path, "/")}, nil
}

// ParsePublicKey reads the rule's public key as Gong's "Show public key"
// hands it out (bare base64 of the DER SubjectPublicKeyInfo, line breaks
// allowed) or as PEM ("PUBLIC KEY", or PKCS #1 "RSA PUBLIC KEY"). It must be
// an RSA key.
func ParsePublicKey(s string) (*rsa.PublicKey, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil, errors.New("public key is empty")
	}
	var parsed any
	if strings.HasPrefix(s, "-----BEGIN") {
		block, _ := pem.Decode([]byte(s))
		if block == nil {
			return nil, errors.New("public key: PEM block could not be decoded")
		}
		var err error
		switch block.Type {
		case "PUBLIC KEY":
			parsed, err = x509.ParsePKIXPublicKey(block.Bytes)
		case "RSA PUBLIC KEY":
			parsed, err = x509.ParsePKCS1PublicKey(block.Bytes)
		default:
			return nil, fmt.Errorf("public key: PEM block is %q, want \"PUBLIC KEY\"", block.Type)
		}
		if err != nil {
			return nil, fmt.Errorf("public key: %w", err)
		}
	} else {
		der, err := decodeBase64(strings.Join(strings.Fields(s), ""))
		if err != nil {
			return nil, errors.New("public key: neither PEM nor base64")
		}
		if parsed, err = x509.ParsePKIXPublicKey(der); err != nil {
			return nil, fmt.Errorf("public key: not a DER SubjectPublicKeyInfo: %w", err)
		}
	}
	key, ok := parsed.(*rsa.PublicKey)
	if !ok {
		return nil, fmt.Errorf("public key: is %T, want an RSA key (Gong signs with RS256)", parsed)
	}
	if key.N.BitLen() < minRSABits {
		return nil, fmt.Errorf("public key: RSA key has %d bits, want at least %d", key.N.BitLen(), minRSABits)
	}
	return key, nil
}

// minRSABits is the smallest key crypto/rsa verifies with by default.
const minRSABits = 1024

func decodeBase64(s string) ([]byte, error) {
	for _, encoding := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if der, err := encoding.DecodeString(s); err == nil {
			return der, nil
		}
	}
	return nil, errors.New("not base64")
}

package config

import (
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"strings"
)

// minRSABits is the smallest key crypto/rsa will verify with by default.
const minRSABits = 1024

// ParseRSAPublicKey reads the public key that Gong shows for a webhook rule:
// the bare base64 of a DER SubjectPublicKeyInfo (line breaks and spaces
// allowed, as after a copy from the browser), or a PEM block "PUBLIC KEY"
// (or "RSA PUBLIC KEY", PKCS #1).
func ParseRSAPublicKey(s string) (*rsa.PublicKey, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil, errors.New("public key is empty")
	}
	var (
		pub any
		err error
	)
	if strings.HasPrefix(s, "-----BEGIN") {
		block, _ := pem.Decode([]byte(s))
		if block == nil {
			return nil, errors.New("public key: PEM block is malformed")
		}
		switch block.Type {
		case "PUBLIC KEY":
			pub, err = x509.ParsePKIXPublicKey(block.Bytes)
		case "RSA PUBLIC KEY":
			pub, err = x509.ParsePKCS1PublicKey(block.Bytes)
		default:
			return nil, fmt.Errorf("public key: PEM block is %q, want \"PUBLIC KEY\"", block.Type)
		}
	} else {
		der, decErr := decodeBase64(strings.Join(strings.Fields(s), ""))
		if decErr != nil {
			return nil, errors.New("public key is neither PEM nor base64")
		}
		pub, err = x509.ParsePKIXPublicKey(der)
	}
	if err != nil {
		return nil, fmt.Errorf("public key does not parse: %w", err)
	}
	key, ok := pub.(*rsa.PublicKey)
	if !ok {
		return nil, fmt.Errorf("public key is %T, want RSA (Gong signs with RS256)", pub)
	}
	if key.N.BitLen() < minRSABits {
		return nil, fmt.Errorf("RSA public key has %d bits, want at least %d", key.N.BitLen(), minRSABits)
	}
	return key, nil
}

func decodeBase64(s string) ([]byte, error) {
	if b, err := base64.StdEncoding.DecodeString(s); err == nil {
		return b, nil
	}
	return base64.RawStdEncoding.DecodeString(s)
}

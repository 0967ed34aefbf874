package config

import (
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseRSAPublicKey(t *testing.T) {
	want := &testRSAKey().PublicKey
	bare := publicKeyBase64(t)
	pkcs1 := string(pem.EncodeToMemory(&pem.Block{Type: "RSA PUBLIC KEY", Bytes: x509.MarshalPKCS1PublicKey(want)}))
	for _, test := range []struct {
		name string
		in   string
	}{
		{"BareBase64", bare},
		{"BareBase64Unpadded", strings.TrimRight(bare, "=")},
		{"BareBase64Wrapped", wrap(bare, 64) + "\n"}, // as copied from a browser
		{"PEM", publicKeyPEM(t)},
		{"PEMIndented", "\n  " + publicKeyPEM(t)},
		{"PEMPKCS1", pkcs1},
	} {
		t.Run(test.name, func(t *testing.T) {
			got, err := ParseRSAPublicKey(test.in)
			require.NoError(t, err)
			assert.True(t, want.Equal(got))
		})
	}
}

func TestParseRSAPublicKeyErrors(t *testing.T) {
	der, err := x509.MarshalPKIXPublicKey(&testRSAKey().PublicKey)
	require.NoError(t, err)
	for _, test := range []struct {
		name, in, want string
	}{
		{"Empty", "  ", "empty"},
		{"NotBase64", "this is not a key", "neither PEM nor base64"},
		{"NotDER", base64.StdEncoding.EncodeToString([]byte("hello")), "does not parse"},
		{"Truncated", base64.StdEncoding.EncodeToString(der[:len(der)/2]), "does not parse"},
		{"PEMWrongType", string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})), `"CERTIFICATE"`},
		{"PEMBroken", "-----BEGIN PUBLIC KEY-----\nAAAA", "PEM block is malformed"},
		{"ECDSA", ecdsaPublicKeyBase64(t), "want RSA"},
	} {
		t.Run(test.name, func(t *testing.T) {
			_, err := ParseRSAPublicKey(test.in)
			require.Error(t, err)
			assert.Contains(t, err.Error(), test.want)
		})
	}
}

func wrap(s string, width int) string {
	var lines []string
	for len(s) > width {
		lines = append(lines, s[:width])
		s = s[width:]
	}
	return strings.Join(append(lines, s), "\n")
}

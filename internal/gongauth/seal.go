package gongauth

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"strings"
)

// Sealed values carry their form in a prefix, so a database written without
// TOKEN_ENCRYPTION_KEY stays readable once one is set (the next save seals).
const (
	sealedPrefix = "gcm1."
	plainPrefix  = "plain."
)

// ErrUnsealable is a stored token that this process cannot read: sealed
// while TOKEN_ENCRYPTION_KEY is unset, or sealed with another key.
var ErrUnsealable = errors.New("the stored Gong OAuth tokens cannot be decrypted: TOKEN_ENCRYPTION_KEY is missing or not the key they were saved with")

// sealer seals tokens with AES-256-GCM when it has a key, and only marks
// them plain otherwise.
type sealer struct {
	aead cipher.AEAD // nil: no key
}

func newSealer(key []byte) (sealer, error) {
	if key == nil {
		return sealer{}, nil
	}
	if len(key) != 32 {
		return sealer{}, errors.New("TOKEN_ENCRYPTION_KEY must be 32 bytes")
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return sealer{}, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return sealer{}, err
	}
	return sealer{aead: aead}, nil
}

func (s sealer) encrypts() bool { return s.aead != nil }

// seal protects value; field (e.g. "refresh_token") is authenticated with
// it, so a sealed access token cannot be passed off as a refresh token.
func (s sealer) seal(field, value string) string {
	if value == "" {
		return ""
	}
	if s.aead == nil {
		return plainPrefix + value
	}
	nonce := make([]byte, s.aead.NonceSize())
	_, _ = rand.Read(nonce) // crypto/rand.Read never fails
	out := s.aead.Seal(nonce, nonce, []byte(value), additionalData(field))
	return sealedPrefix + base64.RawURLEncoding.EncodeToString(out)
}

func (s sealer) open(field, stored string) (string, error) {
	switch {
	case stored == "":
		return "", nil
	case strings.HasPrefix(stored, plainPrefix):
		return strings.TrimPrefix(stored, plainPrefix), nil
	case strings.HasPrefix(stored, sealedPrefix):
		if s.aead == nil {
			return "", ErrUnsealable
		}
		raw, err := base64.RawURLEncoding.DecodeString(strings.TrimPrefix(stored, sealedPrefix))
		if err != nil || len(raw) < s.aead.NonceSize() {
			return "", ErrUnsealable
		}
		nonce, sealed := raw[:s.aead.NonceSize()], raw[s.aead.NonceSize():]
		value, err := s.aead.Open(nil, nonce, sealed, additionalData(field))
		if err != nil {
			return "", ErrUnsealable
		}
		return string(value), nil
	}
	return "", ErrUnsealable
}

func additionalData(field string) []byte { return []byte("gongsync/gong-oauth/" + field) }

package gong_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gongsync/gongsync/internal/gong"
)

func readTestdata(tb testing.TB, name string) []byte {
	tb.Helper()
	body, err := os.ReadFile(filepath.Join("testdata", name))
	require.NoError(tb, err)
	return body
}

func TestParseWebhook_Samples(t *testing.T) {
	t.Run("ZulipDocPayload", func(t *testing.T) {
		payload, err := gong.ParseWebhook(readTestdata(t, "webhook_zulip_gong_payload.json"))
		require.NoError(t, err)
		assert.False(t, payload.IsTest)
		meta := payload.CallData.MetaData
		assert.Equal(t, "5599332235511222779", meta.ID)
		assert.Equal(t, "Ron/Speedman", meta.Title)
		assert.Equal(t, "2019-10-18T14:03:37.041977-07:00", meta.Started)
		assert.EqualValues(t, 2159, meta.Duration)
		assert.False(t, meta.IsPrivate)
		require.Len(t, payload.CallData.Parties, 2)
		assert.Equal(t, "deshon.white@acme.com", payload.CallData.Parties[0].EmailAddress)
		assert.Equal(t, gong.AffiliationInternal, payload.CallData.Parties[1].Affiliation)
		require.Len(t, payload.CallData.Context, 1)
		account := payload.CallData.Context[0].Objects[1]
		assert.Equal(t, "Account", account.ObjectType)
		assert.Equal(t, "0011630000vmLBaEEN", account.ObjectID)
		assert.False(t, payload.CallData.Content.HasSummary(), "webhooks carry no AI summary")
	})
	t.Run("AmplabsTestDelivery", func(t *testing.T) {
		payload, err := gong.ParseWebhook(readTestdata(t, "webhook_amplabs_call-created-test-delivery.json"))
		require.NoError(t, err)
		assert.True(t, payload.IsTest)
		assert.False(t, payload.IsPrivate)
		assert.Equal(t, "4570250816631531513", payload.CallData.MetaData.ID)
		assert.Equal(t, "2024-02-17T03:30:00-07:00", payload.CallData.MetaData.Started)
		require.Len(t, payload.CallData.Parties, 2)
		assert.Empty(t, payload.CallData.Parties[0].EmailAddress, "a phone caller has no email")
		assert.Equal(t, "internal.attendee@example.com", payload.CallData.Parties[1].EmailAddress)
	})
	t.Run("ZulipTestPayloadWithoutCallID", func(t *testing.T) {
		payload, err := gong.ParseWebhook(readTestdata(t, "webhook_zulip_gong_test_payload.json"))
		require.NoError(t, err)
		assert.True(t, payload.IsTest)
		assert.Empty(t, payload.CallData.MetaData.ID)
	})
}

func TestParseWebhook(t *testing.T) {
	for _, test := range []struct {
		name    string
		body    string
		wantID  string
		wantErr error
	}{
		{name: "StringID", body: `{"callData":{"metaData":{"id":"7782342274025937895"}}}`, wantID: "7782342274025937895"},
		{name: "TwentyDigitID", body: `{"callData":{"metaData":{"id":"99999999999999999999"}}}`, wantID: "99999999999999999999"},
		{name: "NumericIDKeptExactly", body: `{"callData":{"metaData":{"id":7782342274025937895}}}`, wantID: "7782342274025937895"},
		{name: "NumericTwentyDigitIDBeyondFloatPrecision", body: `{"callData":{"metaData":{"id":12345678901234567891}}}`, wantID: "12345678901234567891"},
		{name: "UnknownFieldsIgnored", body: `{"event":"x","callData":{"metaData":{"id":"1","newField":{"a":1}},"brandNew":[1]}}`, wantID: "1"},
		{name: "MistypedUncheckedFieldIgnored", body: `{"callData":{"metaData":{"id":"12","duration":"long","started":1518863400}}}`, wantID: "12"},

		{name: "TwentyOneDigitID", body: `{"callData":{"metaData":{"id":"123456789012345678901"}}}`, wantErr: gong.ErrInvalidCallID},
		{name: "NumericTwentyOneDigitID", body: `{"callData":{"metaData":{"id":123456789012345678901}}}`, wantErr: gong.ErrInvalidCallID},
		{name: "NonDigitID", body: `{"callData":{"metaData":{"id":"12a4"}}}`, wantErr: gong.ErrInvalidCallID},
		{name: "SignedID", body: `{"callData":{"metaData":{"id":"-12"}}}`, wantErr: gong.ErrInvalidCallID},
		{name: "NegativeNumericID", body: `{"callData":{"metaData":{"id":-12}}}`, wantErr: gong.ErrInvalidCallID},
		{name: "FractionalNumericID", body: `{"callData":{"metaData":{"id":12.0}}}`, wantErr: gong.ErrInvalidCallID},
		{name: "ExponentNumericID", body: `{"callData":{"metaData":{"id":1e5}}}`, wantErr: gong.ErrInvalidCallID},
		{name: "EmptyStringID", body: `{"callData":{"metaData":{"id":""}}}`, wantErr: gong.ErrInvalidCallID},
		{name: "SpacedID", body: `{"callData":{"metaData":{"id":" 12"}}}`, wantErr: gong.ErrInvalidCallID},
		{name: "UnicodeDigitID", body: `{"callData":{"metaData":{"id":"١٢٣"}}}`, wantErr: gong.ErrInvalidCallID},
		{name: "BoolID", body: `{"callData":{"metaData":{"id":true}}}`, wantErr: gong.ErrInvalidCallID},
		{name: "ObjectID", body: `{"callData":{"metaData":{"id":{"v":"1"}}}}`, wantErr: gong.ErrInvalidCallID},
		{name: "ArrayID", body: `{"callData":{"metaData":{"id":["1"]}}}`, wantErr: gong.ErrInvalidCallID},
		{name: "InvalidIDInTestDelivery", body: `{"isTest":true,"callData":{"metaData":{"id":"abc"}}}`, wantErr: gong.ErrInvalidCallID},

		{name: "MissingID", body: `{"isTest":false,"callData":{"metaData":{"title":"t"}}}`, wantErr: gong.ErrMissingCallID},
		{name: "NullID", body: `{"callData":{"metaData":{"id":null}}}`, wantErr: gong.ErrMissingCallID},
		{name: "MissingMetaData", body: `{"callData":{}}`, wantErr: gong.ErrMissingCallID},
		{name: "MissingCallData", body: `{"isTest":false}`, wantErr: gong.ErrMissingCallID},
		{name: "EmptyObject", body: `{}`, wantErr: gong.ErrMissingCallID},

		{name: "NotJSON", body: `hello`, wantErr: gong.ErrMalformedJSON},
		{name: "Empty", body: ``, wantErr: gong.ErrMalformedJSON},
		{name: "TruncatedJSON", body: `{"callData":{"metaData":{"id":"1"}}`, wantErr: gong.ErrMalformedJSON},
		{name: "TrailingGarbage", body: `{"callData":{"metaData":{"id":"1"}}} x`, wantErr: gong.ErrMalformedJSON},
		{name: "JSONArray", body: `[{"callData":{"metaData":{"id":"1"}}}]`, wantErr: gong.ErrMalformedJSON},
		{name: "JSONNull", body: `null`, wantErr: gong.ErrMalformedJSON},
		{name: "JSONString", body: `"1"`, wantErr: gong.ErrMalformedJSON},
		{name: "CallDataNotObject", body: `{"callData":[1]}`, wantErr: gong.ErrMalformedJSON},
		{name: "MetaDataNotObject", body: `{"callData":{"metaData":"1"}}`, wantErr: gong.ErrMalformedJSON},
		{name: "IsPrivateNotBool", body: `{"isPrivate":"yes","callData":{"metaData":{"id":"1"}}}`, wantErr: gong.ErrMalformedJSON},
		{name: "MetaIsPrivateNotBool", body: `{"callData":{"metaData":{"id":"1","isPrivate":1}}}`, wantErr: gong.ErrMalformedJSON},
		{name: "IsTestNotBool", body: `{"isTest":"true","callData":{}}`, wantErr: gong.ErrMalformedJSON},
	} {
		t.Run(test.name, func(t *testing.T) {
			payload, err := gong.ParseWebhook([]byte(test.body))
			if test.wantErr != nil {
				require.ErrorIs(t, err, test.wantErr)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, test.wantID, payload.CallData.MetaData.ID)
		})
	}
}

func TestParseWebhook_Private(t *testing.T) {
	for _, test := range []struct {
		name string
		body string
		want bool
	}{
		{name: "TopLevelMarksCallPrivate", body: `{"isPrivate":true,"callData":{"metaData":{"id":"1"}}}`, want: true},
		{name: "MetaDataPrivate", body: `{"callData":{"metaData":{"id":"1","isPrivate":true}}}`, want: true},
		{name: "TopLevelFalseKeepsMetaDataTrue", body: `{"isPrivate":false,"callData":{"metaData":{"id":"1","isPrivate":true}}}`, want: true},
		{name: "NeitherPrivate", body: `{"isPrivate":false,"callData":{"metaData":{"id":"1","isPrivate":false}}}`, want: false},
		{name: "Absent", body: `{"callData":{"metaData":{"id":"1"}}}`, want: false},
	} {
		t.Run(test.name, func(t *testing.T) {
			payload, err := gong.ParseWebhook([]byte(test.body))
			require.NoError(t, err)
			assert.Equal(t, test.want, payload.CallData.MetaData.IsPrivate)
		})
	}
}

func TestParseWebhook_ErrorsAreSafeToShow(t *testing.T) {
	secretish := `{"callData":{"metaData":{"id":"sk_live_do_not_echo"}}}`
	_, err := gong.ParseWebhook([]byte(secretish))
	require.Error(t, err)
	assert.NotContains(t, err.Error(), "sk_live")

	_, err = gong.ParseWebhook([]byte(`{"callData": nope}`))
	require.ErrorIs(t, err, gong.ErrMalformedJSON)
	assert.Contains(t, err.Error(), "offset")
}

func TestCheckURLKey(t *testing.T) {
	const key = "0123456789abcdef0123456789abcdef"
	assert.True(t, gong.CheckURLKey(key, key))
	assert.False(t, gong.CheckURLKey(key[:31], key))
	assert.False(t, gong.CheckURLKey(key+"x", key))
	assert.False(t, gong.CheckURLKey(strings.ToUpper(key), key))
	assert.False(t, gong.CheckURLKey("", key))
	assert.False(t, gong.CheckURLKey("", ""), "an unset key never matches")
	assert.False(t, gong.CheckURLKey("anything", ""))
}

func FuzzParseWebhook(f *testing.F) {
	for _, name := range []string{"webhook_zulip_gong_payload.json", "webhook_amplabs_call-created-test-delivery.json", "webhook_zulip_gong_test_payload.json"} {
		f.Add(readTestdata(f, name))
	}
	for _, seed := range []string{
		`{"callData":{"metaData":{"id":7782342274025937895}}}`,
		`{"callData":{"metaData":{"id":"123456789012345678901"}}}`,
		`{"isTest":true,"isPrivate":true,"callData":{"metaData":{"id":null}}}`,
		`{"callData":{"metaData":{"id":"1","ID":2}}}`,
		`[]`, `null`, `{"callData":"x"}`, "{\"callData\":{\"metaData\":{\"id\":\"\\u0031\"}}}",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		payload, err := gong.ParseWebhook(body)
		// The intake's cheaper check must accept and reject the same bodies.
		callID, isTest, idErr := gong.ParseWebhookID(body)
		if (err == nil) != (idErr == nil) || (err == nil && (callID != payload.CallData.MetaData.ID || isTest != payload.IsTest)) {
			t.Fatalf("ParseWebhookID (%q, %v, %v) disagrees with ParseWebhook (%q, %v, %v)",
				callID, isTest, idErr, payload.CallData.MetaData.ID, payload.IsTest, err)
		}
		if err != nil {
			if !errors.Is(err, gong.ErrMalformedJSON) && !errors.Is(err, gong.ErrMissingCallID) && !errors.Is(err, gong.ErrInvalidCallID) {
				t.Fatalf("error without a sentinel: %v", err)
			}
			return
		}
		id := payload.CallData.MetaData.ID
		if !payload.IsTest && !gong.IsCallID(id) {
			t.Fatalf("accepted a delivery with call id %q", id)
		}
		if id != "" && !gong.IsCallID(id) {
			t.Fatalf("accepted a test delivery with call id %q", id)
		}
		if payload.IsPrivate && !payload.CallData.MetaData.IsPrivate {
			t.Fatal("top-level isPrivate did not mark the call private")
		}
	})
}

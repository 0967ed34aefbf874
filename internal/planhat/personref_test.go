package planhat_test

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gongsync/gongsync/internal/planhat"
)

func TestPersonRefDecoding(t *testing.T) {
	for _, test := range []struct {
		name string
		json string
		want []planhat.PersonRef
	}{
		{"Objects", `[{"id":"a","name":"Ana","isOwner":true}]`, []planhat.PersonRef{{ID: "a", Name: "Ana"}}},
		{"BareIDs", `["a","b"]`, []planhat.PersonRef{{ID: "a"}, {ID: "b"}}},
		{"FieldOfAnotherType", `[{"id":"a","name":7}]`, []planhat.PersonRef{{ID: "a"}}},
		{"NumberInsteadOfRef", `[7,{"id":"b"}]`, []planhat.PersonRef{{}, {ID: "b"}}},
		{"Null", `[null]`, []planhat.PersonRef{{}}},
	} {
		t.Run(test.name, func(t *testing.T) {
			var got []planhat.PersonRef
			require.NoError(t, json.Unmarshal([]byte(test.json), &got))
			assert.Equal(t, test.want, got)
		})
	}
}

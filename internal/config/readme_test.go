package config

import (
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const regenerate = "run `go run ./internal/config/gen README.md` from the repository root"

// The README's configuration table must be exactly what the Config struct
// says, so the two cannot drift apart.
func TestREADMEConfigTable(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	require.NoError(t, err)
	got, err := readmeTable(string(readme))
	require.NoError(t, err, "add the markers %s and %s to README.md, then %s", tableStartMarker, tableEndMarker, regenerate)
	assert.Equal(t, strings.TrimSuffix(MarkdownTable(), "\n"), got, "README.md configuration table is stale (- Config struct, + README.md); %s", regenerate)
}

func TestMarkdownTable(t *testing.T) {
	table := MarkdownTable()
	lines := strings.Split(strings.TrimSuffix(table, "\n"), "\n")
	require.Len(t, lines, 2+len(fields))
	assert.Equal(t, "| variable | default | meaning |", lines[0])
	assert.Equal(t, "| --- | --- | --- |", lines[1])
	assert.Contains(t, lines, "| `LISTEN_ADDR` | `:8080` | HTTP listen address (host:port) |")
	assert.Contains(t, lines, "| `PLANHAT_API_TOKEN` | – (required) | Planhat private-app token, sent as Authorization: Bearer |")
	assert.Contains(t, lines, "| `WEBHOOK_KEY` | – | the secret in the webhook URL /webhooks/gong/KEY; at least 32 characters |")
}

func TestRewriteREADME(t *testing.T) {
	in := "# Title\n\nText.\n\n" + tableStartMarker + "\nold table\n" + tableEndMarker + "\n\nMore.\n"
	out, err := RewriteREADME(in)
	require.NoError(t, err)
	assert.Equal(t, "# Title\n\nText.\n\n"+tableStartMarker+"\n\n"+MarkdownTable()+"\n"+tableEndMarker+"\n\nMore.\n", out)

	again, err := RewriteREADME(out)
	require.NoError(t, err)
	assert.Equal(t, out, again, "idempotent")

	table, err := readmeTable(out)
	require.NoError(t, err)
	assert.Equal(t, strings.TrimSuffix(MarkdownTable(), "\n"), table)

	for _, broken := range []string{"no markers", tableEndMarker + "\n" + tableStartMarker, tableStartMarker + " only"} {
		_, err := RewriteREADME(broken)
		assert.Error(t, err, broken)
	}
}

package config

import (
	"errors"
	"strings"
)

// The README's configuration table sits between these markers;
// `go run ./internal/config/gen README.md` rewrites it from MarkdownTable.
const (
	tableStartMarker = "<!-- config-table:start -->"
	tableEndMarker   = "<!-- config-table:end -->"
)

// MarkdownTable renders the README configuration table (variable, default,
// meaning) from Variables.
func MarkdownTable() string {
	var b strings.Builder
	b.WriteString("| variable | default | meaning |\n| --- | --- | --- |\n")
	for _, v := range Variables() {
		def := "–"
		if v.Default != "" {
			def = "`" + v.Default + "`"
		}
		if v.Required {
			def += " (required)"
		}
		desc := strings.ReplaceAll(v.Description, "|", `\|`)
		b.WriteString("| `" + v.Name + "` | " + def + " | " + desc + " |\n")
	}
	return b.String()
}

// RewriteREADME returns readme with the text between the table markers
// replaced by MarkdownTable. Blank lines around the table keep Markdown from
// reading a marker as part of it.
func RewriteREADME(readme string) (string, error) {
	start, end, err := tableBounds(readme)
	if err != nil {
		return "", err
	}
	return readme[:start] + "\n\n" + MarkdownTable() + "\n" + readme[end:], nil
}

// readmeTable returns the text between the markers, without the blank lines
// that surround it.
func readmeTable(readme string) (string, error) {
	start, end, err := tableBounds(readme)
	if err != nil {
		return "", err
	}
	return strings.Trim(readme[start:end], "\n"), nil
}

// tableBounds returns the byte offsets just after the start marker and at
// the end marker.
func tableBounds(readme string) (start, end int, err error) {
	i := strings.Index(readme, tableStartMarker)
	j := strings.Index(readme, tableEndMarker)
	if i < 0 || j < 0 || j < i {
		return 0, 0, errors.New("README has no " + tableStartMarker + " … " + tableEndMarker + " section")
	}
	return i + len(tableStartMarker), j, nil
}

package console

import (
	"bytes"
	"encoding/json"
)

func indentJSON(out *bytes.Buffer, b []byte) error { return json.Indent(out, b, "", "  ") }

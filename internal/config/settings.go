package config

import (
	"fmt"
	"io"
	"net/url"
	"reflect"
	"strconv"
	"strings"
	"time"
)

// Setting is one variable as an operator sees it.
type Setting struct {
	Name        string
	Value       string // safe to print: a secret's value is already masked
	Default     string // "" when there is none
	Description string
	Secret      bool // the variable holds a secret (for DATABASE_URL: its password)
	Required    bool
}

// mask replaces a secret value when printed.
const mask = "***"

// Variables lists every variable in declaration order, with its default and
// meaning, straight from the Config struct tags.
func Variables() []Setting {
	out := make([]Setting, len(fields))
	for i, f := range fields {
		out[i] = Setting{
			Name:        f.name,
			Default:     f.def,
			Description: f.desc,
			Secret:      f.secret != public,
			Required:    f.required,
		}
	}
	return out
}

// Redacted lists the effective settings in declaration order. A set secret
// reads "***" and an unset one "", and DATABASE_URL shows everything but its
// password.
func (c Config) Redacted() []Setting {
	out := Variables()
	v := reflect.ValueOf(c)
	for i, f := range fields {
		value := formatValue(v.Field(f.index))
		switch {
		case value == "":
		case f.secret == wholeSecret:
			value = mask
		case f.secret == passwordOnly:
			value = redactURLPassword(value)
		}
		out[i].Value = value
	}
	return out
}

// Print writes one NAME=value line per variable: the output of
// `gongsync config`. A value with line breaks or other control characters
// (a PEM key) is quoted so that every variable stays on one line.
func (c Config) Print(w io.Writer) {
	var b strings.Builder
	for _, s := range c.Redacted() {
		value := s.Value
		if strings.ContainsFunc(value, func(r rune) bool { return r < ' ' || r == 0x7f }) {
			value = strconv.Quote(value)
		}
		fmt.Fprintf(&b, "%s=%s\n", s.Name, value)
	}
	// One write; a failing stdout has nowhere better to be reported.
	_, _ = io.WriteString(w, b.String())
}

// formatValue renders a field the way an operator would write it.
func formatValue(v reflect.Value) string {
	switch x := v.Interface().(type) {
	case string:
		return x
	case bool:
		return strconv.FormatBool(x)
	case int:
		return strconv.Itoa(x)
	case int64:
		return strconv.FormatInt(x, 10)
	case float64:
		return strconv.FormatFloat(x, 'g', -1, 64)
	case time.Duration:
		return formatDuration(x)
	case []string:
		return strings.Join(x, ",")
	default:
		panic("config: unsupported field type " + v.Type().String())
	}
}

// formatDuration drops the zero units that time.Duration.String adds, so the
// defaults print as written: 5m, 1h, 72h rather than 5m0s, 1h0m0s, 72h0m0s.
func formatDuration(d time.Duration) string {
	if d == 0 {
		return "0"
	}
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}

// redactURLPassword masks the password of a URL, in its user info and in a
// password query parameter (pgx reads both). A value that does not parse is
// masked whole: there is no telling where its password is.
func redactURLPassword(s string) string {
	if !strings.Contains(s, "://") {
		return s // sqlite:PATH has no password
	}
	u, err := url.Parse(s)
	if err != nil {
		return mask
	}
	// url.URL.String would escape a "***" password to %2A%2A%2A, so a
	// placeholder stands in for it until the end.
	const placeholder = "gongsync-redacted-password"
	if _, has := u.User.Password(); has {
		u.User = url.UserPassword(u.User.Username(), placeholder)
	}
	params := strings.Split(u.RawQuery, "&")
	for i, p := range params {
		key, _, _ := strings.Cut(p, "=")
		if k, err := url.QueryUnescape(key); err == nil && k == "password" {
			params[i] = key + "=" + placeholder
		}
	}
	u.RawQuery = strings.Join(params, "&")
	return strings.ReplaceAll(u.String(), placeholder, mask)
}

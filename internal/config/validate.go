package config

import (
	"encoding/base64"
	"errors"
	"fmt"
	"net"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gongsync/gongsync/internal/gong"
)

// Problem is one invalid or missing variable.
type Problem struct {
	Var    string
	Reason string
}

// ValidationError lists every problem found by Load, so an operator fixes
// them all in one round. Its text never contains a secret's value.
type ValidationError struct {
	Problems []Problem
}

func (e *ValidationError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "invalid configuration (%d problem", len(e.Problems))
	if len(e.Problems) != 1 {
		b.WriteString("s")
	}
	b.WriteString("):")
	for _, p := range e.Problems {
		fmt.Fprintf(&b, "\n  %s: %s", p.Var, p.Reason)
	}
	return b.String()
}

// newValidationError orders the problems as the variables are declared, so
// the message reads like the README table.
func newValidationError(problems []Problem) *ValidationError {
	order := func(name string) int {
		if f, ok := fieldByName(name); ok {
			return f.index
		}
		return len(fields)
	}
	slices.SortStableFunc(problems, func(a, b Problem) int {
		return order(a.Var) - order(b.Var)
	})
	return &ValidationError{Problems: problems}
}

// Gong and Planhat limits that a setting must not exceed.
const (
	gongMaxRate       = 3     // requests per second per company
	gongMaxDailyCalls = 10000 // requests per day per company
	planhatMaxRate    = 150   // Planhat's hard limit, requests per second
)

const minWebhookKeyLen = 32

// validate checks the parsed values. Variables in unparsed already have a
// problem and are not checked again; their zero value fails no cross-check
// either, since those compare only positive durations.
func (c Config) validate(unparsed map[string]bool) []Problem {
	var ps []Problem
	add := func(name, reason string) {
		if !unparsed[name] {
			ps = append(ps, Problem{Var: name, Reason: reason})
		}
	}

	if reason := checkListenAddr(c.ListenAddr); reason != "" {
		add("LISTEN_ADDR", reason)
	}

	// PUBLIC_URL: the JWT's webhook_url and the OAuth redirect are built from it.
	switch {
	case c.PublicURL != "":
		if reason := checkHTTPURL(c.PublicURL); reason != "" {
			add("PUBLIC_URL", reason)
		} else if u, _ := url.Parse(c.PublicURL); u.RawQuery != "" || u.ForceQuery || u.Fragment != "" {
			add("PUBLIC_URL", "must not have a query or fragment")
		}
	case c.GongWebhookPublicKey != "":
		add("PUBLIC_URL", "required when GONG_WEBHOOK_PUBLIC_KEY is set (the signed webhook_url is checked against it)")
	case c.GongOAuthClientID != "" || c.GongOAuthClientSecret != "":
		add("PUBLIC_URL", "required when the Gong OAuth client is set (the OAuth redirect URL is built from it)")
	}

	if reason := checkDatabaseURL(c.DatabaseURL); reason != "" {
		add("DATABASE_URL", reason)
	}

	// Webhook authentication: at least one of the two methods.
	if c.WebhookKey != "" {
		if reason := checkWebhookKey(c.WebhookKey); reason != "" {
			add("WEBHOOK_KEY", reason)
		}
	}
	if c.GongWebhookPublicKey != "" {
		if _, err := gong.ParsePublicKey(c.GongWebhookPublicKey); err != nil {
			add("GONG_WEBHOOK_PUBLIC_KEY", err.Error())
		}
	}
	if c.WebhookKey == "" && c.GongWebhookPublicKey == "" {
		add("WEBHOOK_KEY", "no webhook authentication: set WEBHOOK_KEY, or GONG_WEBHOOK_PUBLIC_KEY with PUBLIC_URL")
	}

	// Gong credential: a complete pair, and a half pair names its missing half.
	pair := func(aName, a, bName, b string) {
		switch {
		case a != "" && b == "":
			add(bName, "required because "+aName+" is set")
		case a == "" && b != "":
			add(aName, "required because "+bName+" is set")
		}
	}
	pair("GONG_ACCESS_KEY", c.GongAccessKey, "GONG_ACCESS_KEY_SECRET", c.GongAccessKeySecret)
	pair("GONG_OAUTH_CLIENT_ID", c.GongOAuthClientID, "GONG_OAUTH_CLIENT_SECRET", c.GongOAuthClientSecret)
	if c.GongAccessKey == "" && c.GongAccessKeySecret == "" && c.GongOAuthClientID == "" && c.GongOAuthClientSecret == "" {
		add("GONG_ACCESS_KEY", "no Gong credential: set GONG_ACCESS_KEY and GONG_ACCESS_KEY_SECRET, or GONG_OAUTH_CLIENT_ID and GONG_OAUTH_CLIENT_SECRET")
	}

	for _, u := range []struct{ name, value string }{
		{"GONG_API_BASE_URL", c.GongAPIBaseURL},
		{"GONG_OAUTH_AUTH_URL", c.GongOAuthAuthURL},
		{"GONG_OAUTH_TOKEN_URL", c.GongOAuthTokenURL},
		{"PLANHAT_API_BASE_URL", c.PlanhatAPIBaseURL},
	} {
		if reason := checkHTTPURL(u.value); reason != "" {
			add(u.name, reason)
		}
	}

	// NaN fails every comparison, so "!(x > 0)" rather than "x <= 0".
	if !(c.GongRateLimit > 0 && c.GongRateLimit <= gongMaxRate) {
		add("GONG_RATE_LIMIT", fmt.Sprintf("must be more than 0 and at most %d (Gong allows %d requests/s per company)", gongMaxRate, gongMaxRate))
	}
	if c.GongDailyBudget < 1 || c.GongDailyBudget > gongMaxDailyCalls {
		add("GONG_DAILY_BUDGET", fmt.Sprintf("must be 1 to %d (Gong allows %d requests/day per company)", gongMaxDailyCalls, gongMaxDailyCalls))
	}
	if !(c.PlanhatRateLimit > 0 && c.PlanhatRateLimit <= planhatMaxRate) {
		add("PLANHAT_RATE_LIMIT", fmt.Sprintf("must be more than 0 and at most %d (Planhat's hard limit is %d requests/s)", planhatMaxRate, planhatMaxRate))
	}

	for _, d := range []struct {
		name  string
		value []string
	}{
		{"INTERNAL_DOMAINS", c.InternalDomains},
		{"IGNORED_DOMAINS", c.IgnoredDomains},
	} {
		var bad []string
		for _, domain := range d.value {
			if !isDomain(domain) {
				bad = append(bad, strconv.Quote(domain))
			}
		}
		if len(bad) > 0 {
			add(d.name, "not a domain name: "+strings.Join(bad, ", ")+" (want e.g. example.com; internationalized names in their xn-- form)")
		}
	}

	positive := func(name string, d time.Duration) {
		if d <= 0 {
			add(name, "must be more than 0")
		}
	}
	positive("RECHECK_MIN", c.RecheckMin)
	positive("RECHECK_MAX", c.RecheckMax)
	if c.RecheckMin > 0 && c.RecheckMax > 0 && c.RecheckMax < c.RecheckMin {
		add("RECHECK_MAX", fmt.Sprintf("must be at least RECHECK_MIN (%s)", formatDuration(c.RecheckMin)))
	}
	positive("SUMMARY_MAX_WAIT", c.SummaryMaxWait)
	positive("UNMATCHED_RETRY_FOR", c.UnmatchedRetryFor)
	positive("COMPANY_CACHE_TTL", c.CompanyCacheTTL)
	if c.ReconcileInterval < 0 {
		add("RECONCILE_INTERVAL", "must not be negative (0 turns reconciliation off)")
	}
	positive("RECONCILE_LOOKBACK", c.ReconcileLookback)
	positive("JOB_TIMEOUT", c.JobTimeout)
	positive("RESCUE_AFTER", c.RescueAfter)
	// Rescuing earlier than a step may legitimately run would start it twice.
	if c.JobTimeout > 0 && c.RescueAfter > 0 && c.RescueAfter < c.JobTimeout {
		add("RESCUE_AFTER", fmt.Sprintf("must be at least JOB_TIMEOUT (%s)", formatDuration(c.JobTimeout)))
	}

	if c.TokenEncryptionKey != "" {
		if _, err := decodeKey32(c.TokenEncryptionKey); err != nil {
			add("TOKEN_ENCRYPTION_KEY", err.Error())
		}
	}
	if c.WebhookMaxBytes <= 0 {
		add("WEBHOOK_MAX_BYTES", "must be more than 0")
	}
	if !slices.Contains([]string{"trace", "debug", "info", "warn", "error"}, c.LogLevel) {
		add("LOG_LEVEL", strconv.Quote(c.LogLevel)+" is not one of trace, debug, info, warn, error")
	}
	if c.LogFormat != "json" && c.LogFormat != "console" {
		add("LOG_FORMAT", strconv.Quote(c.LogFormat)+" is not json or console")
	}
	positive("SHUTDOWN_TIMEOUT", c.ShutdownTimeout)
	return ps
}

func checkListenAddr(addr string) string {
	const want = "want host:port, e.g. :8080 or 127.0.0.1:8080"
	_, port, err := net.SplitHostPort(addr)
	if err != nil {
		return strconv.Quote(addr) + " is not host:port; " + want
	}
	// Port 0 is allowed: tests start the real program on a free port.
	if _, err := strconv.ParseUint(port, 10, 16); err != nil {
		return "port " + strconv.Quote(port) + " is not a number from 0 to 65535; " + want
	}
	return ""
}

// checkHTTPURL accepts an absolute http or https URL with a host.
func checkHTTPURL(s string) string {
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return strconv.Quote(s) + " is not an absolute http(s) URL"
	}
	return ""
}

// checkDatabaseURL never quotes the value: it may hold a password.
func checkDatabaseURL(s string) string {
	const want = "want sqlite:PATH, postgres://… or postgresql://…"
	if path, ok := strings.CutPrefix(s, "sqlite:"); ok {
		if path == "" {
			return "sqlite: needs a file path, e.g. sqlite:data/gongsync.db"
		}
		return ""
	}
	if strings.HasPrefix(s, "postgres://") || strings.HasPrefix(s, "postgresql://") {
		if _, err := url.Parse(s); err != nil {
			return "not a valid URL; " + want
		}
		return ""
	}
	return "unsupported database; " + want
}

// checkWebhookKey never quotes the key. The key is a URL path segment, so
// only unreserved characters are allowed: they need no escaping and cannot
// be read differently by Gong, a proxy and the router.
func checkWebhookKey(key string) string {
	if len(key) < minWebhookKeyLen {
		return fmt.Sprintf("must be at least %d characters (e.g. openssl rand -hex 32)", minWebhookKeyLen)
	}
	for _, r := range key {
		if !isUnreserved(r) {
			return "may contain only letters, digits and - . _ ~ (it is part of the webhook URL)"
		}
	}
	return ""
}

func isUnreserved(r rune) bool {
	return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' ||
		r == '-' || r == '.' || r == '_' || r == '~'
}

// isDomain accepts a lower-case ASCII host name with at least two labels.
func isDomain(s string) bool {
	if len(s) > 253 {
		return false
	}
	labels := strings.Split(s, ".")
	if len(labels) < 2 {
		return false
	}
	for _, l := range labels {
		if l == "" || len(l) > 63 || l[0] == '-' || l[len(l)-1] == '-' {
			return false
		}
		for _, r := range l {
			if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-') {
				return false
			}
		}
	}
	return true
}

// decodeKey32 decodes a 32-byte key from standard or URL-safe base64, with or
// without padding (openssl rand -base64 32 gives the standard padded form).
// Its error never contains the key.
func decodeKey32(s string) ([]byte, error) {
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if key, err := enc.DecodeString(s); err == nil {
			if len(key) != 32 {
				break
			}
			return key, nil
		}
	}
	return nil, errors.New("must be base64 of exactly 32 bytes (e.g. openssl rand -base64 32)")
}

// TokenKey returns the decoded TOKEN_ENCRYPTION_KEY, or nil when it is unset.
// Load has validated it, so the error only reports a Config built by hand.
func (c Config) TokenKey() ([]byte, error) {
	if c.TokenEncryptionKey == "" {
		return nil, nil
	}
	return decodeKey32(c.TokenEncryptionKey)
}

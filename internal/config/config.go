// Package config reads gongsync's settings from the environment (DESIGN §4).
//
// The Config struct is the single place where a variable is named: its tags
// give the name, default and meaning, and Load, Print, Variables and the README
// table are all derived from them.
package config

import (
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"time"
)

// Config holds every setting. The tags use envconfig's vocabulary (envconfig,
// default, required, desc; no prefix) so the struct also works with
// envconfig.Process; secret:"true" hides the whole value when printed,
// secret:"password" only a URL's password.
type Config struct {
	ListenAddr  string `envconfig:"LISTEN_ADDR" default:":8080" desc:"HTTP listen address (host:port)"`
	PublicURL   string `envconfig:"PUBLIC_URL" desc:"external base URL, e.g. https://gongsync.example.com; needed for JWT webhooks and OAuth"`
	DatabaseURL string `envconfig:"DATABASE_URL" default:"sqlite:data/gongsync.db" secret:"password" desc:"sqlite:PATH (created if missing) or postgres://…"`

	WebhookKey           string `envconfig:"WEBHOOK_KEY" secret:"true" desc:"the secret in the webhook URL /webhooks/gong/KEY; at least 32 characters"`
	GongWebhookPublicKey string `envconfig:"GONG_WEBHOOK_PUBLIC_KEY" desc:"the rule's public key from Gong (bare base64 DER or PEM); enables POST /webhooks/gong"`

	GongAPIBaseURL        string  `envconfig:"GONG_API_BASE_URL" default:"https://api.gong.io" desc:"Gong API base (OAuth's api_base_url_for_customer overrides it)"`
	GongAccessKey         string  `envconfig:"GONG_ACCESS_KEY" secret:"true" desc:"Gong access key (Basic auth), with GONG_ACCESS_KEY_SECRET"`
	GongAccessKeySecret   string  `envconfig:"GONG_ACCESS_KEY_SECRET" secret:"true" desc:"Gong access key secret (Basic auth), with GONG_ACCESS_KEY"`
	GongOAuthClientID     string  `envconfig:"GONG_OAUTH_CLIENT_ID" desc:"OAuth app in Gong (alternative to the access key), with GONG_OAUTH_CLIENT_SECRET"`
	GongOAuthClientSecret string  `envconfig:"GONG_OAUTH_CLIENT_SECRET" secret:"true" desc:"OAuth app's client secret, with GONG_OAUTH_CLIENT_ID"`
	GongOAuthAuthURL      string  `envconfig:"GONG_OAUTH_AUTH_URL" default:"https://app.gong.io/oauth2/authorize" desc:"Gong OAuth authorization endpoint"`
	GongOAuthTokenURL     string  `envconfig:"GONG_OAUTH_TOKEN_URL" default:"https://app.gong.io/oauth2/generate-customer-token" desc:"Gong OAuth token endpoint"`
	GongOAuthScopes       string  `envconfig:"GONG_OAUTH_SCOPES" default:"api:calls:read:basic api:calls:read:extensive api:users:read" desc:"space-separated scopes asked for when connecting with OAuth"`
	GongRateLimit         float64 `envconfig:"GONG_RATE_LIMIT" default:"2" desc:"requests per second to Gong from the whole deployment (Gong allows 3/s per company)"`
	GongDailyBudget       int     `envconfig:"GONG_DAILY_BUDGET" default:"5000" desc:"Gong requests per UTC day from the whole deployment, kept in the database (Gong allows 10,000 per company)"`

	PlanhatAPIBaseURL        string  `envconfig:"PLANHAT_API_BASE_URL" default:"https://api.planhat.com" desc:"Planhat API base; regional hosts exist (api-eu, api-us4, …)"`
	PlanhatAPIToken          string  `envconfig:"PLANHAT_API_TOKEN" required:"true" secret:"true" desc:"Planhat private-app token, sent as Authorization: Bearer"`
	PlanhatRateLimit         float64 `envconfig:"PLANHAT_RATE_LIMIT" default:"3" desc:"requests per second to Planhat from the whole deployment (soft quota 200/min)"`
	PlanhatConversationType  string  `envconfig:"PLANHAT_CONVERSATION_TYPE" default:"Gong Call" desc:"conversation type; must exist in Planhat, or Planhat stores it as note"`
	PlanhatFieldGongURL      string  `envconfig:"PLANHAT_FIELD_GONG_URL" default:"Gong URL" desc:"conversation custom field (type url) for the call's Gong link"`
	PlanhatFieldCallDuration string  `envconfig:"PLANHAT_FIELD_CALL_DURATION" default:"Call Duration" desc:"conversation custom field (type number) for the call's length in minutes"`

	InternalDomains  []string `envconfig:"INTERNAL_DOMAINS" desc:"comma list of the customer's own email domains"`
	IgnoredDomains   []string `envconfig:"IGNORED_DOMAINS" desc:"comma list of extra shared/free-mail domains, added to the built-in list"`
	SyncPrivateCalls bool     `envconfig:"SYNC_PRIVATE_CALLS" default:"false" desc:"private Gong calls are skipped unless true"`

	RecheckMin        time.Duration `envconfig:"RECHECK_MIN" default:"5m" desc:"shortest wait before re-checking a summary or an unmatched call"`
	RecheckMax        time.Duration `envconfig:"RECHECK_MAX" default:"1h" desc:"longest wait before re-checking a summary or an unmatched call (≥ RECHECK_MIN)"`
	SummaryMaxWait    time.Duration `envconfig:"SUMMARY_MAX_WAIT" default:"72h" desc:"stop waiting for the AI summary after this"`
	UnmatchedRetryFor time.Duration `envconfig:"UNMATCHED_RETRY_FOR" default:"72h" desc:"keep re-resolving an unmatched call this long"`
	CompanyCacheTTL   time.Duration `envconfig:"COMPANY_CACHE_TTL" default:"10m" desc:"lifetime of the cached Planhat company index"`
	ReconcileInterval time.Duration `envconfig:"RECONCILE_INTERVAL" default:"0" desc:"periodic catch-up from GET /v2/calls; 0 turns it off"`
	ReconcileLookback time.Duration `envconfig:"RECONCILE_LOOKBACK" default:"48h" desc:"how far back each reconciliation looks"`
	GongWorkspaceID   string        `envconfig:"GONG_WORKSPACE_ID" desc:"limits backfill and reconciliation to one Gong workspace"`

	JobTimeout  time.Duration `envconfig:"JOB_TIMEOUT" default:"30s" desc:"longest one step of work may run before it is cancelled and retried"`
	RescueAfter time.Duration `envconfig:"RESCUE_AFTER" default:"1m" desc:"work left running by a process that died is taken up again after this (≥ JOB_TIMEOUT)"`

	AdminToken         string `envconfig:"ADMIN_TOKEN" secret:"true" desc:"enables /admin/* (Authorization: Bearer); without it those routes are 404"`
	TokenEncryptionKey string `envconfig:"TOKEN_ENCRYPTION_KEY" secret:"true" desc:"32-byte key (base64) to encrypt stored OAuth tokens"`
	WebhookMaxBytes    int64  `envconfig:"WEBHOOK_MAX_BYTES" default:"10485760" desc:"webhook request body limit in bytes"`

	LogLevel        string        `envconfig:"LOG_LEVEL" default:"info" desc:"trace, debug, info, warn or error"`
	LogFormat       string        `envconfig:"LOG_FORMAT" default:"json" desc:"json, or console for humans"`
	ShutdownTimeout time.Duration `envconfig:"SHUTDOWN_TIMEOUT" default:"30s" desc:"drain time on SIGTERM"`
}

// secrecy says how much of a value Print and Redacted hide.
type secrecy int

const (
	public       secrecy = iota
	wholeSecret          // secret:"true"
	passwordOnly         // secret:"password": the value is a URL whose password is secret
)

// field is one variable, as its struct tags describe it.
type field struct {
	index    int
	name     string
	def      string
	desc     string
	required bool
	secret   secrecy
}

// fields lists the variables in declaration order. It panics on a struct
// mistake (a missing name or an unknown secret tag): that is a programming
// error that every test run would hit at once.
var fields = func() []field {
	t := reflect.TypeFor[Config]()
	out := make([]field, 0, t.NumField())
	for i := range t.NumField() {
		sf := t.Field(i)
		f := field{
			index:    i,
			name:     sf.Tag.Get("envconfig"),
			def:      sf.Tag.Get("default"),
			desc:     sf.Tag.Get("desc"),
			required: sf.Tag.Get("required") == "true",
		}
		if f.name == "" {
			panic("config: field " + sf.Name + " has no envconfig tag")
		}
		switch s := sf.Tag.Get("secret"); s {
		case "":
		case "true":
			f.secret = wholeSecret
		case "password":
			f.secret = passwordOnly
		default:
			panic(fmt.Sprintf("config: field %s has unknown secret tag %q", sf.Name, s))
		}
		out = append(out, f)
	}
	return out
}()

// fieldByName finds a variable's description; ok is false for an unknown name.
func fieldByName(name string) (field, bool) {
	for _, f := range fields {
		if f.name == name {
			return f, true
		}
	}
	return field{}, false
}

// Load reads every variable through getenv (main passes os.Getenv; tests pass
// a map), applies the defaults and validates the result.
//
// An empty value counts as unset, so it gets the default: getenv cannot tell
// the two apart. Values are trimmed of surrounding white space.
//
// Every problem is reported at once in a *ValidationError. The Config is
// returned even then, filled as far as it could be parsed, so that
// `gongsync config` can print the effective settings next to the problems.
func Load(getenv func(string) string) (Config, error) {
	var c Config
	var problems []Problem
	unparsed := map[string]bool{} // validation skips these: they already have a problem
	v := reflect.ValueOf(&c).Elem()
	for _, f := range fields {
		raw := strings.TrimSpace(getenv(f.name))
		if raw == "" {
			raw = f.def
		}
		if raw == "" {
			if f.required {
				problems = append(problems, Problem{Var: f.name, Reason: "required: " + f.desc})
			}
			continue
		}
		if reason := parseInto(v.Field(f.index), raw, f.secret != public); reason != "" {
			problems = append(problems, Problem{Var: f.name, Reason: reason})
			unparsed[f.name] = true
		}
	}
	c.normalize()
	problems = append(problems, c.validate(unparsed)...)
	if len(problems) > 0 {
		return c, newValidationError(problems)
	}
	return c, nil
}

// parseInto stores raw in dst according to dst's type and returns why it
// could not, or "". A secret's value never appears in the reason.
func parseInto(dst reflect.Value, raw string, secret bool) string {
	shown := strconv.Quote(raw) + " is"
	if secret {
		shown = "the value is"
	}
	switch dst.Interface().(type) {
	case string:
		dst.SetString(raw)
	case bool:
		b, err := strconv.ParseBool(raw)
		if err != nil {
			return shown + " not a boolean (want true or false)"
		}
		dst.SetBool(b)
	case int, int64:
		n, err := strconv.ParseInt(raw, 10, dst.Type().Bits())
		if err != nil {
			return shown + " not a whole number"
		}
		dst.SetInt(n)
	case float64:
		x, err := strconv.ParseFloat(raw, 64)
		if err != nil {
			return shown + " not a number"
		}
		dst.SetFloat(x)
	case time.Duration:
		d, err := time.ParseDuration(raw)
		if err != nil {
			return shown + " not a duration (e.g. 30s, 5m, 2h)"
		}
		dst.SetInt(int64(d))
	case []string:
		var items []string
		for item := range strings.SplitSeq(raw, ",") {
			if item = strings.TrimSpace(item); item != "" {
				items = append(items, item)
			}
		}
		dst.Set(reflect.ValueOf(items))
	default:
		panic("config: unsupported field type " + dst.Type().String())
	}
	return ""
}

// normalize puts values into the one form the rest of gongsync expects, so
// that callers need not repeat it.
func (c *Config) normalize() {
	// Callers append paths ("/webhooks/gong", "/v2/calls"); a trailing slash
	// would double it.
	c.PublicURL = strings.TrimRight(c.PublicURL, "/")
	c.GongAPIBaseURL = strings.TrimRight(c.GongAPIBaseURL, "/")
	c.PlanhatAPIBaseURL = strings.TrimRight(c.PlanhatAPIBaseURL, "/")
	// Email domains compare case-insensitively; store them once in lower case.
	for _, list := range [][]string{c.InternalDomains, c.IgnoredDomains} {
		for i, d := range list {
			list[i] = strings.TrimSuffix(strings.ToLower(d), ".")
		}
	}
	c.LogLevel = strings.ToLower(c.LogLevel)
	c.LogFormat = strings.ToLower(c.LogFormat)
}

// SQLitePath returns the database file of a sqlite:PATH DATABASE_URL; ok is
// false for PostgreSQL.
func (c Config) SQLitePath() (path string, ok bool) {
	path, ok = strings.CutPrefix(c.DatabaseURL, "sqlite:")
	if !ok {
		return "", false
	}
	return path, true
}

// HasGongAccessKey reports whether both halves of the Gong access key are set.
func (c Config) HasGongAccessKey() bool {
	return c.GongAccessKey != "" && c.GongAccessKeySecret != ""
}

// OAuthScopes returns GONG_OAUTH_SCOPES as a list.
func (c Config) OAuthScopes() []string { return strings.Fields(c.GongOAuthScopes) }

// HasGongOAuth reports whether both halves of the Gong OAuth client are set.
func (c Config) HasGongOAuth() bool {
	return c.GongOAuthClientID != "" && c.GongOAuthClientSecret != ""
}

package console

import (
	"bytes"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"path"
	"strings"
	"time"

	"github.com/gongsync/gongsync/internal/callsync"
)

// page is what every view gets: its own data plus the layout's.
type page struct {
	Title    string
	Nav      string // the menu entry to mark
	Nonce    string
	CSRF     string
	SignedIn bool
	Notice   string
	Data     any
}

var funcs = template.FuncMap{
	"when": func(t time.Time) string {
		if t.IsZero() {
			return "–"
		}
		return t.UTC().Format("2006-01-02 15:04:05 UTC")
	},
	"ago":         func(d time.Duration) string { return humanDuration(d) },
	"statusClass": func(s callsync.Status) string { return "st-" + string(s) },
	"json": func(b []byte) string {
		var out bytes.Buffer
		if len(b) == 0 {
			return ""
		}
		if err := indentJSON(&out, b); err != nil {
			return string(b)
		}
		return out.String()
	},
}

// parseViews parses each view in templates/views with the shared layout.
func parseViews() (map[string]*template.Template, error) {
	views := map[string]*template.Template{}
	entries, err := fs.ReadDir(templateFS, "templates/views")
	if err != nil {
		return nil, err
	}
	for _, entry := range entries {
		name := strings.TrimSuffix(entry.Name(), ".html")
		t, err := template.New("layout.html").Funcs(funcs).ParseFS(templateFS, "templates/common/layout.html", path.Join("templates/views", entry.Name()))
		if err != nil {
			return nil, fmt.Errorf("console template %s: %w", name, err)
		}
		views[name] = t
	}
	return views, nil
}

// render writes a view with status.
func (c *Console) render(w http.ResponseWriter, r *http.Request, status int, view string, p page) {
	p.Nonce = nonceOf(r)
	if s, ok := r.Context().Value(sessionKey{}).(session); ok {
		p.CSRF, p.SignedIn = s.csrfToken(), true
	}
	if p.Notice == "" {
		p.Notice = notices[r.URL.Query().Get("done")]
	}
	var body bytes.Buffer
	if err := c.views[view].Execute(&body, p); err != nil {
		c.Logger.Error().Err(err).Str("view", view).Msg("console: rendering a page failed")
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(body.Bytes())
}

// notices are the confirmations a redirect may ask for (?done=…); a fixed
// set, so a link cannot put words on a page.
var notices = map[string]string{
	"resync":   "Resync queued: the whole sync runs again from the stored payload.",
	"assign":   "Assigned: the call is syncing to that company, and stays there on every resync.",
	"rule":     "Domain rule saved: new calls from that domain go to that company.",
	"ruleplus": "Domain rule saved and the call assigned.",
	"deleted":  "Domain rule deleted.",
}

// fail shows a page that says what went wrong.
func (c *Console) fail(w http.ResponseWriter, r *http.Request, status int, message string) {
	c.render(w, r, status, "error", page{Title: http.StatusText(status), Data: message})
}

func humanDuration(d time.Duration) string {
	switch {
	case d < time.Minute:
		return fmt.Sprintf("%ds", int(d.Seconds()))
	case d < time.Hour:
		return fmt.Sprintf("%dm", int(d.Minutes()))
	case d < 48*time.Hour:
		return fmt.Sprintf("%dh %dm", int(d.Hours()), int(d.Minutes())%60)
	}
	return fmt.Sprintf("%dd %dh", int(d.Hours())/24, int(d.Hours())%24)
}

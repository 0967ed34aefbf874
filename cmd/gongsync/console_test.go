package main

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gongsync/gongsync/internal/gong"
	"github.com/gongsync/gongsync/internal/planhat"
)

// adminEvent is one timeline entry of GET /admin/calls/{callId}.
type adminEvent struct {
	Kind    string          `json:"kind"`
	Actor   string          `json:"actor"`
	Message string          `json:"message"`
	Detail  json.RawMessage `json:"detail"`
}

func (s *service) events(callID string) []adminEvent {
	s.t.Helper()
	code, body := s.admin(http.MethodGet, "/admin/calls/"+callID)
	require.Equal(s.t, http.StatusOK, code, body)
	var got struct {
		Events []adminEvent `json:"events"`
	}
	require.NoError(s.t, json.Unmarshal([]byte(body), &got))
	return got.Events
}

func (s *service) adminPost(path string, body any) (int, string) {
	s.t.Helper()
	encoded, err := json.Marshal(body)
	require.NoError(s.t, err)
	return s.do(http.MethodPost, path, encoded, http.Header{"Authorization": {"Bearer " + testAdminToken}})
}

func kinds(events []adminEvent) []string {
	var out []string
	for _, e := range events {
		out = append(out, e.Kind)
	}
	return out
}

// withAccountName names the call's CRM Account, as Gong sends it.
func withAccountName(call gong.CallData, objectID, name string) gong.CallData {
	value, _ := json.Marshal(name)
	call.Context = append(call.Context, gong.CRMContext{System: "Salesforce", Objects: []gong.CRMObject{{
		ObjectType: "Account", ObjectID: objectID, Fields: []gong.CRMField{{Name: "Name", Value: value}}}}})
	return call
}

func TestEventsExplainAssign(t *testing.T) {
	forEachDatabase(t, func(t *testing.T, databaseURL string) {
		f := newFakes(t)
		globex := f.globex()
		initrode := f.planhat.AddCompany(planhat.Company{Name: "Initrode"})
		env := testEnv(databaseURL, f)
		// A resync that meets its call's job still marked running reruns after
		// JOB_TIMEOUT: keep that inside the test's wait.
		env["JOB_TIMEOUT"] = "5s"
		s := startService(t, env)

		code, _ := s.postWebhook(webhook(t, newCall("7101").account("0015g00000Glbx1").build()))
		require.Equal(t, http.StatusAccepted, code)
		s.waitForStatus("7101", syncTimeout, "synced")
		unmatched := webhook(t, newCall("7102").party("pat@initrode.example.net", "External").build())
		code, _ = s.postWebhook(unmatched)
		require.Equal(t, http.StatusAccepted, code)
		s.waitForStatus("7102", syncTimeout, "unmatched")

		t.Run("EveryTransitionIsAnEvent", func(t *testing.T) {
			events := s.events("7101")
			got := kinds(events)
			assert.Equal(t, []string{"received", "match", "planhat_write"}, got[:3], "events: %+v", events)
			assert.Contains(t, events[1].Message, "crm_id")
			assert.Contains(t, string(events[1].Detail), globex.ID)
			assert.Contains(t, events[2].Message, "POST /conversations")
		})
		t.Run("DuplicateDeliveryIsOnTheTimeline", func(t *testing.T) {
			code, body := s.postWebhook(webhook(t, newCall("7101").account("0015g00000Glbx1").build()))
			require.Equal(t, http.StatusAccepted, code)
			require.Contains(t, body, "duplicate")
			assert.Contains(t, kinds(s.events("7101")), "duplicate")
		})
		t.Run("ExplainWritesNothing", func(t *testing.T) {
			before, conversations := len(s.events("7102")), len(f.planhat.Conversations())
			code, body := s.do(http.MethodPost, "/admin/explain", unmatched, http.Header{"Authorization": {"Bearer " + testAdminToken}})
			require.Equal(t, http.StatusOK, code, body)
			var explanation struct {
				CompanyID  *string `json:"companyId"`
				Reason     string  `json:"reason"`
				Candidates []any   `json:"candidates"`
			}
			require.NoError(t, json.Unmarshal([]byte(body), &explanation))
			assert.Nil(t, explanation.CompanyID)
			assert.Contains(t, explanation.Reason, "initrode.example.net")

			code, body = s.adminPost("/admin/explain", map[string]string{"callId": "7101"})
			require.Equal(t, http.StatusOK, code, body)
			assert.Contains(t, body, `"matchedBy":"crm_id"`)
			assert.Contains(t, body, `"companyId":"`+globex.ID+`"`)
			code, _ = s.adminPost("/admin/explain", map[string]string{"callId": "404404"})
			assert.Equal(t, http.StatusNotFound, code)

			assert.Len(t, s.events("7102"), before, "explain wrote an event")
			assert.Len(t, f.planhat.Conversations(), conversations, "explain wrote to Planhat")
		})
		t.Run("AssignToAnUnknownCompanyIs422", func(t *testing.T) {
			code, body := s.adminPost("/admin/calls/7102/assign", map[string]string{"companyId": "no-such-company"})
			assert.Equal(t, http.StatusUnprocessableEntity, code, body)
			code, _ = s.adminPost("/admin/calls/404404/assign", map[string]string{"companyId": initrode.ID})
			assert.Equal(t, http.StatusNotFound, code)
		})
		t.Run("AssignSyncsAndSurvivesResync", func(t *testing.T) {
			code, body := s.adminPost("/admin/calls/7102/assign", map[string]string{"companyId": initrode.ID})
			require.Equal(t, http.StatusAccepted, code, body)
			got := s.waitForStatus("7102", syncTimeout, "synced")
			assert.Equal(t, "manual", deref(got.MatchedBy))
			assert.Equal(t, initrode.ID, deref(got.CompanyID))

			// Once the first summary check ran, the assignment's job has surely ended
			// (a resync during a running job waits for JOB_TIMEOUT).
			require.Eventually(t, func() bool { return strings.Contains(strings.Join(kinds(s.events("7102")), ","), "summary_check") },
				syncTimeout, 50*time.Millisecond)
			code, _ = s.admin(http.MethodPost, "/admin/calls/7102/resync")
			require.Equal(t, http.StatusAccepted, code)
			require.Eventually(t, func() bool {
				after := strings.Join(kinds(s.events("7102")), ",")
				_, after, resynced := strings.Cut(after, "resync")
				return resynced && strings.Contains(after, "planhat_write")
			}, syncTimeout, 50*time.Millisecond, "events: %v", kinds(s.events("7102")))
			got = s.waitForStatus("7102", syncTimeout, "synced")
			assert.Equal(t, "manual", deref(got.MatchedBy), "a resync keeps the assignment")
			assert.Equal(t, initrode.ID, deref(got.CompanyID))
			conversation, ok := f.planhat.ConversationByExternalID("7102")
			require.True(t, ok)
			assert.Equal(t, initrode.ID, conversation.CompanyID)
			assert.Contains(t, kinds(s.events("7102")), "assign")
		})
	})
}

// chromiumPath finds Debian's chromium (or another Chrome); "" when none.
func chromiumPath() string {
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if path, err := exec.LookPath(name); err == nil {
			return path
		}
	}
	return ""
}

// screenshotDir is where the browser test leaves its screenshots:
// $GONGSYNC_SCREENSHOTS, else a temporary folder.
func screenshotDir(t *testing.T) string {
	dir := os.Getenv("GONGSYNC_SCREENSHOTS")
	if dir == "" {
		dir = t.TempDir()
	}
	require.NoError(t, os.MkdirAll(dir, 0o755))
	t.Logf("console screenshots in %s", dir)
	return dir
}

// browser starts headless chromium for one test.
func browser(t *testing.T) context.Context {
	t.Helper()
	path := chromiumPath()
	if path == "" {
		t.Skip("chromium is not installed (apt-get install -y chromium); the console's browser tests are skipped")
	}
	// A fresh profile, removed after chromium has exited (it writes into it
	// while it shuts down, which t.TempDir's cleanup does not tolerate).
	profile, err := os.MkdirTemp("", "gongsync-chromium-")
	require.NoError(t, err)
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.NoSandbox, // CI runs as root
		chromedp.Headless,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(profile),
		chromedp.WindowSize(1280, 1000),
	)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(allocCtx)
	ctx, cancelTimeout := context.WithTimeout(ctx, 3*time.Minute)
	t.Cleanup(func() {
		cancelTimeout()
		cancel()
		cancelAlloc()
		for range 20 {
			if os.RemoveAll(profile) == nil {
				return
			}
			time.Sleep(100 * time.Millisecond)
		}
	})
	require.NoError(t, chromedp.Run(ctx), "starting chromium")
	return ctx
}

func TestConsoleInBrowser(t *testing.T) {
	ctx := browser(t)
	shots := screenshotDir(t)
	f := newFakes(t)
	f.globex()
	initrode := f.planhat.AddCompany(planhat.Company{Name: "Initrode"})
	hooli := f.planhat.AddCompany(planhat.Company{Name: "Hooli"})
	s := startService(t, testEnv("sqlite:"+filepath.Join(t.TempDir(), "gongsync.db"), f))

	post := func(call gong.CallData, status string) {
		t.Helper()
		code, body := s.postWebhook(webhook(t, call))
		require.Equal(t, http.StatusAccepted, code, body)
		s.waitForStatus(call.MetaData.ID, syncTimeout, status)
	}
	post(newCall("6001").account("0015g00000Glbx1").party("wile@globex.com", "External").build(), "synced")
	post(newCall("6002").party("ann@globex.com", "External").build(), "synced")
	post(withAccountName(newCall("6003").party("pat@initrode.example.net", "External").build(), "001000000000NOPE", "Initrode"), "unmatched")

	shot := func(name string) chromedp.Action {
		return chromedp.ActionFunc(func(ctx context.Context) error {
			var png []byte
			if err := chromedp.FullScreenshot(&png, 100).Do(ctx); err != nil {
				return err
			}
			return os.WriteFile(filepath.Join(shots, name+".png"), png, 0o644)
		})
	}
	text := func(selector string) string {
		t.Helper()
		var got string
		require.NoError(t, chromedp.Run(ctx, chromedp.Text(selector, &got, chromedp.ByQuery)))
		return strings.TrimSpace(got)
	}
	// reloadUntil reloads url until selector's text contains want.
	reloadUntil := func(url, selector, want string) {
		t.Helper()
		deadline := time.Now().Add(syncTimeout)
		var got string
		for time.Now().Before(deadline) {
			require.NoError(t, chromedp.Run(ctx, chromedp.Navigate(url), chromedp.Text(selector, &got, chromedp.ByQuery)))
			if strings.Contains(got, want) {
				return
			}
			time.Sleep(200 * time.Millisecond)
		}
		t.Fatalf("%s: %s shows %q, want %q\n%s", url, selector, got, want, s.logs.Tail(40))
	}

	t.Run("SignIn", func(t *testing.T) {
		require.NoError(t, chromedp.Run(ctx,
			chromedp.Navigate(s.url+"/admin/"),
			chromedp.WaitVisible("#token", chromedp.ByID), // sent to the sign-in page
			shot("login"),
			chromedp.SendKeys("#token", "wrong-token", chromedp.ByID),
			chromedp.Click("#signin", chromedp.ByID),
			chromedp.WaitVisible("#problem", chromedp.ByID),
			chromedp.SendKeys("#token", testAdminToken, chromedp.ByID),
			chromedp.Click("#signin", chromedp.ByID),
			chromedp.WaitVisible("#counts", chromedp.ByID),
		))
	})
	t.Run("CookieFlags", func(t *testing.T) {
		var cookies []*network.Cookie
		require.NoError(t, chromedp.Run(ctx, chromedp.ActionFunc(func(ctx context.Context) error {
			var err error
			cookies, err = network.GetCookies().Do(ctx)
			return err
		})))
		var found bool
		for _, c := range cookies {
			if c.Name != "gongsync_session" {
				continue
			}
			found = true
			assert.True(t, c.HTTPOnly, "HttpOnly")
			assert.Equal(t, network.CookieSameSiteStrict, c.SameSite)
			assert.False(t, c.Secure, "PUBLIC_URL is not https here")
			assert.Equal(t, "/admin", c.Path)
			assert.Greater(t, c.Expires, float64(time.Now().Unix()), "the session expires")
		}
		require.True(t, found, "no session cookie: %+v", cookies)
	})
	t.Run("OverviewCounts", func(t *testing.T) {
		require.NoError(t, chromedp.Run(ctx, chromedp.Navigate(s.url+"/admin/"), chromedp.WaitVisible("#chart", chromedp.ByID), shot("overview")))
		assert.Equal(t, "3", text("#all-total"))
		assert.Equal(t, "3", text("#today-total"))
		assert.Equal(t, "2", text("#all-synced"))
		assert.Equal(t, "1", text("#all-unmatched"))
	})
	t.Run("CallsList", func(t *testing.T) {
		require.NoError(t, chromedp.Run(ctx, chromedp.Navigate(s.url+"/admin/ui/calls"), chromedp.WaitVisible("#calls", chromedp.ByID), shot("calls")))
		var ids []string
		require.NoError(t, chromedp.Run(ctx, chromedp.Evaluate(`[...document.querySelectorAll("a.call-link")].map(a => a.textContent)`, &ids)))
		assert.Equal(t, []string{"6003", "6002", "6001"}, ids, "newest first")
		require.NoError(t, chromedp.Run(ctx, chromedp.Navigate(s.url+"/admin/ui/calls?q=6002")))
		require.NoError(t, chromedp.Run(ctx, chromedp.Evaluate(`[...document.querySelectorAll("a.call-link")].map(a => a.textContent)`, &ids)))
		assert.Equal(t, []string{"6002"}, ids)
	})
	t.Run("AssignAnUnmatchedCall", func(t *testing.T) {
		require.NoError(t, chromedp.Run(ctx,
			chromedp.Navigate(s.url+"/admin/ui/unmatched"),
			chromedp.WaitVisible("#u-6003", chromedp.ByID),
			shot("unmatched"),
		))
		assert.Contains(t, text("#u-6003"), "Initrode", "the CRM Account name suggests the company")
		require.NoError(t, chromedp.Run(ctx,
			chromedp.Click("#u-6003 button.assign", chromedp.ByQuery),
			chromedp.WaitVisible("#notice", chromedp.ByID),
		))
		reloadUntil(s.url+"/admin/ui/calls/6003", "#status", "synced")
		assert.Equal(t, "manual", text("#matched-by"))
		assert.Contains(t, text("#company"), initrode.ID)
		require.NoError(t, chromedp.Run(ctx, shot("call")))
	})
	t.Run("ResyncShowsNewEvents", func(t *testing.T) {
		count := func() int {
			var n int
			require.NoError(t, chromedp.Run(ctx, chromedp.Evaluate(`document.querySelectorAll("#timeline tr.event").length`, &n)))
			return n
		}
		require.NoError(t, chromedp.Run(ctx, chromedp.Navigate(s.url+"/admin/ui/calls/6001"), chromedp.WaitVisible("#timeline", chromedp.ByID)))
		before := count()
		require.NoError(t, chromedp.Run(ctx, chromedp.Click("#resync", chromedp.ByID), chromedp.WaitVisible("#notice", chromedp.ByID)))
		assert.Contains(t, text("#timeline"), "resync requested")
		deadline := time.Now().Add(syncTimeout)
		for count() < before+3 && time.Now().Before(deadline) { // resync, match, write
			time.Sleep(200 * time.Millisecond)
			require.NoError(t, chromedp.Run(ctx, chromedp.Reload()))
		}
		assert.GreaterOrEqual(t, count(), before+3)
		assert.Contains(t, text("#timeline"), "admin via console")
	})
	t.Run("DomainRuleMatchesTheNextCall", func(t *testing.T) {
		require.NoError(t, chromedp.Run(ctx,
			chromedp.Navigate(s.url+"/admin/ui/rules"),
			chromedp.SendKeys("#rule-domain", "hooli.xyz", chromedp.ByID),
			chromedp.SendKeys("#rule-company", hooli.ID, chromedp.ByID),
			chromedp.Click("#save-rule", chromedp.ByID),
			chromedp.WaitVisible("#notice", chromedp.ByID),
		))
		assert.Contains(t, text("#rules"), "hooli.xyz")
		require.NoError(t, chromedp.Run(ctx, shot("rules")))
		post(newCall("6004").party("gavin@hooli.xyz", "External").build(), "synced")
		reloadUntil(s.url+"/admin/ui/calls/6004", "#decision", "domain rule hooli.xyz")
		assert.Contains(t, text("#company"), hooli.ID)
	})
	t.Run("Explain", func(t *testing.T) {
		require.NoError(t, chromedp.Run(ctx,
			chromedp.Navigate(s.url+"/admin/ui/explain"),
			chromedp.SendKeys("#explain-call", "6002", chromedp.ByID),
			chromedp.Click("#explain", chromedp.ByID),
			chromedp.WaitVisible("#explanation", chromedp.ByID),
			shot("explain"),
		))
		assert.Contains(t, text("#explanation"), "Globex")
	})
	t.Run("ForgedPostIsRefused", func(t *testing.T) {
		var cookies []*network.Cookie
		require.NoError(t, chromedp.Run(ctx, chromedp.ActionFunc(func(ctx context.Context) error {
			var err error
			cookies, err = network.GetCookies().Do(ctx)
			return err
		})))
		var session string
		for _, c := range cookies {
			if c.Name == "gongsync_session" {
				session = c.Value
			}
		}
		require.NotEmpty(t, session)
		before := len(s.events("6002"))
		for _, form := range []url.Values{{}, {"csrf": {"forged"}}} {
			req, err := http.NewRequest(http.MethodPost, s.url+"/admin/ui/calls/6002/resync", strings.NewReader(form.Encode()))
			require.NoError(t, err)
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.AddCookie(&http.Cookie{Name: "gongsync_session", Value: session})
			resp, err := s.httpClient.Do(req)
			require.NoError(t, err)
			resp.Body.Close()
			assert.Equal(t, http.StatusForbidden, resp.StatusCode, "csrf %q", form.Get("csrf"))
		}
		assert.Len(t, s.events("6002"), before, "a refused POST changed nothing")
	})
	t.Run("ContentSecurityPolicy", func(t *testing.T) {
		resp, err := s.httpClient.Get(s.url + "/admin/login")
		require.NoError(t, err)
		resp.Body.Close()
		csp := resp.Header.Get("Content-Security-Policy")
		assert.Contains(t, csp, "default-src 'none'")
		assert.Contains(t, csp, "style-src 'nonce-")
	})
	t.Run("SignOut", func(t *testing.T) {
		require.NoError(t, chromedp.Run(ctx,
			chromedp.Navigate(s.url+"/admin/"),
			chromedp.Click("#signout", chromedp.ByID),
			chromedp.WaitVisible("#token", chromedp.ByID),
			chromedp.Navigate(s.url+"/admin/ui/calls"),
			chromedp.WaitVisible("#token", chromedp.ByID),
		))
	})
}

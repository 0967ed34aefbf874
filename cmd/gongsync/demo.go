package main

import (
	"bytes"
	"context"
	"crypto/rand"
	_ "embed"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/gongsync/gongsync/internal/config"
	"github.com/gongsync/gongsync/internal/gong"
	"github.com/gongsync/gongsync/internal/gong/gongtest"
	"github.com/gongsync/gongsync/internal/planhat"
	"github.com/gongsync/gongsync/internal/planhat/planhattest"
)

//go:embed demodata/webhook.json
var demoWebhook []byte

// demoTimeout bounds the whole demo; it normally takes a few seconds.
const demoTimeout = 60 * time.Second

// demo runs the whole job against in-process fakes: start the service on a
// temporary SQLite database, send a webhook, wait for the conversation and its
// summary, and print the conversation.
func demo(ctx context.Context, getenv func(string) string, stdout, stderr io.Writer) error {
	ctx, cancel := context.WithTimeout(ctx, demoTimeout)
	defer cancel()

	var payload gong.WebhookPayload
	if err := json.Unmarshal(demoWebhook, &payload); err != nil {
		return fmt.Errorf("demo payload: %w", err)
	}
	call := payload.CallData
	fakeGong := gongtest.New(gongtest.Options{})
	defer fakeGong.Close()
	fakeGong.AddCall(call)
	fakePlanhat := planhattest.New(planhattest.Options{})
	defer fakePlanhat.Close()
	seedDemoPlanhat(fakePlanhat)

	dir, err := os.MkdirTemp("", "gongsync-demo-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	webhookKey, adminToken := randomHex(32), randomHex(16)
	accessKey, accessSecret := fakeGong.Credentials()
	env := map[string]string{
		"LISTEN_ADDR":            "127.0.0.1:0",
		"DATABASE_URL":           "sqlite:" + filepath.Join(dir, "gongsync.db"),
		"WEBHOOK_KEY":            webhookKey,
		"ADMIN_TOKEN":            adminToken,
		"GONG_API_BASE_URL":      fakeGong.URL(),
		"GONG_ACCESS_KEY":        accessKey,
		"GONG_ACCESS_KEY_SECRET": accessSecret,
		"PLANHAT_API_BASE_URL":   fakePlanhat.URL(),
		"PLANHAT_API_TOKEN":      fakePlanhat.Token(),
		"INTERNAL_DOMAINS":       "initech.example",
		"RECHECK_MIN":            "1s",
		"RECHECK_MAX":            "2s",
		"LOG_LEVEL":              "warn",
		"LOG_FORMAT":             "console",
		"SHUTDOWN_TIMEOUT":       "5s",
	}
	cfg, err := config.Load(func(name string) string {
		if value, ok := env[name]; ok {
			return value
		}
		return getenv(name)
	})
	if err != nil {
		return err
	}

	say := func(format string, args ...any) { fmt.Fprintf(stdout, "==> "+format+"\n", args...) }
	say("fake Gong at %s (call %s, AI summary not ready yet)", fakeGong.URL(), call.MetaData.ID)
	say("fake Planhat at %s (company Globex Corporation, sourceId %s)", fakePlanhat.URL(), demoCompanySourceID)

	serveCtx, stopServing := context.WithCancel(ctx)
	defer stopServing()
	listening := make(chan string, 1)
	served := make(chan error, 1)
	go func() { served <- serve(serveCtx, cfg, stderr, func(addr string) { listening <- addr }) }()
	var base string
	select {
	case addr := <-listening:
		base = "http://" + addr
	case err := <-served:
		return fmt.Errorf("service did not start: %w", err)
	case <-ctx.Done():
		return ctx.Err()
	}
	say("gongsync serving at %s on SQLite %s", base, filepath.Join(dir, "gongsync.db"))

	status, body, err := post(ctx, base+"/webhooks/gong/"+webhookKey, demoWebhook, "")
	if err != nil {
		return err
	}
	say("POST /webhooks/gong/{key} → %d %s", status, bytes.TrimSpace(body))
	status, body, err = post(ctx, base+"/webhooks/gong/"+webhookKey, demoWebhook, "")
	if err != nil {
		return err
	}
	say("the same webhook again → %d %s", status, bytes.TrimSpace(body))

	adminCall := base + "/admin/calls/" + call.MetaData.ID
	row, err := waitForStatus(ctx, adminCall, adminToken, "synced", "complete")
	if err != nil {
		return err
	}
	say("ledger: %s", row)
	fakeGong.SetSummary(call.MetaData.ID, demoSummary())
	say("Gong finished the AI summary; the poller picks it up on its next check")
	row, err = waitForStatus(ctx, adminCall, adminToken, "complete")
	if err != nil {
		return err
	}
	say("ledger: %s", row)

	conversation, ok := fakePlanhat.ConversationByExternalID(call.MetaData.ID)
	if !ok {
		return errors.New("the conversation is not in Planhat")
	}
	say("the Planhat conversation:")
	encoder := json.NewEncoder(stdout)
	encoder.SetIndent("", "  ")
	encoder.SetEscapeHTML(false)
	if err := encoder.Encode(conversation); err != nil {
		return err
	}

	stopServing()
	if err := <-served; err != nil {
		return fmt.Errorf("service stopped with: %w", err)
	}
	say("done: one webhook (delivered twice) became one conversation with its summary")
	return nil
}

const demoCompanySourceID = "0015g00000Glbx1"

func seedDemoPlanhat(fake *planhattest.Server) {
	fake.AddConversationType("Gong Call")
	company := fake.AddCompany(planhat.Company{Name: "Globex Corporation", SourceID: demoCompanySourceID, Domains: []string{"globex.com"}})
	fake.AddCompany(planhat.Company{Name: "Initech", Domains: []string{"initech.example"}})
	fake.AddUser(planhat.User{Email: "ana@initech.example", FirstName: "Ana", LastName: "Alvarez", NickName: "Ana"})
	fake.AddEnduser(planhat.Enduser{Email: "hank.scorpio@eu.globex.com", Name: "Hank Scorpio", CompanyID: company.ID})
	fake.AddEnduser(planhat.Enduser{Email: "frank@globex.com", Name: "Frank Grimes", CompanyID: company.ID})
}

func demoSummary() gong.CallContent {
	return gong.CallContent{
		Brief: "Globex wants to renew for 28 seats and asked for <b>SSO</b> before Q3.",
		KeyPoints: []gong.KeyPoint{
			{Text: "Renewal for 28 seats, budget approved"},
			{Text: "SSO is a must-have for the security review"},
		},
		Highlights: []gong.Highlight{
			{Title: "Next steps", Items: []gong.HighlightItem{{Text: "Send the SSO setup guide"}, {Text: "Book the security review for next week"}}},
		},
		CallOutcome: &gong.CallOutcome{Category: "Answered", Name: "Meeting booked"},
	}
}

func post(ctx context.Context, url string, body []byte, bearer string) (int, []byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	if bearer != "" {
		req.Header.Set("Authorization", "Bearer "+bearer)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	answer, err := io.ReadAll(resp.Body)
	return resp.StatusCode, answer, err
}

// waitForStatus polls the admin API until the call has one of the statuses.
func waitForStatus(ctx context.Context, url, adminToken string, statuses ...string) ([]byte, error) {
	for {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		if err != nil {
			return nil, err
		}
		req.Header.Set("Authorization", "Bearer "+adminToken)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return nil, err
		}
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			return nil, err
		}
		var row struct {
			Status string `json:"status"`
		}
		if resp.StatusCode == http.StatusOK && json.Unmarshal(body, &row) == nil {
			for _, want := range statuses {
				if row.Status == want {
					return bytes.TrimSpace(body), nil
				}
			}
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("waiting for status %v: %w (last answer %s)", statuses, ctx.Err(), bytes.TrimSpace(body))
		case <-time.After(100 * time.Millisecond):
		}
	}
}

func randomHex(bytes int) string {
	b := make([]byte, bytes)
	_, _ = rand.Read(b) // crypto/rand.Read never fails
	return hex.EncodeToString(b)
}

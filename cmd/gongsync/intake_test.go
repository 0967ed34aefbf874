package main

import (
	"database/sql"
	"encoding/json"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // "pgx" for database/sql
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	_ "modernc.org/sqlite" // "sqlite" for database/sql

	"github.com/gongsync/gongsync/internal/gong/gongtest"
)

func TestWebhookIntake(t *testing.T) {
	forEachDatabase(t, func(t *testing.T, databaseURL string) {
		f := newFakes(t)
		env := testEnv(databaseURL, f)
		env["WEBHOOK_MAX_BYTES"] = "4096"
		s := startService(t, env)
		db := openSQL(t, databaseURL)

		t.Run("GoodKeyQueues", func(t *testing.T) {
			status, body := s.postWebhook(webhook(t, newCall("1001").build()))
			assert.Equal(t, http.StatusAccepted, status)
			assert.JSONEq(t, `{"status":"queued","callId":"1001"}`, body)
			assert.Equal(t, 1, countRows(t, db, "SELECT count(*) FROM calls WHERE call_id = '1001'"))
			assert.Equal(t, 1, countRows(t, db, "SELECT count(*) FROM river_job WHERE kind = 'sync_call'"))
		})
		t.Run("WrongKeyIs401", func(t *testing.T) {
			status, body := s.do(http.MethodPost, "/webhooks/gong/"+strings.Repeat("x", 40), webhook(t, newCall("1002").build()), nil)
			assert.Equal(t, http.StatusUnauthorized, status)
			assert.JSONEq(t, `{"error":"unauthorized"}`, body)
			assert.Zero(t, countRows(t, db, "SELECT count(*) FROM calls WHERE call_id = '1002'"))
		})
		t.Run("NoKeyIs401", func(t *testing.T) {
			for _, path := range []string{"/webhooks/gong/", "/webhooks/gong"} {
				status, body := s.do(http.MethodPost, path, webhook(t, newCall("1003").build()), nil)
				assert.Equal(t, http.StatusUnauthorized, status, path)
				assert.JSONEq(t, `{"error":"unauthorized"}`, body, path)
			}
			assert.Zero(t, countRows(t, db, "SELECT count(*) FROM calls WHERE call_id = '1003'"))
		})
		t.Run("MalformedJSONIs400", func(t *testing.T) {
			status, body := s.postWebhook([]byte(`{"callData": {"metaData": {"id": "1004"`))
			assert.Equal(t, http.StatusBadRequest, status)
			assert.Contains(t, body, `"error"`)
		})
		t.Run("MissingCallIDIs400", func(t *testing.T) {
			status, body := s.postWebhook([]byte(`{"isTest": false, "callData": {"metaData": {"title": "no id"}}}`))
			assert.Equal(t, http.StatusBadRequest, status)
			assert.Contains(t, body, `"error"`)
		})
		t.Run("OversizeBodyIs413", func(t *testing.T) {
			call := newCall("1005").build()
			call.MetaData.Title = strings.Repeat("long title ", 500)
			status, _ := s.postWebhook(webhook(t, call))
			assert.Equal(t, http.StatusRequestEntityTooLarge, status)
			assert.Zero(t, countRows(t, db, "SELECT count(*) FROM calls WHERE call_id = '1005'"))
		})
		t.Run("TestDeliveryWritesNothing", func(t *testing.T) {
			body, err := json.Marshal(map[string]any{"isTest": true, "callData": newCall("1006").build()})
			require.NoError(t, err)
			status, answer := s.postWebhook(body)
			assert.Equal(t, http.StatusOK, status)
			assert.JSONEq(t, `{"status":"test"}`, answer)
			assert.Zero(t, countRows(t, db, "SELECT count(*) FROM calls WHERE call_id = '1006'"))
			status, answer = s.postWebhook([]byte(`{"isTest": true, "callData": {}}`))
			assert.Equal(t, http.StatusOK, status, answer)
		})
		t.Run("DuplicateSequential", func(t *testing.T) {
			body := webhook(t, newCall("1007").build())
			status, first := s.postWebhook(body)
			require.Equal(t, http.StatusAccepted, status)
			assert.JSONEq(t, `{"status":"queued","callId":"1007"}`, first)
			status, second := s.postWebhook(body)
			assert.Equal(t, http.StatusAccepted, status)
			assert.JSONEq(t, `{"status":"duplicate","callId":"1007"}`, second)
			assert.Equal(t, 1, countRows(t, db, "SELECT count(*) FROM calls WHERE call_id = '1007'"))
		})
		t.Run("Duplicate20AtOnce", func(t *testing.T) {
			body := webhook(t, newCall("1008").build())
			answers := make(chan string, 20)
			var wg sync.WaitGroup
			for range 20 {
				wg.Go(func() {
					status, answer := s.postWebhook(body)
					assert.Equal(t, http.StatusAccepted, status)
					answers <- answer
				})
			}
			wg.Wait()
			close(answers)
			counts := map[string]int{}
			for answer := range answers {
				var decoded webhookAnswerBody
				require.NoError(t, json.Unmarshal([]byte(answer), &decoded))
				counts[decoded.Status]++
			}
			assert.Equal(t, map[string]int{"queued": 1, "duplicate": 19}, counts)
			assert.Equal(t, 1, countRows(t, db, "SELECT count(*) FROM calls WHERE call_id = '1008'"))
			assert.Equal(t, 1, countRows(t, db, `SELECT count(*) FROM river_job WHERE kind = 'sync_call' AND `+argsHas(databaseURL, "1008")))
		})
		t.Run("DatabaseThatCannotCommitIs503", func(t *testing.T) {
			breakInserts(t, db, databaseURL)
			status, body := s.postWebhook(webhook(t, newCall("1009").build()))
			assert.Equal(t, http.StatusServiceUnavailable, status)
			assert.Contains(t, body, `"error"`)
			mendInserts(t, db, databaseURL)
			status, body = s.postWebhook(webhook(t, newCall("1009").build()))
			assert.Equal(t, http.StatusAccepted, status)
			assert.JSONEq(t, `{"status":"queued","callId":"1009"}`, body)
		})
		t.Run("WebhookKeyNeverLogged", func(t *testing.T) {
			_, metrics := s.do(http.MethodGet, "/metrics", nil, nil)
			assert.Contains(t, metrics, "gongsync_webhooks_total")
			assert.NotContains(t, metrics, testWebhookKey)
			require.NoError(t, s.stop(), "graceful shutdown exits cleanly")
			logs := s.logs.String()
			assert.Contains(t, logs, `"route":"/webhooks/gong/{key}"`)
			assert.NotContains(t, logs, testWebhookKey)
		})
	})
}

func TestSignedJWTWebhook(t *testing.T) {
	f := newFakes(t)
	key := gongtest.NewSigningKey(t)
	publicKey, err := gongtest.EncodePublicKey(&key.PublicKey)
	require.NoError(t, err)
	env := testEnv("sqlite:"+t.TempDir()+"/gongsync.db", f)
	env["GONG_WEBHOOK_PUBLIC_KEY"] = publicKey
	env["PUBLIC_URL"] = "https://gongsync.example.com"
	s := startService(t, env)
	webhookURL := "https://gongsync.example.com/webhooks/gong"

	body := webhook(t, newCall("2001").build())
	token := gongtest.SignWebhook(t, key, webhookURL, body, time.Now().Add(5*time.Minute))
	for _, test := range []struct {
		name       string
		header     string
		body       []byte
		wantStatus int
	}{
		{"BareToken", token, body, http.StatusAccepted},
		{"BearerToken", "Bearer " + token, body, http.StatusAccepted},
		{"TamperedBody", token, []byte(strings.Replace(string(body), "2001", "2002", 1)), http.StatusUnauthorized},
		{"NoHeader", "", body, http.StatusUnauthorized},
		{"Expired", gongtest.SignWebhook(t, key, webhookURL, body, time.Now().Add(-time.Minute)), body, http.StatusUnauthorized},
		{"WrongURL", gongtest.SignWebhook(t, key, "https://evil.example.com/webhooks/gong", body, time.Now().Add(time.Minute)), body, http.StatusUnauthorized},
		{"WrongKey", gongtest.SignWebhook(t, gongtest.NewSigningKey(t), webhookURL, body, time.Now().Add(time.Minute)), body, http.StatusUnauthorized},
	} {
		t.Run(test.name, func(t *testing.T) {
			header := http.Header{}
			if test.header != "" {
				header.Set("Authorization", test.header)
			}
			status, answer := s.do(http.MethodPost, "/webhooks/gong", test.body, header)
			assert.Equal(t, test.wantStatus, status, answer)
			if test.wantStatus == http.StatusUnauthorized {
				assert.JSONEq(t, `{"error":"unauthorized"}`, answer)
			}
		})
	}
}

type webhookAnswerBody struct {
	Status string `json:"status"`
	CallID string `json:"callId"`
}

// openSQL opens the service's database directly, to look behind the API.
func openSQL(t testing.TB, databaseURL string) *sql.DB {
	t.Helper()
	driver, dsn := "pgx", databaseURL
	if path, ok := strings.CutPrefix(databaseURL, "sqlite:"); ok {
		driver, dsn = "sqlite", "file:"+path+"?_pragma=busy_timeout(10000)"
	}
	db, err := sql.Open(driver, dsn)
	require.NoError(t, err)
	t.Cleanup(func() { db.Close() })
	return db
}

func countRows(t testing.TB, db *sql.DB, query string) int {
	t.Helper()
	var n int
	require.NoError(t, db.QueryRow(query).Scan(&n))
	return n
}

// argsHas is a SQL condition: the job's args name the call.
func argsHas(databaseURL, callID string) string {
	if strings.HasPrefix(databaseURL, "sqlite:") {
		return "json_extract(args, '$.call_id') = '" + callID + "'"
	}
	return "args->>'call_id' = '" + callID + "'"
}

// breakInserts makes every new ledger row fail, as a full disk would.
func breakInserts(t *testing.T, db *sql.DB, databaseURL string) {
	t.Helper()
	statements := []string{`CREATE TRIGGER gongsync_test_fail BEFORE INSERT ON calls BEGIN SELECT RAISE(ABORT, 'simulated: cannot commit'); END`}
	if !strings.HasPrefix(databaseURL, "sqlite:") {
		statements = []string{
			`CREATE FUNCTION gongsync_test_fail() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'simulated: cannot commit'; END $$`,
			`CREATE TRIGGER gongsync_test_fail BEFORE INSERT ON calls FOR EACH ROW EXECUTE FUNCTION gongsync_test_fail()`,
		}
	}
	for _, statement := range statements {
		_, err := db.Exec(statement)
		require.NoError(t, err)
	}
}

func mendInserts(t *testing.T, db *sql.DB, databaseURL string) {
	t.Helper()
	statements := []string{`DROP TRIGGER gongsync_test_fail`}
	if !strings.HasPrefix(databaseURL, "sqlite:") {
		statements = []string{`DROP TRIGGER gongsync_test_fail ON calls`, `DROP FUNCTION gongsync_test_fail()`}
	}
	for _, statement := range statements {
		_, err := db.Exec(statement)
		require.NoError(t, err)
	}
}

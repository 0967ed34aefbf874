package store

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gongsync/gongsync/internal/store/storetest"
)

// childDatabaseEnv, when set, makes TestAcceptedCallsSurviveSIGKILL the
// child process: it accepts calls on that database and prints each id once
// AcceptCall has returned, which is when the webhook would be answered.
const childDatabaseEnv = "GONGSYNC_STORE_TEST_CHILD_DATABASE"

// TestAcceptedCallsSurviveSIGKILL kills a process that is accepting calls
// and checks that every call it acknowledged is in the ledger with its job
// (DESIGN §1: a process killed at any instant loses no acknowledged call).
func TestAcceptedCallsSurviveSIGKILL(t *testing.T) {
	if databaseURL := os.Getenv(childDatabaseEnv); databaseURL != "" {
		acceptForever(databaseURL)
		return
	}
	storetest.ForEachDatabase(t, func(t *testing.T, databaseURL string) {
		db := openTestDB(t, databaseURL)
		require.NoError(t, db.Migrate(t.Context()))

		child := exec.Command(os.Args[0], "-test.run=^TestAcceptedCallsSurviveSIGKILL$")
		child.Env = append(os.Environ(), childDatabaseEnv+"="+databaseURL)
		child.Stderr = os.Stderr
		stdout, err := child.StdoutPipe()
		require.NoError(t, err)
		require.NoError(t, child.Start())

		var acknowledged []string
		lines := bufio.NewScanner(stdout)
		for len(acknowledged) < 100 && lines.Scan() {
			acknowledged = append(acknowledged, lines.Text())
		}
		require.NoError(t, child.Process.Kill()) // SIGKILL
		for lines.Scan() {                       // acknowledged before it died
			acknowledged = append(acknowledged, lines.Text())
		}
		_ = child.Wait()
		require.GreaterOrEqual(t, len(acknowledged), 100, "the child accepted calls")

		for _, id := range acknowledged {
			call, err := db.GetCall(t.Context(), id)
			require.NoError(t, err, "acknowledged call %s is lost", id)
			assert.Equal(t, []byte(`{"id":"`+id+`"}`), call.Payload)
			assert.Len(t, jobsFor(t, db, "sync_call", id), 1, "call %s has its job", id)
		}
	})
}

func acceptForever(databaseURL string) {
	ctx := context.Background()
	db, err := Open(ctx, databaseURL, nil)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	for n := 1; ; n++ {
		id := strconv.Itoa(n)
		if _, err := db.AcceptCall(ctx, id, []byte(`{"id":"`+id+`"}`), time.Now()); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		fmt.Println(id)
	}
}

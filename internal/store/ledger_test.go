package store

import (
	"bytes"
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gongsync/gongsync/internal/callsync"
	"github.com/gongsync/gongsync/internal/store/storetest"
)

var received = time.Date(2025, 3, 14, 9, 26, 53, 589_793_238, time.UTC)

func TestAcceptCall(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *DB) {
		ctx := t.Context()

		t.Run("NewCallWritesRowAndOneSyncJob", func(t *testing.T) {
			duplicate, err := db.AcceptCall(ctx, "1001", []byte(`{"callData":{}}`), received)
			require.NoError(t, err)
			assert.False(t, duplicate)

			call, err := db.GetCall(ctx, "1001")
			require.NoError(t, err)
			assert.Equal(t, callsync.StatusQueued, call.Status)
			assert.Equal(t, received.Truncate(time.Millisecond), call.ReceivedAt)
			assert.Equal(t, call.ReceivedAt, call.UpdatedAt)
			assert.True(t, call.NextCheckAt.IsZero())
			jobs := jobsFor(t, db, "sync_call", "1001")
			require.Len(t, jobs, 1)
			assert.Equal(t, "available", jobs[0].State)
		})

		t.Run("RedeliveryIsDuplicateAndChangesNothing", func(t *testing.T) {
			_, err := db.AcceptCall(ctx, "1002", []byte(`first`), received)
			require.NoError(t, err)
			duplicate, err := db.AcceptCall(ctx, "1002", []byte(`second`), received.Add(time.Hour))
			require.NoError(t, err)
			assert.True(t, duplicate)

			call, err := db.GetCall(ctx, "1002")
			require.NoError(t, err)
			assert.Equal(t, []byte(`first`), call.Payload)
			assert.Equal(t, received.Truncate(time.Millisecond), call.ReceivedAt)
			assert.Len(t, jobsFor(t, db, "sync_call", "1002"), 1)
		})

		t.Run("ConcurrentDeliveriesYieldOneRowAndOneJob", func(t *testing.T) {
			const deliveries = 20
			var (
				wg         sync.WaitGroup
				duplicates atomic.Int32
				errs       = make(chan error, deliveries)
			)
			for range deliveries {
				wg.Go(func() {
					duplicate, err := db.AcceptCall(ctx, "1003", []byte(`{}`), received)
					errs <- err
					if duplicate {
						duplicates.Add(1)
					}
				})
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				require.NoError(t, err)
			}
			assert.EqualValues(t, deliveries-1, duplicates.Load())
			calls, err := db.ListCalls(ctx, "", callsync.MaxListLimit)
			require.NoError(t, err)
			assert.Equal(t, 1, countID(calls, "1003"))
			assert.Len(t, jobsFor(t, db, "sync_call", "1003"), 1)
		})

		t.Run("PayloadIsStoredByteForByte", func(t *testing.T) {
			payload := append([]byte("{\"a\":\"\u00e9\"}\x00\xff\xfe \r\n\t"), bytes.Repeat([]byte{0, 1, 2, 0xff}, 64<<10)...)
			_, err := db.AcceptCall(ctx, "1004", payload, received)
			require.NoError(t, err)
			call, err := db.GetCall(ctx, "1004")
			require.NoError(t, err)
			assert.True(t, bytes.Equal(payload, call.Payload), "payload changed: %d bytes in, %d out", len(payload), len(call.Payload))
		})

		t.Run("CallIDStaysAString", func(t *testing.T) {
			// 20 digits overflow int64; leading zeros would vanish in a number.
			for _, id := range []string{"98765432109876543210", "0042", "42"} {
				duplicate, err := db.AcceptCall(ctx, id, []byte(`{}`), received)
				require.NoError(t, err)
				require.False(t, duplicate, id)
				call, err := db.GetCall(ctx, id)
				require.NoError(t, err)
				assert.Equal(t, id, call.ID)
				assert.Len(t, jobsFor(t, db, "sync_call", id), 1, id)
			}
		})

		t.Run("EmptyCallIDIsRejected", func(t *testing.T) {
			_, err := db.AcceptCall(ctx, "", []byte(`{}`), received)
			require.Error(t, err)
		})
	})
}

func TestAcceptCallWhenTheDatabaseCannotCommit(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *DB) {
		ctx := t.Context()

		t.Run("FailedJobInsertRollsBackTheRow", func(t *testing.T) {
			_, err := db.engine.pool().exec(ctx, `DROP TABLE river_job`)
			require.NoError(t, err)
			_, err = db.AcceptCall(ctx, "2001", []byte(`{}`), received)
			require.Error(t, err)
			assert.Contains(t, err.Error(), "2001")
			_, err = db.GetCall(ctx, "2001")
			require.ErrorIs(t, err, callsync.ErrNotFound)
		})

		t.Run("ClosedDatabaseIsAnError", func(t *testing.T) {
			require.NoError(t, db.Close())
			_, err := db.AcceptCall(ctx, "2002", []byte(`{}`), received)
			require.Error(t, err)
			assert.Contains(t, err.Error(), "2002")
		})
	})
}

// TestAcceptCallWhileAnotherWriterHoldsTheLock shows a commit that cannot
// happen in time ends in an error (the webhook's 503), not a hang.
func TestAcceptCallWhileAnotherWriterHoldsTheLock(t *testing.T) {
	storetest.ForEachDatabase(t, func(t *testing.T, databaseURL string) {
		ctx := t.Context()
		db := openTestDB(t, databaseURL)
		require.NoError(t, db.Migrate(ctx))
		other := openTestDB(t, databaseURL)
		require.NoError(t, other.engine.inTx(ctx, func(tx querier, _ enqueueFunc) error {
			// Hold the write lock on calls until the accept below gave up.
			_, err := tx.exec(ctx, `UPDATE calls SET status = status`)
			require.NoError(t, err)
			if db.Dialect() == DialectPostgres {
				_, err = tx.exec(ctx, `LOCK TABLE calls IN EXCLUSIVE MODE`)
				require.NoError(t, err)
			}
			acceptCtx, cancel := context.WithTimeout(ctx, 500*time.Millisecond)
			defer cancel()
			_, err = db.AcceptCall(acceptCtx, "3001", []byte(`{}`), received)
			require.Error(t, err)
			assert.Contains(t, err.Error(), "3001")
			return nil
		}))
		_, err := db.GetCall(ctx, "3001")
		require.ErrorIs(t, err, callsync.ErrNotFound)
	})
}

func TestGetCall(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *DB) {
		t.Run("UnknownCallIsNotFound", func(t *testing.T) {
			_, err := db.GetCall(t.Context(), "404")
			require.ErrorIs(t, err, callsync.ErrNotFound)
			assert.Contains(t, err.Error(), "404")
		})
	})
}

func TestUpdateCall(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *DB) {
		ctx := t.Context()
		saved := time.Date(2025, 3, 15, 10, 0, 0, 123_456_789, time.UTC)
		db.now = func() time.Time { return saved }

		t.Run("RoundTripsEveryField", func(t *testing.T) {
			_, err := db.AcceptCall(ctx, "4001", []byte(`payload`), received)
			require.NoError(t, err)
			read, err := db.GetCall(ctx, "4001")
			require.NoError(t, err)
			nextCheck := time.Date(2025, 3, 15, 11, 0, 0, 999_999_999, time.FixedZone("CET", 3600))
			written, _, err := db.UpdateCall(ctx, read, callsync.Call{
				ID:             "4001",
				Status:         callsync.StatusSynced,
				Payload:        []byte(`ignored`),
				CompanyID:      "64f0c0ffee",
				MatchedBy:      callsync.MatchedByCRMID,
				ConversationID: "65a0beef",
				Attempts:       3,
				Checks:         7,
				LastError:      "planhat: 502 Bad Gateway",
				ReceivedAt:     received.Add(time.Hour), // ignored
				NextCheckAt:    nextCheck,
			})
			require.NoError(t, err)
			assert.Equal(t, read.Version+1, written.Version)

			call, err := db.GetCall(ctx, "4001")
			require.NoError(t, err)
			assert.Equal(t, callsync.Call{
				ID:             "4001",
				Status:         callsync.StatusSynced,
				Payload:        []byte(`payload`),
				CompanyID:      "64f0c0ffee",
				MatchedBy:      callsync.MatchedByCRMID,
				ConversationID: "65a0beef",
				Attempts:       3,
				Checks:         7,
				LastError:      "planhat: 502 Bad Gateway",
				ReceivedAt:     received.Truncate(time.Millisecond),
				UpdatedAt:      saved.Truncate(time.Millisecond),
				NextCheckAt:    nextCheck.Truncate(time.Millisecond).UTC(),
				Version:        read.Version + 1,
			}, call)

			next := call
			next.NextCheckAt, next.LastError, next.Status = time.Time{}, "", callsync.StatusComplete
			_, _, err = db.UpdateCall(ctx, call, next)
			require.NoError(t, err)
			call, err = db.GetCall(ctx, "4001")
			require.NoError(t, err)
			assert.True(t, call.NextCheckAt.IsZero(), "zero NextCheckAt reads back as none, got %v", call.NextCheckAt)
			assert.Empty(t, call.LastError)
			assert.Equal(t, callsync.StatusComplete, call.Status)
		})

		t.Run("StaleCopyNeverOverwrites", func(t *testing.T) {
			_, err := db.AcceptCall(ctx, "4003", []byte(`{}`), received)
			require.NoError(t, err)
			stale, err := db.GetCall(ctx, "4003")
			require.NoError(t, err)
			fresh := stale
			fresh.Status = callsync.StatusSynced
			_, _, err = db.UpdateCall(ctx, stale, fresh)
			require.NoError(t, err)

			lost := stale
			lost.Status = callsync.StatusFailed
			_, _, err = db.UpdateCall(ctx, stale, lost, callsync.SyncCallArgs{CallID: "4003"})
			require.ErrorIs(t, err, callsync.ErrStale)
			call, err := db.GetCall(ctx, "4003")
			require.NoError(t, err)
			assert.Equal(t, callsync.StatusSynced, call.Status, "the stale write changed nothing")
			assert.Equal(t, 1, countJobs(t, db, "sync_call", "4003"), "the stale write queued no job")
		})

		t.Run("JobsAreQueuedWithTheChange", func(t *testing.T) {
			_, err := db.AcceptCall(ctx, "4004", []byte(`{}`), received)
			require.NoError(t, err)
			read, err := db.GetCall(ctx, "4004")
			require.NoError(t, err)
			next := read
			next.Status = callsync.StatusSynced
			_, inserted, err := db.UpdateCall(ctx, read, next, callsync.PatchSummaryArgs{CallID: "4004", SummaryHTML: "<p>x</p>"}, callsync.SyncCallArgs{CallID: "4004"})
			require.NoError(t, err)
			require.Len(t, inserted, 2)
			assert.False(t, inserted[0].Duplicate)
			assert.True(t, inserted[1].Duplicate, "the call's sync_call from AcceptCall is still live")
			assert.Equal(t, 1, countJobs(t, db, "patch_summary", "4004"))
		})

		t.Run("UnknownCallIsNotFound", func(t *testing.T) {
			_, _, err := db.UpdateCall(ctx, callsync.Call{ID: "404"}, callsync.Call{ID: "404", Status: callsync.StatusSynced})
			require.ErrorIs(t, err, callsync.ErrNotFound)
			assert.Contains(t, err.Error(), "404")
		})

		t.Run("UnknownStatusIsRejected", func(t *testing.T) {
			_, err := db.AcceptCall(ctx, "4002", []byte(`{}`), received)
			require.NoError(t, err)
			err = saveCall(ctx, db, callsync.Call{ID: "4002", Status: "done"})
			require.Error(t, err)
			call, err := db.GetCall(ctx, "4002")
			require.NoError(t, err)
			assert.Equal(t, callsync.StatusQueued, call.Status)
		})
	})
}

func TestStranded(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *DB) {
		ctx := t.Context()
		db.now = func() time.Time { return received }
		set := func(id string, status callsync.Status, nextCheck time.Time, keepJob bool) {
			t.Helper()
			_, err := db.AcceptCall(ctx, id, []byte(`{}`), received)
			require.NoError(t, err)
			require.NoError(t, saveCall(ctx, db, callsync.Call{ID: id, Status: status, NextCheckAt: nextCheck}))
			if !keepJob {
				deleteJobs(t, db, id)
			}
		}
		later := received.Add(time.Hour)
		set("queued-with-job", callsync.StatusQueued, time.Time{}, true)
		set("queued-lost", callsync.StatusQueued, time.Time{}, false)
		set("unmatched-retrying-lost", callsync.StatusUnmatched, later, false)
		set("unmatched-done", callsync.StatusUnmatched, time.Time{}, false)
		set("synced-polled", callsync.StatusSynced, later, false)
		set("synced-patch-lost", callsync.StatusSynced, time.Time{}, false)
		set("complete", callsync.StatusComplete, time.Time{}, false)

		t.Run("NonFinalCallsWithoutLiveJobs", func(t *testing.T) {
			calls, err := db.Stranded(ctx, received.Add(time.Second), 100)
			require.NoError(t, err)
			assert.ElementsMatch(t, []string{"queued-lost", "unmatched-retrying-lost", "synced-patch-lost"}, ids(calls))
		})
		t.Run("RecentChangesAreLeftAlone", func(t *testing.T) {
			calls, err := db.Stranded(ctx, received, 100)
			require.NoError(t, err)
			assert.Empty(t, calls)
		})
	})
}

func TestDailyBudget(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *DB) {
		ctx := t.Context()
		for range 3 {
			ok, err := db.TakeBudget(ctx, "gong", "2026-12-02", 3)
			require.NoError(t, err)
			require.True(t, ok)
		}
		ok, err := db.TakeBudget(ctx, "gong", "2026-12-02", 3)
		require.NoError(t, err)
		assert.False(t, ok, "the fourth request of a budget of 3 is refused")
		ok, err = db.TakeBudget(ctx, "gong", "2026-12-03", 3)
		require.NoError(t, err)
		assert.True(t, ok, "a new UTC day has a budget of its own")
		require.NoError(t, db.RefundBudget(ctx, "gong", "2026-12-02"))
		used, err := db.BudgetUsed(ctx, "gong", "2026-12-02")
		require.NoError(t, err)
		assert.Equal(t, 2, used)
		ok, err = db.TakeBudget(ctx, "gong", "2026-12-02", 3)
		require.NoError(t, err)
		assert.True(t, ok, "a refunded request may be taken again")
	})
}

func TestListCalls(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *DB) {
		ctx := t.Context()
		accept := func(id string, at time.Time, status callsync.Status) {
			t.Helper()
			_, err := db.AcceptCall(ctx, id, []byte(`{}`), at)
			require.NoError(t, err)
			require.NoError(t, saveCall(ctx, db, callsync.Call{ID: id, Status: status}))
		}
		accept("10", received, callsync.StatusSynced)
		accept("30", received.Add(2*time.Minute), callsync.StatusUnmatched)
		accept("20", received.Add(2*time.Minute), callsync.StatusSynced) // same time as 30: ids break the tie
		accept("40", received.Add(time.Minute), callsync.StatusFailed)

		t.Run("NewestFirstThenCallIDDescending", func(t *testing.T) {
			calls, err := db.ListCalls(ctx, "", 100)
			require.NoError(t, err)
			assert.Equal(t, []string{"30", "20", "40", "10"}, ids(calls))
		})

		t.Run("FiltersByStatus", func(t *testing.T) {
			calls, err := db.ListCalls(ctx, callsync.StatusSynced, 100)
			require.NoError(t, err)
			assert.Equal(t, []string{"20", "10"}, ids(calls))

			calls, err = db.ListCalls(ctx, callsync.StatusComplete, 100)
			require.NoError(t, err)
			assert.Empty(t, calls)
		})

		t.Run("LimitIsClampedToOneThroughAThousand", func(t *testing.T) {
			for _, test := range []struct {
				limit, want int
			}{{2, 2}, {0, 1}, {-5, 1}, {5000, 4}} {
				calls, err := db.ListCalls(ctx, "", test.limit)
				require.NoError(t, err)
				assert.Len(t, calls, test.want, "limit %d", test.limit)
			}
			assert.Equal(t, 1000, clampLimit(5000))
		})

		t.Run("RowsCarryNoPayload", func(t *testing.T) {
			calls, err := db.ListCalls(ctx, "", 1)
			require.NoError(t, err)
			require.Len(t, calls, 1)
			assert.Nil(t, calls[0].Payload)
			assert.Equal(t, received.Add(2*time.Minute).Truncate(time.Millisecond), calls[0].ReceivedAt)
		})
	})
}

func TestDueForSummary(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *DB) {
		ctx := t.Context()
		now := received.Add(time.Hour)

		save := func(id string, status callsync.Status, nextCheck time.Time) {
			t.Helper()
			_, err := db.AcceptCall(ctx, id, []byte(`{}`), received)
			require.NoError(t, err)
			require.NoError(t, saveCall(ctx, db, callsync.Call{ID: id, Status: status, NextCheckAt: nextCheck}))
		}
		save("due-late", callsync.StatusSynced, now.Add(-30*time.Minute))
		save("due-now", callsync.StatusSynced, now)
		save("due-early", callsync.StatusSynced, now.Add(-45*time.Minute))
		save("not-yet", callsync.StatusSynced, now.Add(time.Millisecond))
		save("no-check", callsync.StatusSynced, time.Time{})
		save("unmatched", callsync.StatusUnmatched, now.Add(-2*time.Hour)) // re-resolved by its own job
		save("complete", callsync.StatusComplete, now.Add(-2*time.Hour))

		t.Run("SyncedCallsDueAtOrBeforeNowLongestDueFirst", func(t *testing.T) {
			due, err := db.DueForSummary(ctx, now, 100)
			require.NoError(t, err)
			assert.Equal(t, []string{"due-early", "due-late", "due-now"}, ids(due))
		})

		t.Run("Limit", func(t *testing.T) {
			due, err := db.DueForSummary(ctx, now, 2)
			require.NoError(t, err)
			assert.Equal(t, []string{"due-early", "due-late"}, ids(due))
		})

	})
}

func ids(calls []callsync.Call) []string {
	out := make([]string, len(calls))
	for i, call := range calls {
		out[i] = call.ID
	}
	return out
}

func countID(calls []callsync.Call, id string) int {
	n := 0
	for _, call := range calls {
		if call.ID == id {
			n++
		}
	}
	return n
}

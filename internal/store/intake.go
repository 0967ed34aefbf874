package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/gongsync/gongsync/internal/callsync"
)

// AcceptCall writes the call's row and its sync_call job in one transaction
// and returns once it is committed. A call id already in the ledger is a
// duplicate: nothing is written.
func (db *DB) AcceptCall(ctx context.Context, callID string, payload []byte, receivedAt time.Time) (duplicate bool, err error) {
	if callID == "" {
		return false, errors.New("accepting a call: empty call id")
	}
	if payload == nil {
		payload = []byte{}
	}
	at := receivedAt.UnixMilli()
	err = db.engine.inTx(ctx, func(tx querier, enqueue enqueueFunc) error {
		inserted, err := tx.exec(ctx, `INSERT INTO calls (call_id, status, payload, received_at, updated_at)
			VALUES (?, ?, ?, ?, ?) ON CONFLICT (call_id) DO NOTHING`,
			callID, string(callsync.StatusQueued), payload, at, at)
		if err != nil {
			return err
		}
		if inserted == 0 {
			duplicate = true
			return nil
		}
		_, err = enqueue(callsync.SyncCallArgs{CallID: callID})
		return err
	})
	if err != nil {
		return false, fmt.Errorf("call %s: accepting: %w", callID, err)
	}
	return duplicate, nil
}

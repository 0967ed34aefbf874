package store

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestCheckpointerCopiesTheWALBack(t *testing.T) {
	path := filepath.Join(t.TempDir(), "gongsync.db")
	db := openTestDB(t, "sqlite:"+path)
	require.NoError(t, db.Migrate(t.Context()))
	time.Sleep(2 * checkpointEvery) // the migrations are copied back
	before := fileSize(t, path)
	for i := range 500 {
		_, err := db.AcceptCall(t.Context(), fmt.Sprint(900000+i), make([]byte, 2048), time.Now())
		require.NoError(t, err)
	}
	// The writer never checkpoints (wal_autocheckpoint=0): only the
	// checkpointer can have grown the database file.
	require.Eventually(t, func() bool { return fileSize(t, path) > before+500*2048 }, 10*time.Second, 100*time.Millisecond,
		"the checkpointer copied the calls into the database file")

	require.NoError(t, db.Close())
	assert.Zero(t, fileSize(t, path+"-wal"), "Close leaves an empty WAL")
}

func fileSize(t *testing.T, path string) int64 {
	t.Helper()
	info, err := os.Stat(path)
	if os.IsNotExist(err) {
		return 0
	}
	require.NoError(t, err)
	return info.Size()
}

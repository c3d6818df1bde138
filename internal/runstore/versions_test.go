package runstore

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestDagVersions: a DAG's versions are numbered in the order first seen,
// by a run or RecordDagVersion, and a run keeps its version's number.
func TestDagVersions(t *testing.T) {
	t.Parallel()
	for _, backend := range backends {
		t.Run(backend, func(t *testing.T) {
			t.Parallel()
			b := setupOn(t, backend)
			ctx := context.Background()
			t0 := b.now
			v1, err := b.store.RecordDagVersion(ctx, "d", "v1")
			require.NoError(t, err)
			require.Equal(t, DagVersion{DagID: "d", Version: "v1", Number: 1, Created: t0}, v1)

			b.now = t0.Add(time.Minute)
			snap := chain("d", 2) // version "v1"
			res, err := b.store.CreateRun(ctx, NewRun{DAG: snap, RunID: "r1"})
			require.NoError(t, err)
			require.Equal(t, 1, res.Run.DagVersionNumber, "v1 was seen before the run")
			require.Equal(t, t0, res.Run.DagVersionCreated)

			snap.Version = "v2"
			b.now = t0.Add(2 * time.Minute)
			res, err = b.store.CreateRun(ctx, NewRun{DAG: snap, RunID: "r2"})
			require.NoError(t, err)
			require.Equal(t, 2, res.Run.DagVersionNumber, "a changed definition is the next version")
			got, err := b.store.GetRun(ctx, "d", "r2")
			require.NoError(t, err)
			require.Equal(t, 2, got.DagVersionNumber)
			require.Equal(t, t0.Add(2*time.Minute), got.DagVersionCreated)

			again, err := b.store.RecordDagVersion(ctx, "d", "v1")
			require.NoError(t, err)
			require.Equal(t, v1, again, "recording a known version changes nothing")

			vs, err := b.store.DagVersions(ctx, "d")
			require.NoError(t, err)
			require.Equal(t, []DagVersion{v1, {DagID: "d", Version: "v2", Number: 2, Created: t0.Add(2 * time.Minute)}}, vs)
			none, err := b.store.DagVersions(ctx, "other")
			require.NoError(t, err)
			require.Empty(t, none)
			_, err = b.store.RecordDagVersion(ctx, "bad{id}", "v")
			require.ErrorIs(t, err, ErrInvalid)
		})
	}
}

package runstore

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestPoolSlotsAndLeases(t *testing.T) {
	t.Parallel()
	for _, backend := range backends {
		t.Run(backend, func(t *testing.T) {
			t.Parallel()
			b := setupOn(t, backend)
			ctx := context.Background()
			lease := time.Minute
			ok, err := b.store.AcquirePool(ctx, "p", "a", 2, 3, lease)
			require.NoError(t, err)
			require.True(t, ok)
			ok, err = b.store.AcquirePool(ctx, "p", "b", 2, 3, lease)
			require.NoError(t, err)
			require.False(t, ok, "2+2 slots over a pool of 3")
			ok, err = b.store.AcquirePool(ctx, "p", "c", 1, 3, lease)
			require.NoError(t, err)
			require.True(t, ok)
			used, err := b.store.PoolUsage(ctx, "p")
			require.NoError(t, err)
			require.Equal(t, 3, used)
			require.NoError(t, b.store.ReleasePool(ctx, "p", "a"))
			ok, err = b.store.AcquirePool(ctx, "p", "b", 2, 3, lease)
			require.NoError(t, err)
			require.True(t, ok)
			// a crashed holder's lease ends and frees its slots
			b.now = b.now.Add(2 * lease)
			ok, err = b.store.ExtendPool(ctx, "p", "c", lease)
			require.NoError(t, err)
			require.False(t, ok)
			used, err = b.store.PoolUsage(ctx, "p")
			require.NoError(t, err)
			require.Equal(t, 0, used)
		})
	}
}

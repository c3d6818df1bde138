package clock_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/dagworker/dagworker/internal/clock"
)

func TestWall(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		after time.Duration
	}{
		{name: "zero", after: 0},
		{name: "short", after: 5 * time.Millisecond},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var c clock.Clock = clock.Wall{}
			start := c.Now()
			fired := <-c.After(tc.after)
			require.False(t, fired.Before(start.Add(tc.after)), "After fired before %v elapsed", tc.after)
			require.False(t, c.Now().Before(start))
		})
	}
}

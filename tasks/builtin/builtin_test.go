package builtin

import (
	"context"
	"encoding/json"
	"log/slog"
	"testing"
	"time"

	"github.com/dagworker/dagworker/tasks"
	"github.com/stretchr/testify/require"
)

func TestBuiltins(t *testing.T) {
	t.Parallel()
	tests := []struct {
		typ     string
		args    string
		try     int
		want    string
		wantErr error
	}{
		{"noop", `{}`, 1, `null`, nil},
		{"echo", `{"a":[1,"x"]}`, 1, `{"a":[1,"x"]}`, nil},
		{"sleep", `{"duration":"10ms"}`, 1, `{"slept":"10ms"}`, nil},
		{"sleep", `{"duration":"soon"}`, 1, ``, tasks.ErrInvalidArgs},
		{"sleep", `{"nap":"1s"}`, 1, ``, tasks.ErrInvalidArgs},
		{"fail", `{}`, 1, ``, ErrFail},
		{"fail", `{"until_try":2}`, 1, ``, ErrFail},
		{"fail", `{"until_try":2}`, 2, `{"try":2}`, nil},
	}
	hs := Handlers()
	for _, tt := range tests {
		t.Run(tt.typ+tt.args, func(t *testing.T) {
			t.Parallel()
			task := &tasks.Task{Type: tt.typ, Args: json.RawMessage(tt.args), Info: tasks.Info{Try: tt.try},
				Logger: slog.New(slog.DiscardHandler)}
			v, err := hs[tt.typ].Run(context.Background(), task)
			if tt.wantErr != nil {
				require.ErrorIs(t, err, tt.wantErr)
				return
			}
			require.NoError(t, err)
			b, err := json.Marshal(v)
			require.NoError(t, err)
			require.JSONEq(t, tt.want, string(b))
		})
	}
}

func TestSleepStopsWithContext(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	_, err := Sleep(ctx, &tasks.Task{Args: json.RawMessage(`{"duration":"1h"}`), Logger: slog.New(slog.DiscardHandler)})
	require.ErrorIs(t, err, context.DeadlineExceeded)
}

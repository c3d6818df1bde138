package runstore

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestKeys(t *testing.T) {
	t.Parallel()
	k := NewKeys("dw")
	run := "scheduled__2026-01-01T00:00:00Z"
	tests := []struct{ got, want string }{
		{k.Tag("d"), "{dw:d}"},
		{k.Run("d", run), "{dw:d}:run:" + run},
		{k.Runs("d"), "{dw:d}:runs"},
		{k.Active("d"), "{dw:d}:active"},
		{k.Queued("d"), "{dw:d}:queued"},
		{k.TaskList("d", run), "{dw:d}:tasks:" + run},
		{k.TI("d", run, "t1"), "{dw:d}:ti:" + run + ":t1"},
		{k.XCom("d", run), "{dw:d}:xcom:" + run},
		{k.Wait("d", run), "{dw:d}:wait:" + run},
		{k.Versions("d"), "{dw:d}:versions"},
		{k.DAGs(), "dw:dags"},
	}
	for _, tt := range tests {
		require.Equal(t, tt.want, tt.got)
	}
}

func TestCheckID(t *testing.T) {
	t.Parallel()
	tests := []struct {
		kind, id string
		ok       bool
	}{
		{"dag", "nightly_sites", true},
		{"dag", "a{b", false},
		{"dag", "", false},
		{"run", "manual__2026-01-01T00:00:00.5Z", true},
		{"run", "x/y", false},
		{"task", "group.task-1", true},
		{"task", "a:b", false},
		{"task", "a,b", false},
		{"task", "a\nb", false},
		{"dag", ".", false},
		{"run", "..", false},
		{"task", ".", false},
		{"task", "...", true},
	}
	for _, tt := range tests {
		err := CheckID(tt.kind, tt.id)
		if tt.ok {
			require.NoError(t, err, tt.id)
		} else {
			require.ErrorIs(t, err, ErrInvalid, tt.id)
		}
	}
}

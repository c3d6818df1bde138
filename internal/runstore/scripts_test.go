package runstore

import (
	"context"
	"strings"
	"testing"

	"github.com/alicebob/miniredis/v2"
	"github.com/dagworker/dagworker/internal/redistest"
	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"
)

// libraryName is the name FUNCTION LIST shows for libraryCode.
func libraryName() string {
	first, _, _ := strings.Cut(libraryCode, "\n")
	return strings.TrimPrefix(first, "#!lua name=")
}

// runChain drives a 3-task chain run to success through the store's steps.
func runChain(t *testing.T, st *Store, runID string) {
	t.Helper()
	ctx := context.Background()
	res, err := st.CreateRun(ctx, NewRun{DAG: chain("d", 3), RunID: runID})
	require.NoError(t, err)
	queue := res.Dispatch
	for len(queue) > 0 {
		d := queue[0]
		queue = queue[1:]
		_, err := st.StartTry(ctx, d.DagID, d.RunID, d.TaskID, d.Try, "h")
		require.NoError(t, err)
		cr, err := st.Complete(ctx, Completion{DagID: d.DagID, RunID: d.RunID, TaskID: d.TaskID, Try: d.Try, Outcome: OutcomeSuccess})
		require.NoError(t, err)
		queue = append(queue, cr.Dispatch...)
	}
	run, err := st.GetRun(ctx, "d", runID)
	require.NoError(t, err)
	require.Equal(t, RunSuccess, run.State)
}

func TestStepsRunAsFunctionsAndReloadAfterFlush(t *testing.T) {
	t.Parallel()
	srv := redistest.StartOwn(t) // FUNCTION FLUSH must not disturb other tests
	rdb := redis.NewClient(&redis.Options{Addr: srv.Addr})
	t.Cleanup(func() { _ = rdb.Close() })
	st, err := New(Config{Client: rdb})
	require.NoError(t, err)
	ctx := context.Background()

	runChain(t, st, "r1")
	require.False(t, st.evalOnly.Load(), "redis-server 7 runs the steps as functions")
	libs, err := rdb.FunctionList(ctx, redis.FunctionListQuery{LibraryNamePattern: libraryName()}).Result()
	require.NoError(t, err)
	require.Len(t, libs, 1)
	require.Len(t, libs[0].Functions, 13)
	// No script was loaded: the steps did not fall back to EVALSHA.
	exists, err := rdb.ScriptExists(ctx, scriptStart.eval.Hash()).Result()
	require.NoError(t, err)
	require.Equal(t, []bool{false}, exists)

	// A server that lost the library (FUNCTION FLUSH, a failover to a
	// server that never had it) gets it again on the next step.
	require.NoError(t, rdb.FunctionFlush(ctx).Err())
	runChain(t, st, "r2")
	require.False(t, st.evalOnly.Load())
	libs, err = rdb.FunctionList(ctx, redis.FunctionListQuery{LibraryNamePattern: libraryName()}).Result()
	require.NoError(t, err)
	require.Len(t, libs, 1)
}

func TestStepsFallBackToScriptsWithoutFunctions(t *testing.T) {
	t.Parallel()
	mr := miniredis.RunT(t) // no FCALL
	rdb := redis.NewClient(&redis.Options{Addr: mr.Addr()})
	t.Cleanup(func() { _ = rdb.Close() })
	st, err := New(Config{Client: rdb})
	require.NoError(t, err)
	runChain(t, st, "r1")
	require.True(t, st.evalOnly.Load())
	runChain(t, st, "r2")
}

func TestLibraryNamesItsFunctions(t *testing.T) {
	t.Parallel()
	name := libraryName()
	require.Regexp(t, `^dagworker_[0-9a-f]{12}$`, name)
	for _, sc := range []*script{scriptCreate, scriptStart, scriptComplete, scriptRetry, scriptFinish,
		scriptClear, scriptDelete, scriptNote, scriptPool, scriptVersion} {
		require.Equal(t, name+"_"+sc.name, sc.fn)
		require.Contains(t, libraryCode, "redis.register_function('"+sc.fn+"'")
		require.NotNil(t, sc.eval)
	}
}

func TestMissingFunction(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		err  error
		want bool
	}{
		{nil, false},
		{redis.Nil, false},
		{errString("ERR Function not found"), true},
		{errString("ERR unknown command 'FCALL', with args beginning with: "), true},
		{errString("ERR unknown subcommand 'LOAD'. Try FUNCTION HELP."), true},
		{errString("NOPERM User default has no permissions to run the 'fcall' command"), true},
		{errString("NOPERM User app has no permissions to run the 'function|load' command"), true},
		{errString("NOPERM No permissions to access a key"), false},
		{errString("ERR user_script:12: Script attempted to access nonexistent global variable"), false},
		{errString("dial tcp 127.0.0.1:1: connect: connection refused"), false},
	} {
		require.Equal(t, tc.want, missingFunction(tc.err), "%v", tc.err)
	}
}

type errString string

func (e errString) Error() string { return string(e) }

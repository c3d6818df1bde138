package runstore

import (
	"context"
	"crypto/sha1"
	_ "embed"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

var (
	//go:embed lua/lib.lua
	luaLib string
	//go:embed lua/create.lua
	luaCreate string
	//go:embed lua/start.lua
	luaStart string
	//go:embed lua/complete.lua
	luaComplete string
	//go:embed lua/retry.lua
	luaRetry string
	//go:embed lua/finish.lua
	luaFinish string
	//go:embed lua/setstate.lua
	luaSetState string
)

// The run store's steps. Each is a function of one Redis function library
// (FCALL), so the shared helpers are loaded once per server rather than run
// again by every call; on a server without functions (Redis before 7.0,
// miniredis, an ACL that forbids them) the same step runs as a script of the
// helpers and its body (EVALSHA).
var (
	scriptCreate   = &script{name: "create", body: luaCreate, lib: true}
	scriptStart    = &script{name: "start", body: luaStart, lib: true}
	scriptComplete = &script{name: "complete", body: luaComplete, lib: true}
	scriptRetry    = &script{name: "retry", body: luaRetry, lib: true}
	scriptFinish   = &script{name: "finish", body: luaFinish, lib: true}
	scriptClear    = &script{name: "clear", body: luaClear, lib: true}
	scriptDelete   = &script{name: "delete", body: luaDelete, lib: true}
	scriptNote     = &script{name: "note", body: luaNote, lib: true}
	scriptSetState = &script{name: "setstate", body: luaSetState, lib: true}
	scriptSetTask  = &script{name: "settask", body: luaSetTask, lib: true}
	scriptHold     = &script{name: "hold", body: luaHold, lib: true}
	scriptPool     = &script{name: "pool", body: luaPool}
	scriptVersion  = &script{name: "version", body: luaVersion, lib: true}

	// libraryCode is the FUNCTION LOAD source of every step above.
	libraryCode = buildLibrary(scriptCreate, scriptStart, scriptComplete, scriptRetry, scriptFinish,
		scriptClear, scriptDelete, scriptNote, scriptSetState, scriptSetTask, scriptHold, scriptPool, scriptVersion)
)

// script is one step: the body reads KEYS and ARGV.
type script struct {
	name string
	body string
	// lib: the body uses lua/lib.lua's helpers.
	lib bool
	// fn is the step's function name and eval the step as a script; both
	// are set by buildLibrary.
	fn   string
	eval *redis.Script
}

// buildLibrary returns the library source of steps and names their
// functions. The library's name carries a hash of its source, so workers of
// two versions share a server during a rolling upgrade without replacing
// each other's steps.
func buildLibrary(steps ...*script) string {
	h := sha1.New()
	h.Write([]byte(luaLib))
	for _, sc := range steps {
		h.Write([]byte{0})
		h.Write([]byte(sc.name + "\x00" + sc.body))
	}
	lib := "dagworker_" + hex.EncodeToString(h.Sum(nil))[:12]
	var b strings.Builder
	b.WriteString("#!lua name=" + lib + "\n" + luaLib + "\n")
	for _, sc := range steps {
		sc.fn = lib + "_" + sc.name
		code := sc.body
		if sc.lib {
			code = "begin(KEYS)\n" + sc.body
			sc.eval = redis.NewScript(luaLib + "\n" + code)
		} else {
			sc.eval = redis.NewScript(sc.body)
		}
		fmt.Fprintf(&b, "redis.register_function('%s', function(KEYS, ARGV)\n%s\nend)\n", sc.fn, code)
	}
	return b.String()
}

// call runs step sc: FCALL, loading the library first when the server does
// not have it (a new server, a FUNCTION FLUSH, a failover to a replica that
// never got it); on a server without functions it switches the Store to
// EVALSHA for good.
func (s *Store) call(ctx context.Context, sc *script, keys []string, args ...any) *redis.Cmd {
	if !s.evalOnly.Load() {
		cmd := s.rdb.FCall(ctx, sc.fn, keys, args...)
		if !missingFunction(cmd.Err()) {
			return cmd
		}
		err := s.loadLibrary(ctx)
		if err == nil {
			return s.rdb.FCall(ctx, sc.fn, keys, args...)
		}
		if !missingFunction(err) {
			cmd = redis.NewCmd(ctx)
			cmd.SetErr(fmt.Errorf("load the run store's functions: %w", err))
			return cmd
		}
		s.evalOnly.Store(true)
	}
	return sc.eval.Run(ctx, s.rdb, keys, args...)
}

// loadLibrary loads libraryCode on the server (every master of a cluster).
func (s *Store) loadLibrary(ctx context.Context) error {
	if c, ok := s.rdb.(*redis.ClusterClient); ok {
		return c.ForEachMaster(ctx, func(ctx context.Context, m *redis.Client) error {
			return m.FunctionLoadReplace(ctx, libraryCode).Err()
		})
	}
	return s.rdb.FunctionLoadReplace(ctx, libraryCode).Err()
}

// missingFunction reports an error of FCALL or FUNCTION LOAD that a load or
// the EVALSHA fallback cures: the function is not loaded, the server has no
// functions, or the user may not run FCALL or FUNCTION (a user denied a key
// is not: scripts would be denied it too).
func missingFunction(err error) bool {
	if err == nil {
		return false
	}
	msg := strings.ToLower(err.Error())
	return strings.Contains(msg, "function not found") || strings.Contains(msg, "unknown command") ||
		strings.Contains(msg, "unknown subcommand") ||
		strings.HasPrefix(msg, "noperm") && (strings.Contains(msg, "'fcall'") || strings.Contains(msg, "'function"))
}

func (s *Store) run(ctx context.Context, sc *script, dagID string, args ...any) ([]any, error) {
	res, err := s.call(ctx, sc, []string{s.keys.Tag(dagID)}, args...).Slice()
	if err != nil {
		return nil, err
	}
	return res, nil
}

func ms(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return strconv.FormatInt(t.UnixMilli(), 10)
}

func fromMS(v string) time.Time {
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || v == "" {
		return time.Time{}
	}
	return time.UnixMilli(n).UTC()
}

func str(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case int64:
		return strconv.FormatInt(x, 10)
	case nil:
		return ""
	default:
		return fmt.Sprint(x)
	}
}

func atoi(v string) int {
	n, _ := strconv.Atoi(v)
	return n
}

// dispatchArity is the length of a dispatch tuple in script replies.
const dispatchArity = 12

// dispatches decodes the tuples after the first skip reply elements.
func dispatches(dagID string, res []any, skip int) []Dispatch {
	var out []Dispatch
	for i := skip; i+dispatchArity-1 < len(res); i += dispatchArity {
		d := Dispatch{
			DagID:            dagID,
			RunID:            str(res[i]),
			TaskID:           str(res[i+1]),
			Try:              atoi(str(res[i+2])),
			Queue:            str(res[i+3]),
			ExecutionTimeout: time.Duration(atoi(str(res[i+4]))) * time.Millisecond,
			Inc:              str(res[i+10]),
			TraceParent:      str(res[i+11]),
		}
		if at := str(res[i+5]); at != "0" && at != "" {
			d.RetryAt = fromMS(at)
		} else if d.Pool = str(res[i+6]); d.Pool != "" {
			d.PoolSlots = max(1, atoi(str(res[i+7])))
		}
		if st := str(res[i+8]); st != "" {
			d.Static, d.RunStart = json.RawMessage(st), fromMS(str(res[i+9]))
		}
		out = append(out, d)
	}
	return out
}

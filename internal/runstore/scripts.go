package runstore

import (
	"context"
	_ "embed"
	"fmt"
	"strconv"
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
)

// Each script is the shared library followed by its body; redis.Script runs
// it with EVALSHA and falls back to EVAL once per server.
var (
	scriptCreate   = redis.NewScript(luaLib + luaCreate)
	scriptStart    = redis.NewScript(luaLib + luaStart)
	scriptComplete = redis.NewScript(luaLib + luaComplete)
	scriptRetry    = redis.NewScript(luaLib + luaRetry)
	scriptFinish   = redis.NewScript(luaLib + luaFinish)
)

func (s *Store) run(ctx context.Context, sc *redis.Script, dagID string, args ...any) ([]any, error) {
	res, err := sc.Run(ctx, s.rdb, []string{s.keys.Tag(dagID)}, args...).Slice()
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
const dispatchArity = 8

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
		}
		if at := str(res[i+5]); at != "0" && at != "" {
			d.RetryAt = fromMS(at)
		} else if d.Pool = str(res[i+6]); d.Pool != "" {
			d.PoolSlots = max(1, atoi(str(res[i+7])))
		}
		out = append(out, d)
	}
	return out
}

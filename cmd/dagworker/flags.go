package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/dagworker/dagworker/internal/engine"
)

// newFlagSet returns a flag set for a subcommand whose usage goes to w,
// with the --log-format and --log-level every command has (newLogger reads
// them).
func newFlagSet(name string, w io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("dagworker "+name, flag.ContinueOnError)
	fs.SetOutput(w)
	fs.Var(&logFormat{name: "text"}, "log-format", "log format: text or json (one JSON object a line, slog's JSON handler)")
	fs.Var(&logLevel{}, "log-level", "log level: debug, info, warn or error (default: info for serve, worker and coordinator, warn for the other commands)")
	return fs
}

// logFormat is the value of --log-format.
type logFormat struct{ name string }

func (f *logFormat) String() string { return f.name }

func (f *logFormat) Set(s string) error {
	switch s {
	case "text", "json":
		f.name = s
		return nil
	}
	return fmt.Errorf("want text or json, not %q", s)
}

// logLevel is the value of --log-level; set is false until it is given.
type logLevel struct {
	level slog.Level
	set   bool
}

func (l *logLevel) String() string {
	if !l.set {
		return ""
	}
	return strings.ToLower(l.level.String())
}

func (l *logLevel) Set(s string) error {
	if err := l.level.UnmarshalText([]byte(s)); err != nil {
		return fmt.Errorf("want debug, info, warn or error, not %q", s)
	}
	l.set = true
	return nil
}

// newLogger returns the logger that fs's --log-format and --log-level ask
// for, writing to w; def is the level when --log-level is not given.
func newLogger(fs *flag.FlagSet, w io.Writer, def slog.Level) *slog.Logger {
	opts := &slog.HandlerOptions{Level: def}
	if l, ok := fs.Lookup("log-level").Value.(*logLevel); ok && l.set {
		opts.Level = l.level
	}
	if f, ok := fs.Lookup("log-format").Value.(*logFormat); ok && f.name == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

// envName is the environment twin of a flag: "redis-url" → DAGWORKER_REDIS_URL.
func envName(flagName string) string {
	return "DAGWORKER_" + strings.ToUpper(strings.ReplaceAll(flagName, "-", "_"))
}

// parseFlags parses args, first applying each flag's DAGWORKER_* environment
// twin where the flag is not given on the command line. Flags win over env.
// A flag the set does not define gets a "did you mean" line.
func parseFlags(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if name, ok := strings.CutPrefix(err.Error(), "flag provided but not defined: "); ok {
			var names []string
			fs.VisitAll(func(f *flag.Flag) { names = append(names, f.Name) })
			suggest(fs.Output(), "flag", strings.TrimLeft(name, "-"), names)
		}
		return err
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	var err error
	fs.VisitAll(func(f *flag.Flag) {
		if set[f.Name] || err != nil {
			return
		}
		if v, ok := os.LookupEnv(envName(f.Name)); ok {
			if e := f.Value.Set(v); e != nil {
				err = fmt.Errorf("%s=%q: %w", envName(f.Name), v, e)
			}
		}
	})
	return err
}

// The flags below are shared by several commands. Each is defined here once,
// with one name, default and help text; a command only says what its own
// use of the flag means where that differs (an empty --redis-url, the
// default of --blob-url).

// What an empty --redis-url means, for redisURLFlag.
const (
	redisRequired = "required"
	redisRemote   = "the Redis of a running dagworker; required"
	redisEmbedded = "empty runs on an embedded, non-durable Redis"
)

// redisURLFlag adds --redis-url; empty says what an empty URL means to the
// command (redisRequired, redisRemote or redisEmbedded).
func redisURLFlag(fs *flag.FlagSet, empty string) *string {
	return fs.String("redis-url", "", "Redis URL (redis://host:port/db); "+empty)
}

// keyPrefixFlag adds --key-prefix.
func keyPrefixFlag(fs *flag.FlagSet) *string {
	return fs.String("key-prefix", "dagworker", "Redis key prefix of the run state")
}

// blobURLFlag adds --blob-url with the default def; use, when not empty,
// says what the command reads or writes there.
func blobURLFlag(fs *flag.FlagSet, def, use string) *string {
	help := "data lake URL (gocloud.dev/blob)"
	if use != "" {
		help += "; " + use
	}
	return fs.String("blob-url", def, help)
}

// slotFlags adds a worker's --concurrency and --dequeuers.
func slotFlags(fs *flag.FlagSet) (concurrency, dequeuers *int) {
	concurrency = fs.Int("concurrency", runtime.NumCPU()*2, "tries run at once")
	dequeuers = fs.Int("dequeuers", 0, "asynq servers sharing the --concurrency slots, each dequeuing on its own (0: 2, or 1 when --concurrency is 1)")
	return concurrency, dequeuers
}

// queuesFlag adds --queues; note, when not empty, is appended to the help.
func queuesFlag(fs *flag.FlagSet, note string) *string {
	help := "queues to serve with weights: name[:weight],..."
	if note != "" {
		help += " (" + note + ")"
	}
	return fs.String("queues", "default:1", help)
}

// waitFlags adds --wait (whose help is the command's) and --timeout, which
// bounds it.
func waitFlags(fs *flag.FlagSet, waitHelp string) (wait *bool, timeout *time.Duration) {
	wait = fs.Bool("wait", false, waitHelp)
	timeout = fs.Duration("timeout", 0, "with --wait, give up after this long (0: no limit)")
	return wait, timeout
}

// withTimeout returns ctx bounded by d, or ctx itself when d is not
// positive (no limit). Call the returned cancel when done.
func withTimeout(ctx context.Context, d time.Duration) (context.Context, context.CancelFunc) {
	if d <= 0 {
		return ctx, func() {}
	}
	return context.WithTimeout(ctx, d)
}

// flagError is what a command returns when its flags did not parse: a
// success after -h/--help (the usage was printed), else exit status 2.
func flagError(err error) error {
	if errors.Is(err, flag.ErrHelp) {
		return exitError(0)
	}
	return exitError(2)
}

// isHelp reports whether arg asks for help.
func isHelp(arg string) bool {
	return arg == "-h" || arg == "-help" || arg == "--help" || arg == "help"
}

// suggest prints "did you mean" with the known names closest to got: those
// at the smallest edit distance, if it is at most a third of got's length
// (at least 2), else those got is a prefix of.
func suggest(w io.Writer, what, got string, known []string) {
	var close []string
	best := max(2, len(got)/3) + 1
	for _, k := range known {
		switch d := levenshtein(got, k); {
		case d < best:
			best, close = d, []string{k}
		case d == best:
			close = append(close, k)
		}
	}
	if len(close) == 0 && len(got) >= 3 {
		for _, k := range known {
			if strings.HasPrefix(k, got) {
				close = append(close, k)
			}
		}
	}
	if len(close) == 0 {
		return
	}
	if what == "flag" {
		for i, c := range close {
			close[i] = "--" + c
		}
	}
	fmt.Fprintf(w, "unknown %s %q; did you mean %s?\n", what, got, strings.Join(close, " or "))
}

// levenshtein is the edit distance of a and b (bytes; names are ASCII).
func levenshtein(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// shutdownTimeoutFlag adds a worker's --shutdown-timeout: the drain.
func shutdownTimeoutFlag(fs *flag.FlagSet) *time.Duration {
	return fs.Duration("shutdown-timeout", 30*time.Second, "on SIGTERM, how long running tries may finish before they are handed back to the queue (asynq's ShutdownTimeout); keep the orchestrator's grace period longer")
}

// recoveryFlags are the coordinator's settings for finding lost tries.
type recoveryFlags struct {
	reconcileEvery  *time.Duration
	lostTaskGrace   *time.Duration
	lostWorkerGrace *time.Duration
}

// addRecoveryFlags adds --reconcile-every, --lost-task-grace and
// --lost-worker-grace (see the README's operations section).
func addRecoveryFlags(fs *flag.FlagSet) recoveryFlags {
	return recoveryFlags{
		reconcileEvery: fs.Duration("reconcile-every", 30*time.Second, "period of the reconcile sweep that repairs lost enqueues and fails lost tries"),
		lostTaskGrace: fs.Duration("lost-task-grace", engine.DefaultLostTaskGrace,
			"how long a try may be running with no asynq task (or completed in asynq but not recorded) before the sweep fails it as lost"),
		lostWorkerGrace: fs.Duration("lost-worker-grace", engine.DefaultLostWorkerGrace,
			"how long a try's asynq task may be active with no live worker holding it before the sweep fails it as lost (at least 6s; negative: off)"),
	}
}

// engineConfig applies the flags to an engine config.
func (r recoveryFlags) engineConfig(c *engine.Config) {
	c.LostTaskGrace, c.LostWorkerGrace = *r.lostTaskGrace, *r.lostWorkerGrace
}

// age is a duration flag that also takes days: "30d", "36h", "90m".
type age struct{ d time.Duration }

func (a *age) String() string {
	if a.d > 0 && a.d%(24*time.Hour) == 0 {
		return strconv.Itoa(int(a.d/(24*time.Hour))) + "d"
	}
	return a.d.String()
}

func (a *age) Set(s string) error {
	if n, ok := strings.CutSuffix(s, "d"); ok {
		days, err := strconv.Atoi(n)
		if err != nil || days < 0 {
			return fmt.Errorf("want a number of days like 30d, or a duration like 36h, not %q", s)
		}
		a.d = time.Duration(days) * 24 * time.Hour
		return nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d < 0 {
		return fmt.Errorf("want a number of days like 30d, or a duration like 36h, not %q", s)
	}
	a.d = d
	return nil
}

// retentionFlags are the coordinator's retention settings.
type retentionFlags struct {
	age      *age
	keepLast *int
}

// addRetentionFlags adds --retention and --retention-keep-last.
func addRetentionFlags(fs *flag.FlagSet) retentionFlags {
	r := retentionFlags{age: &age{}}
	fs.Var(r.age, "retention", "delete finished runs (task instances, tries, XComs, lake outputs and logs) that ended longer ago than this, e.g. 30d; the leader deletes at most 500 runs a minute (0: keep everything)")
	r.keepLast = fs.Int("retention-keep-last", 10, "with --retention, keep each DAG's newest runs whatever their age")
	return r
}

// maxSeriesFlag adds a worker's --metrics-max-series.
func maxSeriesFlag(fs *flag.FlagSet) *int {
	return fs.Int("metrics-max-series", 2000, "cap on the distinct (dag_id, task_id) pairs of the per-DAG try metrics; the ones past it are counted as _other")
}

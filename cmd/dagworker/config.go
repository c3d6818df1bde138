package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"time"

	"github.com/dagworker/dagworker/dags"
	"github.com/dagworker/dagworker/internal/coordinator"
	"github.com/dagworker/dagworker/internal/engine"
	"github.com/dagworker/dagworker/internal/runstore"
	"github.com/dagworker/dagworker/worker"
	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"
)

// commonFlags are the settings shared by the commands that talk to the run
// state: the Redis URL, the Redis key prefix and the DAG folder.
type commonFlags struct {
	redisURL *string
	prefix   *string
	dags     *string
}

// addCommonFlags adds --redis-url, --key-prefix and --dags to fs; empty says
// what an empty --redis-url means (see redisURLFlag).
func addCommonFlags(fs *flag.FlagSet, empty string) commonFlags {
	return commonFlags{
		redisURL: redisURLFlag(fs, empty),
		prefix:   keyPrefixFlag(fs),
		dags:     dagsFlag(fs),
	}
}

// conn is an open connection to the run state.
type conn struct {
	opt    asynq.RedisConnOpt
	rdb    redis.UniversalClient
	store  *runstore.Store
	client *asynq.Client
	eng    *engine.Engine
}

// connect opens Redis at url and builds the run store and the engine on it;
// each of with changes the engine's configuration first.
func connect(url, prefix string, log *slog.Logger, with ...func(*engine.Config)) (*conn, error) {
	opt, err := worker.ParseRedisURL(url)
	if err != nil {
		return nil, fmt.Errorf("--redis-url: %w", err)
	}
	rdb, err := newRedisClient(opt)
	if err != nil {
		return nil, fmt.Errorf("--redis-url %q: %w", url, err)
	}
	st, err := runstore.New(runstore.Config{Client: rdb, KeyPrefix: prefix})
	if err != nil {
		_ = rdb.Close()
		return nil, err
	}
	client := asynq.NewClientFromRedisClient(rdb)
	ecfg := engine.Config{Store: st, Client: client, Logger: log}
	for _, f := range with {
		f(&ecfg)
	}
	eng, err := engine.New(ecfg)
	if err != nil {
		_ = rdb.Close()
		return nil, err
	}
	return &conn{opt: opt, rdb: rdb, store: st, client: client, eng: eng}, nil
}

// Bounds of the commands' Redis client (newRedisClient): while Redis is
// unreachable a call fails within about a second, not go-redis's ~3 s of
// dial attempts and command retries, so the API answers 503 promptly.
const (
	redisDialTimeout = time.Second
	redisPoolTimeout = 2 * time.Second
)

// newRedisClient makes the Redis client of a command from opt (what
// worker.ParseRedisURL returns) with bounded failure: one dial attempt per
// call with a 1 s timeout (unless the URL sets one), one retry of a failed
// command, a 2 s wait for a pooled connection.
func newRedisClient(opt asynq.RedisConnOpt) (redis.UniversalClient, error) {
	dial := func(d time.Duration) time.Duration {
		if d > 0 {
			return d
		}
		return redisDialTimeout
	}
	switch o := opt.(type) {
	case asynq.RedisClientOpt:
		return redis.NewClient(&redis.Options{Network: o.Network, Addr: o.Addr, Username: o.Username, Password: o.Password,
			DB: o.DB, DialTimeout: dial(o.DialTimeout), ReadTimeout: o.ReadTimeout, WriteTimeout: o.WriteTimeout,
			PoolSize: o.PoolSize, TLSConfig: o.TLSConfig, MaxRetries: 1, DialerRetries: 1, PoolTimeout: redisPoolTimeout}), nil
	case asynq.RedisFailoverClientOpt:
		return redis.NewFailoverClient(&redis.FailoverOptions{MasterName: o.MasterName, SentinelAddrs: o.SentinelAddrs,
			SentinelUsername: o.SentinelUsername, SentinelPassword: o.SentinelPassword, Username: o.Username,
			Password: o.Password, DB: o.DB, DialTimeout: dial(o.DialTimeout), ReadTimeout: o.ReadTimeout,
			WriteTimeout: o.WriteTimeout, PoolSize: o.PoolSize, TLSConfig: o.TLSConfig, MaxRetries: 1, DialerRetries: 1,
			PoolTimeout: redisPoolTimeout}), nil
	case asynq.RedisClusterClientOpt:
		return redis.NewClusterClient(&redis.ClusterOptions{Addrs: o.Addrs, MaxRedirects: o.MaxRedirects,
			Username: o.Username, Password: o.Password, DialTimeout: dial(o.DialTimeout), ReadTimeout: o.ReadTimeout,
			WriteTimeout: o.WriteTimeout, TLSConfig: o.TLSConfig, MaxRetries: 1, DialerRetries: 1,
			PoolTimeout: redisPoolTimeout}), nil
	}
	rdb, ok := opt.MakeRedisClient().(redis.UniversalClient)
	if !ok {
		return nil, fmt.Errorf("unsupported connection type %T", opt)
	}
	return rdb, nil
}

// Close closes the Redis connection.
func (c *conn) Close() { _ = c.rdb.Close() }

// newFolder returns the DAG folder named by --dags: the given directory,
// ./dags when it exists, else the DAGs embedded in the binary.
func newFolder(dir string, log *slog.Logger) (*coordinator.Folder, error) {
	cfg := coordinator.FolderConfig{Dir: dir, Options: dagOptions(), Logger: log}
	switch {
	case dir != "":
	case isDir("dags"):
		cfg.Dir = "dags"
	default:
		cfg.FS = dags.FS
	}
	return coordinator.NewFolder(cfg)
}

// loadDAG loads the DAG folder and returns the DAG with the given id, or an
// error that lists the folder's import errors.
func loadDAG(ctx context.Context, dir, dagID string, log *slog.Logger) (*coordinator.Folder, error) {
	f, err := newFolder(dir, log)
	if err != nil {
		return nil, err
	}
	if _, err := f.Load(ctx); err != nil {
		return nil, err
	}
	if _, ok := f.DAG(dagID); !ok {
		msg := fmt.Sprintf("no DAG %q in the DAG folder", dagID)
		for _, ie := range f.ImportErrors() {
			msg += "\n  import error: " + ie.Err.Error()
		}
		return nil, fmt.Errorf("%s", msg)
	}
	return f, nil
}

// isTerminal reports whether w is a character device (a terminal).
func isTerminal(f *os.File) bool {
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

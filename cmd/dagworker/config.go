package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"

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
// edit, when given, adjusts the engine's config (recovery timings).
func connect(url, prefix string, log *slog.Logger, edit ...func(*engine.Config)) (*conn, error) {
	opt, err := worker.ParseRedisURL(url)
	if err != nil {
		return nil, fmt.Errorf("--redis-url: %w", err)
	}
	rdb, ok := opt.MakeRedisClient().(redis.UniversalClient)
	if !ok {
		return nil, fmt.Errorf("--redis-url %q: unsupported connection type", url)
	}
	st, err := runstore.New(runstore.Config{Client: rdb, KeyPrefix: prefix})
	if err != nil {
		_ = rdb.Close()
		return nil, err
	}
	client := asynq.NewClientFromRedisClient(rdb)
	ecfg := engine.Config{Store: st, Client: client, Logger: log}
	for _, e := range edit {
		e(&ecfg)
	}
	eng, err := engine.New(ecfg)
	if err != nil {
		_ = rdb.Close()
		return nil, err
	}
	return &conn{opt: opt, rdb: rdb, store: st, client: client, eng: eng}, nil
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

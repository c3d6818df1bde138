package api

import (
	"context"

	"github.com/redis/go-redis/v9"

	"github.com/dagworker/dagworker/tasks"
)

// Engine is a backend that serves every store of a Config from one run
// store (internal/apiengine's EngineBackend).
type Engine interface {
	DAGSource
	PauseStore
	RunStore
	RunEditor
	TaskStore
	TaskEditor
	DAGEditor
	PoolStore
	Backfiller
	DagVersionStore
	// SourceFile returns the file a DAG was loaded from.
	SourceFile(ctx context.Context, dagID string) ([]byte, error)
	// Redis is the run store's client; variables and the event log live
	// under these keys of it.
	Redis() redis.UniversalClient
	VariablesKey() string
	EventsKey() string
	// DataLake holds the logs and outputs (nil for none).
	DataLake() *tasks.Lake
}

// EngineConfig returns a Config with every store served by e (the caller
// adds the runner, credentials and limits).
func EngineConfig(e Engine) Config {
	return Config{DAGs: e, Pauses: e, Runs: e, Editor: e, Tasks: e, TaskEditor: e, DAGEditor: e, Pools: e, Backfills: e, Versions: e,
		Lake:      e.DataLake(),
		Variables: &RedisVariables{Client: e.Redis(), Key: e.VariablesKey()},
		Events:    &RedisEvents{Client: e.Redis(), Key: e.EventsKey()},
		Source:    e.SourceFile}
}

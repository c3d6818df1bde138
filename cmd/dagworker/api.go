package main

import (
	"context"
	"flag"
	"fmt"
	"maps"
	"net"
	"net/http"
	"slices"
	"time"

	taskconn "github.com/dagworker/dagworker/tasks/conn"

	"github.com/hibiken/asynq"

	"github.com/dagworker/dagworker/internal/api"
	"github.com/dagworker/dagworker/internal/apiengine"
	"github.com/dagworker/dagworker/internal/ui"
)

// apiFlags configure the HTTP API of serve and coordinator.
type apiFlags struct {
	tokens    *string
	users     *string
	open      *bool
	jwtSecret *string
	maxWait   *time.Duration
}

// addAPIFlags adds the API's flags to fs.
func addAPIFlags(fs *flag.FlagSet) apiFlags {
	return apiFlags{
		tokens:    fs.String("api-tokens", "", "static API bearer tokens: token[:read|trigger],... (scope default trigger)"),
		users:     fs.String("api-users", "", "API users for POST /auth/token and HTTP Basic: name:password[:read|trigger],..."),
		open:      fs.Bool("api-open", false, "serve the API without credentials to loopback clients (only with a loopback --addr)"),
		jwtSecret: fs.String("jwt-secret", "", "secret (16+ bytes) signing the tokens of POST /auth/token; default random per process"),
		maxWait:   fs.Duration("api-max-wait", 5*time.Minute, "longest ?wait= of a trigger or ad-hoc task request"),
	}
}

// apiDisabled reports whether no credentials were configured and the API is
// not open: the server then serves only the health endpoints.
func (f apiFlags) apiDisabled() bool {
	return *f.tokens == "" && *f.users == "" && !*f.open
}

// newAPI builds the API handler and the web UI over the role's engine, DAG
// folder and lake; both use the same credentials.
func newAPI(r *role, f apiFlags) (http.Handler, *ui.UI, error) {
	if *f.open && !loopbackAddr(r.addr) {
		return nil, nil, fmt.Errorf("--api-open needs a loopback --addr (127.0.0.1:port or [::1]:port), not %q", r.addr)
	}
	be := &apiengine.EngineBackend{Engine: r.conn.eng, Folder: r.folder.DAGs, Lake: r.lake, Errors: func() []api.ImportError {
		var out []api.ImportError
		for _, ie := range r.folder.ImportErrors() {
			out = append(out, apiengine.ImportErrorsOf(ie.File, ie.Err, ie.Since)...)
		}
		return out
	}}
	cfg := api.EngineConfig(be)
	var err error
	if cfg.Tokens, err = api.ParseTokens(*f.tokens); err != nil {
		return nil, nil, fmt.Errorf("--api-tokens: %w", err)
	}
	if cfg.Users, err = api.ParseUsers(*f.users); err != nil {
		return nil, nil, fmt.Errorf("--api-users: %w", err)
	}
	cfg.Open = *f.open
	cfg.JWTSecret = []byte(*f.jwtSecret)
	cfg.MaxWait = *f.maxWait
	cfg.Version = readBuildInfo().version
	cfg.Logger = r.log
	cfg.TracerProvider = r.tp
	cfg.TaskTypes = adHocTaskTypes()
	cfg.Health = func(ctx context.Context) error { return r.conn.rdb.Ping(ctx).Err() }
	cfg.ImportErrors = func() []api.ImportErrorInfo {
		var out []api.ImportErrorInfo
		for _, ie := range r.folder.ImportErrors() {
			out = append(out, api.ImportErrorInfo{File: ie.File, Message: ie.Err.Error(), Since: ie.Since})
		}
		return out
	}
	if cfg.Connections, err = taskconn.Load(r.connections); err != nil {
		return nil, nil, err
	}
	cfg.Runner = &apiengine.AsynqRunner{Client: r.conn.client, Inspector: asynq.NewInspectorFromRedisClient(r.conn.rdb),
		Redis: r.conn.rdb, KeyPrefix: r.prefix, Lake: r.lake}
	h, err := api.New(cfg)
	if err != nil {
		return nil, nil, fmt.Errorf("api: %w", err)
	}
	web, err := ui.New(ui.Config{Auth: h, DAGs: be, Details: be, Pauses: be, Runs: be, Editor: be, Tasks: be, Clearer: be,
		Runner: cfg.Runner, TaskTypes: cfg.TaskTypes, Queues: r.conn.opt, Logger: r.log})
	if err != nil {
		return nil, nil, err
	}
	return h, web, nil
}

// adHocTaskTypes are the task types the API runs ad hoc: the built-in ones
// but bash, http and notion, which run only from DAG files, so an API
// token can neither run shell commands on the workers nor use their
// connections.
func adHocTaskTypes() []string {
	return slices.DeleteFunc(slices.Sorted(maps.Keys(builtinOperators())), func(t string) bool {
		return t == "bash" || t == "http" || t == "notion"
	})
}

// loopbackAddr reports whether a listen address binds loopback only.
func loopbackAddr(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

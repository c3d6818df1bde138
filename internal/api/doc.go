// Package api is dagworker's HTTP API: the subset of Airflow's REST API v2
// that Airflow users drive dagworker with (same paths and JSON shapes as
// Airflow 3), token and basic authentication, a sensor-friendly run status
// endpoint, trigger-and-wait, ad-hoc tasks and an OpenAPI document of all of
// it.
//
// The package owns no state: it reads and writes through the small
// interfaces declared in backend.go over internal/apimodel's data, which
// internal/apiengine implements over the engine, its run store, the DAG
// folder and asynq (EngineConfig wires one backend into a Config); the
// package imports none of those. New returns an http.Handler that the
// serve and coordinator commands mount on their HTTP server:
//
//	h, err := api.New(api.Config{DAGs: folder, Runs: store, ...})
//	mux.Handle("/", h) // serves /api/v2/..., /api/dagworker/v1/..., /auth/token
package api

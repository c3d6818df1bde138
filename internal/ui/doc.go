// Package ui is dagworker's web UI: server-rendered pages (html/template,
// embedded with the static files, htmx vendored for the refreshes) over the
// same backend interfaces as the HTTP API (internal/api): the DAGs list, a
// DAG's grid, graph, source and trigger form, a run's task instances with
// their logs, XComs, outputs and actions, ad-hoc tasks and asynqmon for the
// queues. It authenticates with the API's credentials: a login page gives a
// session cookie, and every page also takes the API's bearer tokens.
package ui

// Package httptask is the "http" task type, Airflow's HttpOperator: one
// HTTP request to a URL, or to an endpoint of a connection (http_conn, see
// tasks/conn), with headers and a JSON or raw body; the response is checked
// (status, a value at a JSON path) and its body, or the value response_filter
// selects, is the task's XCom.
//
// Every request goes through the SSRF guard: private and loopback
// addresses are refused unless the connection allows them
// (?allow_private=true in its URI). 5xx answers, 429 and timeouts fail the
// try so the task's retries run it again; other 4xx answers and failed
// checks fail it at once.
package httptask

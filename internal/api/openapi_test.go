package api

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers/gorillamux"
	"github.com/stretchr/testify/require"

	"github.com/dagworker/dagworker/internal/api/airflowspec"
)

// TestOpenAPIDocument checks the served document: it is valid OpenAPI,
// every documented operation is served by a handler (not the mux's 404 or
// 405), every route of the table is documented, and the operations we
// share with Airflow exist in Airflow's document under the same path,
// method and operation id.
func TestOpenAPIDocument(t *testing.T) {
	t.Parallel()
	b := setup(t)
	res := b.req(t, "GET", "/api/v2/openapi.json", "", nil)
	require.Equal(t, 200, res.status)
	doc, err := openapi3.NewLoader().LoadFromData(res.body)
	require.NoError(t, err)
	require.NoError(t, doc.Validate(context.Background()))

	airflow, _ := loadAirflowSpec(t)
	param := regexp.MustCompile(`\{[a-z_]+\}`)
	documented := 0
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			documented++
			concrete := param.ReplaceAllString(path, "x")
			req, err := http.NewRequest(method, concrete, nil)
			require.NoError(t, err)
			_, pattern := b.api.mux.Handler(req)
			require.NotEmpty(t, pattern, "%s %s is documented but not served", method, path)
			r := b.req(t, method, concrete, trg, nil)
			require.True(t, strings.HasPrefix(r.header.Get("Content-Type"), "application/json") || r.status == 204,
				"%s %s: %d %s", method, path, r.status, r.body)
			if isTagged(op, "Airflow") {
				require.Greater(t, len(op.Tags), 1, "%s %s is Airflow's operation, with Airflow's own tag", method, path)
			}
			if isTagged(op, "Airflow") && airflow != nil {
				theirs := airflow.Paths.Find(path)
				require.NotNil(t, theirs, "%s is not an Airflow path", path)
				require.NotNil(t, theirs.GetOperation(method), "%s %s is not an Airflow operation", method, path)
				require.Equal(t, theirs.GetOperation(method).OperationID, op.OperationID, "%s %s", method, path)
			}
		}
	}
	require.Equal(t, len(b.api.routes)+1, documented, "every route of the table is documented (plus the document itself)")
	for _, rt := range b.api.routes {
		require.NotNil(t, doc.Paths.Find(rt.path).GetOperation(rt.method), "%s %s is served but not documented", rt.method, rt.path)
	}

	// Unknown paths and methods answer JSON errors.
	r := b.req(t, "GET", "/api/v2/assets", trg, nil)
	require.Equal(t, 404, r.status)
	require.Equal(t, "Not Found", r.json(t)["detail"])
	r = b.req(t, "PUT", "/api/v2/dags/nightly_sites", trg, nil)
	require.Equal(t, 405, r.status)
	require.Contains(t, r.header.Get("Allow"), "PATCH")
	require.Contains(t, r.json(t), "detail")
}

func isTagged(op *openapi3.Operation, tag string) bool {
	for _, t := range op.Tags {
		if t == tag {
			return true
		}
	}
	return false
}

// TestServedOperationsListed: airflowspec/operations.txt, from which the
// embedded document is generated, lists exactly the route table's Airflow
// operations, and the embedded document has each of them at its path.
func TestServedOperationsListed(t *testing.T) {
	t.Parallel()
	data, err := os.ReadFile(filepath.Join("airflowspec", "operations.txt"))
	require.NoError(t, err)
	var listed []string
	for _, line := range strings.Split(string(data), "\n") {
		if line = strings.TrimSpace(line); line != "" && !strings.HasPrefix(line, "#") {
			listed = append(listed, line)
		}
	}
	require.True(t, slices.IsSorted(listed), "operations.txt is sorted")
	doc, err := airflowspec.GetSpec()
	require.NoError(t, err)
	var served []string
	for _, rt := range setup(t).api.routes {
		if rt.airflow {
			served = append(served, rt.op)
			op := doc.Paths.Find(rt.path).GetOperation(rt.method)
			require.NotNil(t, op, "%s %s is not in the embedded document", rt.method, rt.path)
			require.Equal(t, rt.op, op.OperationID)
		}
	}
	slices.Sort(served)
	require.Equal(t, served, listed, "operations.txt lists the served Airflow operations (then run make generate)")
	var embedded []string
	for _, item := range doc.Paths.Map() {
		for _, op := range item.Operations() {
			embedded = append(embedded, op.OperationID)
		}
	}
	slices.Sort(embedded)
	require.Equal(t, listed, embedded, "the embedded document has exactly the listed operations: run make generate")
}

// TestServedDocumentDescribesAnswers validates answers against the served
// document itself (what schemathesis checks in the e2e suite): a 400 for a
// bad sort key is a documented status, both bodies of a clear (the task
// instances of a dry run, the run otherwise) match its anyOf, and a DAG's
// details may hold nulls where Airflow's document allows them.
func TestServedDocumentDescribesAnswers(t *testing.T) {
	t.Parallel()
	b := setup(t)
	res := b.req(t, "GET", "/api/v2/openapi.json", "", nil)
	require.Equal(t, 200, res.status)
	doc, err := openapi3.NewLoader().LoadFromData(res.body)
	require.NoError(t, err)
	router, err := gorillamux.NewRouter(doc)
	require.NoError(t, err)
	trigger(t, b, "nightly_sites", "r1")
	b.be.finish("nightly_sites", "r1", RunSuccess)

	tests := []struct {
		method, path string
		body         any
		want         int
	}{
		{"GET", "/api/v2/dags?order_by=bogus", nil, 400},
		{"GET", "/api/v2/dags?order_by=", nil, 400},
		{"GET", "/api/v2/dags/nightly_sites/dagRuns?order_by=bogus", nil, 400},
		{"GET", "/api/v2/dags/~/dagRuns?order_by=", nil, 400},
		{"POST", "/api/v2/dags/nightly_sites/dagRuns/r1/clear", map[string]any{"dry_run": true}, 200},
		{"POST", "/api/v2/dags/nightly_sites/dagRuns/r1/clear", map[string]any{"dry_run": false}, 200},
		// null template_search_path, default_args, owner_links, asset_expression
		{"GET", "/api/v2/dags/nightly_sites/details", nil, 200},
		{"GET", "/api/v2/dags/adhoc_report/details", nil, 200},
	}
	for _, tc := range tests {
		r := b.req(t, tc.method, tc.path, trg, tc.body)
		require.Equal(t, tc.want, r.status, "%s %s: %s", tc.method, tc.path, r.body)
		req, err := http.NewRequest(tc.method, "http://localhost"+tc.path, nil)
		require.NoError(t, err)
		route, params, err := router.FindRoute(req)
		require.NoError(t, err, tc.path)
		in := &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route,
			Options: &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc, IncludeResponseStatus: true, MultiError: true}}
		err = openapi3filter.ValidateResponse(context.Background(), &openapi3filter.ResponseValidationInput{
			RequestValidationInput: in, Status: r.status, Header: r.header, Body: io.NopCloser(bytes.NewReader(r.body)), Options: in.Options,
		})
		require.NoError(t, err, "%s %s → %d does not match the served document: %s", tc.method, tc.path, r.status, r.body)
	}
}

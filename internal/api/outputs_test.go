package api

import (
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/dagworker/dagworker/tasks"
)

// setupOutputs is the API over a real file lake holding two outputs of run
// r1 of nightly_sites.
func setupOutputs(t *testing.T) (*bundle, *tasks.Lake) {
	t.Helper()
	lake, err := tasks.OpenLake(context.Background(), "file://"+t.TempDir())
	require.NoError(t, err)
	t.Cleanup(func() { _ = lake.Close() })
	b := setup(t, func(c *Config) { c.Lake = lake })
	trigger(t, b, "nightly_sites", "r1")
	trigger(t, b, "nightly_sites", "r2")
	ctx := context.Background()
	info := tasks.Info{DagID: "nightly_sites", RunID: "r1", TaskID: "render"}
	_, err = lake.WriteOutput(ctx, info, "report.pdf", "application/pdf", func(w io.Writer) (int, error) {
		_, err := io.WriteString(w, "%PDF-1.7 0123456789 the report")
		return 1, err
	})
	require.NoError(t, err)
	info.TaskID = "scrape"
	_, err = lake.WriteOutput(ctx, info, "pages.jsonl", "application/x-ndjson", func(w io.Writer) (int, error) {
		_, err := io.WriteString(w, "{\"url\":\"a\"}\n{\"url\":\"b\"}\n")
		return 2, err
	})
	require.NoError(t, err)
	// A log is not an output.
	require.NoError(t, lake.Put(ctx, "logs/nightly_sites/r1/scrape/1.log", []byte("log"), "text/plain"))
	return b, lake
}

func TestOutputDownload(t *testing.T) {
	t.Parallel()
	b, _ := setupOutputs(t)
	const path = "/api/dagworker/v1/outputs/nightly_sites/r1/render/report.pdf"

	res := b.req(t, "GET", path, rd, nil)
	require.Equal(t, 200, res.status, string(res.body))
	require.Equal(t, "%PDF-1.7 0123456789 the report", string(res.body))
	require.Equal(t, "application/pdf", res.header.Get("Content-Type"))
	require.Equal(t, `attachment; filename=report.pdf`, res.header.Get("Content-Disposition"))
	require.Equal(t, "bytes", res.header.Get("Accept-Ranges"))
	require.Equal(t, "nosniff", res.header.Get("X-Content-Type-Options"))
	require.NotEmpty(t, res.header.Get("Last-Modified"))

	part := b.req(t, "GET", path, rd, nil, "Range", "bytes=9-18")
	require.Equal(t, http.StatusPartialContent, part.status)
	require.Equal(t, "0123456789", string(part.body))
	require.Equal(t, "bytes 9-18/30", part.header.Get("Content-Range"))

	tail := b.req(t, "GET", path, rd, nil, "Range", "bytes=-6")
	require.Equal(t, http.StatusPartialContent, tail.status)
	require.Equal(t, "report", string(tail.body))

	cond := b.req(t, "GET", path, rd, nil, "If-Modified-Since", res.header.Get("Last-Modified"))
	require.Equal(t, http.StatusNotModified, cond.status)

	jsonl := b.req(t, "GET", "/api/dagworker/v1/outputs/nightly_sites/r1/scrape/pages.jsonl", "basic:viewer:view-pass", nil)
	require.Equal(t, 200, jsonl.status)
	require.Equal(t, "application/x-ndjson", jsonl.header.Get("Content-Type"))
}

func TestOutputErrors(t *testing.T) {
	t.Parallel()
	b, _ := setupOutputs(t)
	tests := []struct {
		name, path, auth string
		want             int
		detail           string
	}{
		{"no credentials", "/api/dagworker/v1/outputs/nightly_sites/r1/render/report.pdf", "", 401, "Not authenticated"},
		{"bad token", "/api/dagworker/v1/outputs/nightly_sites/r1/render/report.pdf", "bearer:nope", 401, "Not authenticated"},
		{"forged jwt", "/api/dagworker/v1/outputs/nightly_sites/r1/render/report.pdf", "bearer:eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJ4Iiwic2NvcGUiOiJ0cmlnZ2VyIiwiaXNzIjoiZGFnd29ya2VyIiwiZXhwIjo5OTk5OTk5OTk5fQ.c2ln", 401, "Not authenticated"},
		{"wrong password", "/api/dagworker/v1/outputs/nightly_sites/r1", "basic:viewer:nope", 401, "Not authenticated"},
		{"absent name", "/api/dagworker/v1/outputs/nightly_sites/r1/render/other.pdf", rd, 404, "no output"},
		{"absent run", "/api/dagworker/v1/outputs/nightly_sites/r9/render/report.pdf", rd, 404, "no output"},
		{"a log is not an output", "/api/dagworker/v1/outputs/nightly_sites/r1/scrape/1.log", rd, 404, "no output"},
		{"encoded dot-dot name", "/api/dagworker/v1/outputs/nightly_sites/r1/render/%2e%2e", rd, 422, "name"},
		{"encoded dot-dot task", "/api/dagworker/v1/outputs/nightly_sites/r1/%2E%2E/report.pdf", rd, 422, "task_id"},
		{"encoded slash", "/api/dagworker/v1/outputs/nightly_sites/r1/render/..%2f..%2fsecret", rd, 422, "name"},
		{"encoded backslash", "/api/dagworker/v1/outputs/nightly_sites/r1/render/..%5csecret", rd, 422, "name"},
		{"dot run", "/api/dagworker/v1/outputs/nightly_sites/%2e/render/report.pdf", rd, 422, "dag_run_id"},
		{"control byte", "/api/dagworker/v1/outputs/nightly_sites/r1/render/a%00b", rd, 422, "name"},
		{"list unknown run", "/api/dagworker/v1/outputs/nightly_sites/r9", rd, 404, "was not found"},
		{"list dot dag", "/api/dagworker/v1/outputs/%2e%2e/r1", rd, 422, "dag_id"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := b.req(t, "GET", tt.path, tt.auth, nil)
			require.Equal(t, tt.want, res.status, string(res.body))
			require.Contains(t, res.header.Get("Content-Type"), "application/json")
			require.Contains(t, string(res.body), tt.detail)
			require.NotContains(t, string(res.body), "%PDF")
		})
	}

	// A literal ".." never reaches the handler: the mux cleans the path
	// and redirects, and the cleaned path is not an output either.
	conn, err := net.Dial("tcp", strings.TrimPrefix(b.srv.URL, "http://"))
	require.NoError(t, err)
	defer conn.Close()
	_, err = io.WriteString(conn, "GET /api/dagworker/v1/outputs/nightly_sites/r1/render/../../../../../etc/passwd HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer "+readTok+"\r\nConnection: close\r\n\r\n")
	require.NoError(t, err)
	raw, err := io.ReadAll(conn)
	require.NoError(t, err)
	require.Regexp(t, `^HTTP/1.1 (30[178]|404|422) `, string(raw))
	require.NotContains(t, string(raw), "root:")

	// Without a lake the endpoints say so.
	bare := setup(t)
	require.Equal(t, 501, bare.req(t, "GET", "/api/dagworker/v1/outputs/nightly_sites/r1/render/report.pdf", rd, nil).status)
	require.Equal(t, 501, bare.req(t, "GET", "/api/dagworker/v1/outputs/nightly_sites/r1", rd, nil).status)
}

func TestOutputList(t *testing.T) {
	t.Parallel()
	b, _ := setupOutputs(t)
	res := b.req(t, "GET", "/api/dagworker/v1/outputs/nightly_sites/r1", rd, nil)
	require.Equal(t, 200, res.status, string(res.body))
	var list OutputCollectionResponse
	require.NoError(t, json.Unmarshal(res.body, &list))
	require.Equal(t, 2, list.TotalEntries)
	require.Len(t, list.Outputs, 2)
	pdf := list.Outputs[0]
	require.Equal(t, "render", pdf.TaskID)
	require.Equal(t, "report.pdf", pdf.Name)
	require.Equal(t, int64(30), pdf.Size)
	require.Equal(t, "application/pdf", pdf.ContentType)
	require.Equal(t, "/api/dagworker/v1/outputs/nightly_sites/r1/render/report.pdf", pdf.URL)
	require.True(t, strings.HasPrefix(pdf.URI, "file://"), pdf.URI)
	require.Equal(t, "scrape", list.Outputs[1].TaskID)
	require.Equal(t, "application/x-ndjson", list.Outputs[1].ContentType)
	// Each listed URL downloads its object.
	for _, o := range list.Outputs {
		got := b.req(t, "GET", o.URL, rd, nil)
		require.Equal(t, 200, got.status)
		require.Len(t, got.body, int(o.Size))
	}

	task := b.req(t, "GET", "/api/dagworker/v1/outputs/nightly_sites/r1/scrape", rd, nil)
	require.Equal(t, 200, task.status)
	require.NoError(t, json.Unmarshal(task.body, &list))
	require.Equal(t, 1, list.TotalEntries)
	require.Equal(t, "pages.jsonl", list.Outputs[0].Name)

	// A run without outputs is an empty list, not a 404.
	empty := b.req(t, "GET", "/api/dagworker/v1/outputs/nightly_sites/r2", rd, nil)
	require.Equal(t, 200, empty.status)
	require.JSONEq(t, `{"outputs": [], "total_entries": 0}`, string(empty.body))

	// The sensor of a finished run links its outputs.
	b.be.finish("nightly_sites", "r1", RunSuccess)
	sensor := b.req(t, "GET", "/api/v2/dags/nightly_sites/dagRuns/r1/sensor", rd, nil)
	require.Equal(t, 200, sensor.status, string(sensor.body))
	var sr SensorResponse
	require.NoError(t, json.Unmarshal(sensor.body, &sr))
	require.Equal(t, "/api/dagworker/v1/outputs/nightly_sites/r1", sr.OutputsURL)
	require.Len(t, sr.OutputFiles, 2)
	require.Equal(t, "report.pdf", sr.OutputFiles[0].Name)
}

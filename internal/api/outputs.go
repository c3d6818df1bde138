package api

import (
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"path"
	"strings"
	"time"

	"gocloud.dev/blob"
	"gocloud.dev/gcerrors"

	"github.com/dagworker/dagworker/tasks"
)

// outputsPath is the root of the data lake outputs endpoints.
const outputsPath = "/api/dagworker/v1/outputs"

// maxListedOutputs bounds one outputs listing (a run writes a few objects
// per task; a prefix holding more is not a run's outputs).
const maxListedOutputs = 1000

// OutputResponse is one object a task instance wrote to the data lake.
type OutputResponse struct {
	DagID       string    `json:"dag_id"`
	DagRunID    string    `json:"dag_run_id"`
	TaskID      string    `json:"task_id"`
	Name        string    `json:"name"`
	Size        int64     `json:"size"`
	ContentType string    `json:"content_type"`
	ModTime     time.Time `json:"modified_at"`
	// URL downloads the object through this server (a path on it).
	URL string `json:"url"`
	// URI is the object's address in the data lake (s3://..., file://...).
	URI string `json:"uri"`
}

// OutputCollectionResponse lists the outputs of a run or a task instance.
type OutputCollectionResponse struct {
	Outputs      []OutputResponse `json:"outputs"`
	TotalEntries int              `json:"total_entries"`
}

// OutputsURL is the path listing the outputs of a run.
func OutputsURL(dagID, runID string) string {
	return outputsPath + "/" + url.PathEscape(dagID) + "/" + url.PathEscape(runID)
}

// OutputURL is the path downloading one output.
func OutputURL(dagID, runID, taskID, name string) string {
	return OutputsURL(dagID, runID) + "/" + url.PathEscape(taskID) + "/" + url.PathEscape(name)
}

// keyParts checks the path values named by params as data lake key parts
// and returns them; a bad part is a 422 naming the parameter.
func keyParts(r *http.Request, params ...string) ([]string, error) {
	out := make([]string, len(params))
	for i, p := range params {
		v := r.PathValue(p)
		if err := tasks.CheckKeyPart(v); err != nil {
			return nil, unprocessable([]any{"path", p}, "value_error", "%s: %v", p, err)
		}
		out[i] = v
	}
	return out, nil
}

// handleListOutputs is GET /api/dagworker/v1/outputs/{dag_id}/{dag_run_id}
// and .../{task_id}: the objects under the run's (or task instance's)
// output prefix, sorted by key.
func (s *Server) handleListOutputs(w http.ResponseWriter, r *http.Request) {
	if s.cfg.Lake == nil {
		s.writeError(w, r, httpErr(http.StatusNotImplemented, "no data lake is configured on this server"))
		return
	}
	params := []string{"dag_id", "dag_run_id"}
	if r.PathValue("task_id") != "" {
		params = append(params, "task_id")
	}
	parts, err := keyParts(r, params...)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	outs, err := s.listOutputs(r.Context(), parts...)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if len(outs) == 0 {
		// No objects: an existing run without outputs is an empty list, an
		// unknown run a 404 (ad-hoc tasks have no run; their outputs list).
		if _, err := s.cfg.Runs.Run(r.Context(), parts[0], parts[1]); errors.Is(err, ErrNotFound) {
			s.writeError(w, r, httpErr(http.StatusNotFound, "The DagRun with dag_id: `%s` and run_id: `%s` was not found", parts[0], parts[1]))
			return
		} else if err != nil {
			s.writeError(w, r, err)
			return
		}
	}
	writeJSON(w, http.StatusOK, OutputCollectionResponse{Outputs: outs, TotalEntries: len(outs)})
}

// listOutputs lists the outputs under runs/<dag>/<run>[/<task>].
func (s *Server) listOutputs(ctx context.Context, parts ...string) ([]OutputResponse, error) {
	prefix, err := tasks.JoinKey(append([]string{"runs"}, parts...)...)
	if err != nil {
		return nil, httpErr(http.StatusUnprocessableEntity, "%v", err)
	}
	b := s.cfg.Lake.Bucket()
	it := b.List(&blob.ListOptions{Prefix: prefix + "/"})
	out := []OutputResponse{}
	for len(out) < maxListedOutputs {
		obj, err := it.Next(ctx)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("list %s: %w", s.cfg.Lake.URI(prefix), err)
		}
		// runs/<dag>/<run>/<task>/<name>: anything else is not an output.
		k := strings.Split(obj.Key, "/")
		if obj.IsDir || len(k) != 5 || tasks.CheckKeyPart(k[4]) != nil {
			continue
		}
		o := OutputResponse{DagID: k[1], DagRunID: k[2], TaskID: k[3], Name: k[4], Size: obj.Size, ModTime: obj.ModTime.UTC(),
			URL: OutputURL(k[1], k[2], k[3], k[4]), URI: s.cfg.Lake.URI(obj.Key)}
		if a, err := b.Attributes(ctx, obj.Key); err == nil {
			o.ContentType = a.ContentType
		}
		o.ContentType = contentType(o.ContentType, o.Name)
		out = append(out, o)
	}
	return out, nil
}

// contentType is the stored content type, else one from the name's
// extension, else application/octet-stream.
func contentType(stored, name string) string {
	if stored != "" {
		return stored
	}
	if ct := mime.TypeByExtension(path.Ext(name)); ct != "" {
		return ct
	}
	return "application/octet-stream"
}

// handleGetOutput is GET /api/dagworker/v1/outputs/{dag_id}/{dag_run_id}/{task_id}/{name}:
// the object as an attachment, with range requests and conditional GETs
// (http.ServeContent over the blob reader, which seeks).
func (s *Server) handleGetOutput(w http.ResponseWriter, r *http.Request) {
	if s.cfg.Lake == nil {
		s.writeError(w, r, httpErr(http.StatusNotImplemented, "no data lake is configured on this server"))
		return
	}
	parts, err := keyParts(r, "dag_id", "dag_run_id", "task_id", "name")
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	key, err := tasks.OutputKey(tasks.Info{DagID: parts[0], RunID: parts[1], TaskID: parts[2]}, parts[3])
	if err != nil {
		s.writeError(w, r, httpErr(http.StatusUnprocessableEntity, "%v", err))
		return
	}
	rd, err := s.cfg.Lake.Bucket().NewReader(r.Context(), key, nil)
	if gcerrors.Code(err) == gcerrors.NotFound {
		s.writeError(w, r, httpErr(http.StatusNotFound, "task %s of run %s of %s has no output %q", parts[2], parts[1], parts[0], parts[3]))
		return
	}
	if err != nil {
		s.writeError(w, r, fmt.Errorf("read %s: %w", s.cfg.Lake.URI(key), err))
		return
	}
	defer rd.Close()
	h := w.Header()
	h.Set("Content-Type", contentType(rd.ContentType(), parts[3]))
	h.Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": parts[3]}))
	// An output is data, never a page of this origin.
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Security-Policy", "sandbox")
	http.ServeContent(w, r, parts[3], rd.ModTime(), rd)
}

package api

import (
	"hash/fnv"
	"net/http"
	"strings"
	"time"

	"github.com/dagworker/dagworker/internal/api/airflowspec"
)

// ImportErrorInfo is a DAG file that does not load.
type ImportErrorInfo struct {
	File    string
	Message string
	Since   time.Time
}

// ImportErrorResponse is Airflow's ImportErrorResponse.
type ImportErrorResponse = airflowspec.ImportErrorResponse

// ImportErrorCollectionResponse is Airflow's ImportErrorCollectionResponse.
type ImportErrorCollectionResponse = airflowspec.ImportErrorCollectionResponse

// importErrorID is a stable id for a file's import error.
func importErrorID(file string) int {
	h := fnv.New32a()
	_, _ = h.Write([]byte(file))
	return int(h.Sum32() & 0x7fffffff)
}

// handleImportErrors is GET /api/v2/importErrors: the DAG files that do not
// load, with the loader's messages as the stack trace.
func (s *Server) handleImportErrors(w http.ResponseWriter, r *http.Request) {
	q := newQuery(r)
	limit, offset := q.page()
	if err := q.err(); err != nil {
		s.writeError(w, r, err)
		return
	}
	order, err := orderByParam(r, []string{"id", "import_error_id", "timestamp", "filename", "bundle_name", "stacktrace"})
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	out := []ImportErrorResponse{}
	if s.cfg.ImportErrors != nil {
		pattern := q.str("filename_pattern")
		for _, ie := range s.cfg.ImportErrors() {
			if pattern != "" && !likePattern(pattern).MatchString(ie.File) {
				continue
			}
			out = append(out, importErrorResponse(ie))
		}
	}
	if strings.HasPrefix(order, "-") {
		for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
			out[i], out[j] = out[j], out[i]
		}
	}
	writeJSON(w, http.StatusOK, ImportErrorCollectionResponse{ImportErrors: page(out, offset, limit), TotalEntries: len(out)})
}

// handleImportError is GET /api/v2/importErrors/{import_error_id}: one file
// that does not load, by the id the list gives.
func (s *Server) handleImportError(w http.ResponseWriter, r *http.Request) {
	raw := r.PathValue("import_error_id")
	id, err := intParam("path", "import_error_id", raw)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if s.cfg.ImportErrors != nil {
		for _, ie := range s.cfg.ImportErrors() {
			if importErrorID(ie.File) == id {
				writeJSON(w, http.StatusOK, importErrorResponse(ie))
				return
			}
		}
	}
	s.writeError(w, r, httpErr(http.StatusNotFound, "The ImportError with import_error_id: `%d` was not found", id))
}

func importErrorResponse(ie ImportErrorInfo) ImportErrorResponse {
	return ImportErrorResponse{ImportErrorID: importErrorID(ie.File), Timestamp: ie.Since.UTC(), Filename: ie.File, StackTrace: ie.Message}
}

// DAGSourceResponse is Airflow's DAGSourceResponse.
type DAGSourceResponse = airflowspec.DAGSourceResponse

// handleDAGSource is GET /api/v2/dagSources/{dag_id}: the DAG's file as
// loaded (text/plain when the client accepts only that).
func (s *Server) handleDAGSource(w http.ResponseWriter, r *http.Request) {
	d, err := s.findDAG(r.PathValue("dag_id"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if s.cfg.Source == nil {
		s.writeError(w, r, httpErr(http.StatusNotFound, "The source of DAG %s is not available", d.ID))
		return
	}
	src, err := s.cfg.Source(r.Context(), d.ID)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if acc := r.Header.Get("Accept"); strings.Contains(acc, "text/plain") && !strings.Contains(acc, "json") {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = w.Write(src)
		return
	}
	content, one := string(src), 1
	writeJSON(w, http.StatusOK, DAGSourceResponse{Content: &content, DagID: d.ID, VersionNumber: &one, DagDisplayName: d.ID})
}

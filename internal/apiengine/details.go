package apiengine

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/dagworker/dagworker/internal/apimodel"
	"github.com/dagworker/dagworker/internal/dag"
	"github.com/dagworker/dagworker/internal/runstore"
)

// maxDAGFileBytes bounds the DAG source EngineBackend.DAGFile reads.
const maxDAGFileBytes = 4 << 20

// apimodel.DAGDetail implements DAGDetails.
func (b *EngineBackend) DAGDetail(dagID string) (apimodel.DAGDetail, error) {
	d, err := b.dag(dagID)
	if err != nil {
		return apimodel.DAGDetail{}, err
	}
	return DetailOf(d, time.Now()), nil
}

// DetailOf is the UI's view of a DAG, with its next run after now.
func DetailOf(d *dag.DAG, now time.Time) apimodel.DAGDetail {
	out := apimodel.DAGDetail{DAGInfo: FromDAG(d), Line: d.Line, Params: d.Params}
	if iv := d.NextIntervals(now, 1); len(iv) > 0 {
		logical, after := iv[0].Start, iv[0].End
		out.NextRun, out.NextRunAfter = &logical, &after
	}
	for _, g := range d.Groups {
		out.Groups = append(out.Groups, apimodel.GroupInfo{ID: g.ID, Name: g.Name, Parent: g.Parent, Tooltip: g.Tooltip})
	}
	return out
}

// DAGFile implements DAGDetails: the file the DAG was loaded from, as it is
// on disk now (up to 4 MiB).
func (b *EngineBackend) DAGFile(dagID string) ([]byte, error) {
	d, err := b.dag(dagID)
	if err != nil {
		return nil, err
	}
	f, err := os.Open(d.File)
	if err != nil {
		return nil, fmt.Errorf("dag %q source: %w", dagID, err)
	}
	defer f.Close()
	src, err := io.ReadAll(io.LimitReader(f, maxDAGFileBytes))
	if err != nil {
		return nil, fmt.Errorf("dag %q source: %w", dagID, err)
	}
	return src, nil
}

// ImportErrors implements DAGDetails from b.Errors.
func (b *EngineBackend) ImportErrors() []apimodel.ImportError {
	if b.Errors == nil {
		return nil
	}
	return b.Errors()
}

// ImportErrorsOf splits a DAG file's load error into its problems (a
// dag.ErrorList has one per position).
func ImportErrorsOf(file string, err error, since time.Time) []apimodel.ImportError {
	var list dag.ErrorList
	if errors.As(err, &list) && len(list) > 0 {
		out := make([]apimodel.ImportError, 0, len(list))
		for _, e := range list {
			f := e.File
			if f == "" {
				f = file
			}
			out = append(out, apimodel.ImportError{File: f, Line: e.Line, Msg: e.Msg, Since: since})
		}
		return out
	}
	var one *dag.Error
	if errors.As(err, &one) {
		return []apimodel.ImportError{{File: file, Line: one.Line, Msg: one.Msg, Since: since}}
	}
	return []apimodel.ImportError{{File: file, Msg: err.Error(), Since: since}}
}

// ClearTask implements TaskClearer: only a task of a finished run can be
// cleared (400 otherwise).
func (b *EngineBackend) ClearTask(ctx context.Context, dagID, runID, taskID string) error {
	_, err := b.Engine.ClearTask(ctx, dagID, runID, taskID)
	if errors.Is(err, runstore.ErrInvalid) {
		return fmt.Errorf("%w: %w", err, apimodel.ErrInvalid)
	}
	return mapNotFound(err)
}

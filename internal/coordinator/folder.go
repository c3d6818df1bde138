package coordinator

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/dagworker/dagworker/internal/dag"
)

// FolderConfig configures a Folder.
type FolderConfig struct {
	// Dir is the DAG folder: every *.yaml and *.yml file under it (recursive,
	// skipping hidden folders) is a DAG file. Required; with FS set it is
	// only the name file paths are shown under ("" allowed then).
	Dir string
	// FS, when set, is read instead of the directory Dir (e.g. DAGs embedded
	// in the binary).
	FS fs.FS
	// Options tell the parser which operators exist.
	Options dag.Options
	// Logger receives load results and import errors. Default discards.
	Logger *slog.Logger
}

// ImportError is a DAG file that does not load (Airflow's import error). The
// file's DAGs keep their last good version, if they had one.
type ImportError struct {
	// File is the file's path (Dir joined with its relative path, with
	// forward slashes).
	File string
	// Err holds every problem found (a dag.ErrorList for parse errors).
	Err error
	// Since is when the file was first seen broken in its current content.
	Since time.Time
}

// fileState is what the folder knows of one file.
type fileState struct {
	modTime time.Time
	size    int64
	dags    []*dag.DAG // the last good version of each DAG of the file
	err     *ImportError
	warns   []dag.Warning
}

// Folder is the loaded DAG folder. Load rescans it and re-parses the files
// whose size or modification time changed. It is safe for concurrent use.
type Folder struct {
	cfg FolderConfig
	log *slog.Logger

	loadMu sync.Mutex // one Load at a time
	mu     sync.RWMutex
	files  map[string]*fileState
	dags   map[string]*dag.DAG
	dups   map[string]error // file → duplicate-id errors found at the last Load
}

// NewFolder returns the folder at cfg.Dir, not yet loaded (call Load).
func NewFolder(cfg FolderConfig) (*Folder, error) {
	if cfg.Dir == "" && cfg.FS == nil {
		return nil, fmt.Errorf("%w: FolderConfig.Dir is required", ErrInvalidConfig)
	}
	if cfg.FS == nil {
		cfg.FS = os.DirFS(cfg.Dir)
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	return &Folder{cfg: cfg, log: cfg.Logger, files: map[string]*fileState{}, dags: map[string]*dag.DAG{}}, nil
}

// Dir returns the folder's path.
func (f *Folder) Dir() string { return f.cfg.Dir }

// Load rescans the folder: new and changed files are parsed, removed files
// drop their DAGs. A file that fails to parse keeps the last good version of
// its DAGs and is listed in ImportErrors. Load reports whether any DAG changed; its error is only for a
// folder it cannot read (the previous DAGs stay then).
func (f *Folder) Load(ctx context.Context) (bool, error) {
	f.loadMu.Lock()
	defer f.loadMu.Unlock()
	seen := map[string]fs.FileInfo{}
	err := fs.WalkDir(f.cfg.FS, ".", func(p string, e fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if e.IsDir() {
			if p != "." && strings.HasPrefix(e.Name(), ".") {
				return fs.SkipDir
			}
			return nil
		}
		ext := strings.ToLower(path.Ext(p))
		if (ext != ".yaml" && ext != ".yml") || strings.HasPrefix(e.Name(), ".") {
			return nil
		}
		info, err := e.Info()
		if err != nil {
			return nil //nolint:nilerr // removed while walking: absent from this scan
		}
		seen[p] = info
		return ctx.Err()
	})
	if err != nil {
		return false, fmt.Errorf("%w: %s: %w", ErrDAGFolder, f.cfg.Dir, err)
	}

	f.mu.RLock()
	old := f.files
	f.mu.RUnlock()
	files := make(map[string]*fileState, len(seen))
	changed := len(seen) != len(old)
	for p, info := range seen {
		prev := old[p]
		if prev != nil && prev.modTime.Equal(info.ModTime()) && prev.size == info.Size() {
			files[p] = prev
			continue
		}
		changed = true
		files[p] = f.parse(p, info, prev)
	}
	if !changed {
		return false, nil
	}
	dags, dups := merge(files)
	f.mu.Lock()
	f.files, f.dags, f.dups = files, dags, dups
	f.mu.Unlock()
	f.log.InfoContext(ctx, "dag folder loaded", slog.String("dir", f.cfg.Dir), slog.Int("files", len(files)),
		slog.Int("dags", len(dags)), slog.Int("import_errors", len(f.ImportErrors())))
	return true, nil
}

// parse reads and parses one file; prev is its previous state (nil if new).
func (f *Folder) parse(p string, info fs.FileInfo, prev *fileState) *fileState {
	st := &fileState{modTime: info.ModTime(), size: info.Size()}
	name := f.name(p)
	src, err := fs.ReadFile(f.cfg.FS, p)
	if err == nil {
		var dags []*dag.DAG
		dags, st.warns, err = dag.Parse(name, src, f.cfg.Options)
		if err == nil {
			st.dags = dags
			return st
		}
	}
	since := time.Now()
	if prev != nil && prev.err != nil {
		since = prev.err.Since
	}
	st.err = &ImportError{File: name, Err: err, Since: since}
	f.log.Warn("dag file import error", slog.String("file", name), slog.Any("error", err))
	// Keep the last good version of the file's DAGs (none if it never
	// loaded): a half-edited file changes nothing until it is fixed.
	if prev != nil {
		st.dags = prev.dags
	}
	return st
}

// name is the path shown for the file at p (relative to the folder).
func (f *Folder) name(p string) string { return filepath.ToSlash(filepath.Join(f.cfg.Dir, p)) }

// merge builds the id → DAG map from every file; a DAG id defined in two
// files is kept from the first file (by path) and reported on the second.
func merge(files map[string]*fileState) (map[string]*dag.DAG, map[string]error) {
	paths := make([]string, 0, len(files))
	for p := range files {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	dags := map[string]*dag.DAG{}
	from := map[string]string{}
	dups := map[string]error{}
	for _, p := range paths {
		var errs []error
		for _, d := range files[p].dags {
			if other, ok := from[d.ID]; ok {
				errs = append(errs, fmt.Errorf("%s:%d: dag %q: %w: already defined in %s", d.File, d.Line, d.ID, ErrDuplicateDAG, other))
				continue
			}
			dags[d.ID], from[d.ID] = d, d.File
		}
		if len(errs) > 0 {
			dups[p] = errors.Join(errs...)
		}
	}
	return dags, dups
}

// DAGs returns the loaded DAGs sorted by id.
func (f *Folder) DAGs() []*dag.DAG {
	f.mu.RLock()
	defer f.mu.RUnlock()
	out := make([]*dag.DAG, 0, len(f.dags))
	for _, d := range f.dags {
		out = append(out, d)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// DAG returns the loaded DAG with the given id.
func (f *Folder) DAG(id string) (*dag.DAG, bool) {
	f.mu.RLock()
	defer f.mu.RUnlock()
	d, ok := f.dags[id]
	return d, ok
}

// ImportErrors returns the files that do not load, sorted by path.
func (f *Folder) ImportErrors() []ImportError {
	f.mu.RLock()
	defer f.mu.RUnlock()
	var out []ImportError
	for p, st := range f.files {
		switch {
		case st.err != nil && f.dups[p] != nil:
			out = append(out, ImportError{File: st.err.File, Err: errors.Join(st.err.Err, f.dups[p]), Since: st.err.Since})
		case st.err != nil:
			out = append(out, *st.err)
		case f.dups[p] != nil:
			out = append(out, ImportError{File: f.name(p), Err: f.dups[p], Since: st.modTime})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].File < out[j].File })
	return out
}

// Warnings returns the warnings of every loaded file.
func (f *Folder) Warnings() []dag.Warning {
	f.mu.RLock()
	defer f.mu.RUnlock()
	var out []dag.Warning
	for _, st := range f.files {
		out = append(out, st.warns...)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].File != out[j].File {
			return out[i].File < out[j].File
		}
		return out[i].Line < out[j].Line
	})
	return out
}

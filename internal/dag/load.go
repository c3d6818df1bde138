package dag

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"sort"
	"strings"
)

// Set is the result of loading a folder of DAG files.
type Set struct {
	// DAGs by dag id. A file with any error contributes no DAG (Airflow's
	// import-error semantics).
	DAGs map[string]*DAG
	// Errors by file (Airflow's import errors); one file's errors do not
	// stop the others from loading.
	Errors map[string]ErrorList
	// Warnings of every file, in file order.
	Warnings []Warning
}

// IDs returns the dag ids in sorted order.
func (s *Set) IDs() []string {
	ids := make([]string, 0, len(s.DAGs))
	for id := range s.DAGs {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	return ids
}

// Err returns every file's errors as one ErrorList (sorted by file), or nil.
func (s *Set) Err() error {
	var all ErrorList
	for _, l := range s.Errors {
		all = append(all, l...)
	}
	all.Sort()
	return all.Err()
}

// isDAGFile reports whether name is a YAML file (".yaml" or ".yml").
func isDAGFile(name string) bool {
	return strings.HasSuffix(name, ".yaml") || strings.HasSuffix(name, ".yml")
}

// LoadDir parses every *.yaml and *.yml file in fsys (recursively, skipping
// hidden folders), in lexical order. A dag id defined in two files is an
// error in the second file. The returned error is for an unreadable folder
// only; problems in files are in Set.Errors.
func LoadDir(fsys fs.FS, opts Options) (*Set, error) {
	s := &Set{DAGs: map[string]*DAG{}, Errors: map[string]ErrorList{}}
	var files []string
	err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if p != "." && strings.HasPrefix(d.Name(), ".") {
				return fs.SkipDir
			}
			return nil
		}
		if isDAGFile(p) && !strings.HasPrefix(path.Base(p), ".") {
			files = append(files, p)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("load dags: %w", err)
	}
	sort.Strings(files)
	for _, f := range files {
		s.addFile(fsys, f, opts)
	}
	return s, nil
}

// LoadFiles parses the named files of fsys, as LoadDir does for a folder.
func LoadFiles(fsys fs.FS, files []string, opts Options) *Set {
	s := &Set{DAGs: map[string]*DAG{}, Errors: map[string]ErrorList{}}
	for _, f := range files {
		s.addFile(fsys, f, opts)
	}
	return s
}

func (s *Set) addFile(fsys fs.FS, name string, opts Options) {
	src, rerr := readLimited(fsys, name)
	if rerr != nil {
		s.Errors[name] = append(s.Errors[name], rerr)
		return
	}
	dags, warns, err := Parse(name, src, opts)
	s.Warnings = append(s.Warnings, warns...)
	if err != nil {
		var list ErrorList
		if !errors.As(err, &list) {
			list = ErrorList{{File: name, Msg: err.Error()}}
		}
		s.Errors[name] = append(s.Errors[name], list...)
		return
	}
	var dup ErrorList
	for _, d := range dags {
		if prev, ok := s.DAGs[d.ID]; ok {
			dup = append(dup, &Error{File: name, Line: d.Line, Column: 1, Kind: ErrDuplicate,
				Msg: fmt.Sprintf("DAG %q is already defined in %s:%d", d.ID, prev.File, prev.Line)})
		}
	}
	if len(dup) > 0 {
		s.Errors[name] = dup
		return
	}
	for _, d := range dags {
		s.DAGs[d.ID] = d
	}
}

// readLimited reads a file, refusing one larger than MaxFileSize without
// reading it all.
func readLimited(fsys fs.FS, name string) ([]byte, *Error) {
	f, err := fsys.Open(name)
	if err != nil {
		return nil, &Error{File: name, Msg: err.Error(), Kind: ErrInvalid}
	}
	defer f.Close()
	if st, err := f.Stat(); err == nil && st.Size() > MaxFileSize {
		return nil, &Error{File: name, Msg: fmt.Sprintf("file is %d bytes, larger than the %d byte limit", st.Size(), MaxFileSize), Kind: ErrTooLarge}
	}
	buf, err := io.ReadAll(io.LimitReader(f, MaxFileSize+1))
	if err != nil {
		return nil, &Error{File: name, Msg: err.Error(), Kind: ErrInvalid}
	}
	if len(buf) > MaxFileSize {
		return nil, &Error{File: name, Msg: fmt.Sprintf("file is larger than the %d byte limit", MaxFileSize), Kind: ErrTooLarge}
	}
	return buf, nil
}

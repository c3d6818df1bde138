package classify

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"gocloud.dev/blob"
)

// model is a resolved model reference: a local directory hugot can load.
type model struct {
	Name string // what the task asked for
	Dir  string // local directory with model.onnx, tokenizer.json, config.json
}

// resolveModel finds the directory of ref: a blob URL (copied to the cache
// once), a registry name in ModelsDir, an embedded model name, or a local
// directory. A miss lists every place looked.
func (h *Handler) resolveModel(ctx context.Context, ref string) (model, error) {
	if u, err := url.Parse(ref); err == nil && u.Scheme == "file" {
		if err := h.confineModel(ref, filepath.FromSlash(u.Path)); err != nil {
			return model{}, err
		}
	}
	if strings.Contains(ref, "://") {
		dir, err := h.fetchBlobModel(ctx, ref)
		if err != nil {
			return model{}, err
		}
		return model{Name: ref, Dir: dir}, nil
	}
	var looked []string
	if validName(ref) {
		if h.cfg.ModelsDir != "" {
			for _, cand := range slices.Compact([]string{ref, strings.ReplaceAll(ref, "/", "_")}) {
				dir := filepath.Join(h.cfg.ModelsDir, filepath.FromSlash(cand))
				if isModelDir(dir) {
					return model{Name: ref, Dir: dir}, nil
				}
				looked = append(looked, dir)
			}
		} else {
			looked = append(looked, "registry folder (none configured: set DAGWORKER_MODELS)")
		}
		if _, ok := embeddedNames()[ref]; ok {
			dir, err := h.extractEmbedded(ref)
			if err != nil {
				return model{}, err
			}
			return model{Name: ref, Dir: dir}, nil
		}
		looked = append(looked, fmt.Sprintf("embedded models %v", sortedKeys(embeddedNames())))
	}
	if isModelDir(ref) {
		if err := h.confineModel(ref, ref); err != nil {
			return model{}, err
		}
		abs, err := filepath.Abs(ref)
		if err != nil {
			return model{}, fmt.Errorf("model %q: %w", ref, err)
		}
		return model{Name: ref, Dir: abs}, nil
	}
	looked = append(looked, "local directory "+ref)
	add := "put a model folder (model.onnx, tokenizer.json, config.json) in the registry folder"
	if h.cfg.ModelsDir != "" {
		add = "put a model folder (model.onnx, tokenizer.json, config.json) in " + h.cfg.ModelsDir
	}
	return model{}, fmt.Errorf("%w: %q; looked in: %s; to add one: dagworker models pull owner/name, or %s",
		ErrModelNotFound, ref, strings.Join(looked, "; "), add)
}

// modelRoots are the folders a local model may be in: ModelsDir,
// CacheDir and ModelRoots, symbolic links resolved.
func (h *Handler) modelRoots() []string {
	var roots []string
	for _, r := range append([]string{h.cfg.ModelsDir, h.cfg.CacheDir}, h.cfg.ModelRoots...) {
		if r == "" {
			continue
		}
		if abs, err := filepath.Abs(r); err == nil {
			if real, err := filepath.EvalSymlinks(abs); err == nil {
				abs = real
			}
			roots = append(roots, abs)
		}
	}
	return roots
}

// confineModel refuses the local model path (ref as the task gave it) when
// it is not inside one of the model roots once symbolic links are resolved.
func (h *Handler) confineModel(ref, path string) error {
	abs, err := filepath.Abs(path)
	if err == nil {
		if real, e := filepath.EvalSymlinks(abs); e == nil {
			abs = real
		}
	}
	roots := h.modelRoots()
	if err == nil {
		for _, r := range roots {
			if rel, e := filepath.Rel(r, abs); e == nil && filepath.IsLocal(rel) || abs == r {
				return nil
			}
		}
	}
	return fmt.Errorf("%w: %q; a local model must be inside the model registry or cache (%s); use a registry name, or add the folder to the registry (dagworker models pull, --models)",
		ErrModelOutsideRoots, ref, strings.Join(roots, ", "))
}

// validName reports whether ref can be a registry name: "name" or
// "owner/name" of safe characters.
func validName(ref string) bool {
	parts := strings.Split(ref, "/")
	if len(parts) > 2 || ref == "" {
		return false
	}
	for _, p := range parts {
		if p == "" || p == "." || p == ".." {
			return false
		}
		for _, r := range p {
			if !(r == '-' || r == '_' || r == '.' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z') {
				return false
			}
		}
	}
	return true
}

// isModelDir reports whether dir holds an ONNX model with a tokenizer.
func isModelDir(dir string) bool {
	st, err := os.Stat(filepath.Join(dir, "tokenizer.json"))
	return err == nil && st.Mode().IsRegular() && onnxFile(dir) != ""
}

// onnxFile returns the path of the model's .onnx file: model.onnx, else
// the first .onnx file by name ("" when there is none).
func onnxFile(dir string) string {
	if st, err := os.Stat(filepath.Join(dir, "model.onnx")); err == nil && st.Mode().IsRegular() {
		return filepath.Join(dir, "model.onnx")
	}
	matches, _ := filepath.Glob(filepath.Join(dir, "*.onnx")) // the pattern is valid
	sort.Strings(matches)
	if len(matches) == 0 {
		return ""
	}
	return matches[0]
}

// fetchBlobModel copies the model folder at a blob URL into the cache
// (once: the cache entry is named by the sha256 of the URL) and returns the
// local directory.
func (h *Handler) fetchBlobModel(ctx context.Context, rawURL string) (string, error) {
	sum := sha256.Sum256([]byte(rawURL))
	dir := filepath.Join(h.cfg.CacheDir, "blob", hex.EncodeToString(sum[:])[:24])
	h.fetchMu.Lock()
	defer h.fetchMu.Unlock()
	if isModelDir(dir) {
		return dir, nil
	}
	u, err := url.Parse(rawURL)
	if err != nil {
		return "", fmt.Errorf("%w: %q: %w", ErrModelNotFound, rawURL, err)
	}
	bucketURL, prefix := rawURL, ""
	if u.Scheme != "file" && u.Scheme != "mem" {
		prefix = strings.Trim(u.Path, "/")
		if prefix != "" {
			prefix += "/"
		}
		u.Path = ""
		bucketURL = u.String()
	}
	b, err := blob.OpenBucket(ctx, bucketURL)
	if err != nil {
		return "", fmt.Errorf("%w: open %q: %w", ErrModelNotFound, rawURL, err)
	}
	defer b.Close()
	tmp, err := os.MkdirTemp(filepath.Dir(dir), ".fetch-*")
	if err != nil {
		if err := os.MkdirAll(filepath.Dir(dir), 0o755); err != nil {
			return "", fmt.Errorf("model cache: %w", err)
		}
		if tmp, err = os.MkdirTemp(filepath.Dir(dir), ".fetch-*"); err != nil {
			return "", fmt.Errorf("model cache: %w", err)
		}
	}
	defer os.RemoveAll(tmp)
	it := b.List(&blob.ListOptions{Prefix: prefix, Delimiter: "/"})
	for {
		obj, err := it.Next(ctx)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return "", fmt.Errorf("list %q: %w", rawURL, err)
		}
		name := strings.TrimPrefix(obj.Key, prefix)
		if obj.IsDir || name == "" || strings.ContainsAny(name, `/\`) || name[0] == '.' {
			continue
		}
		if err := copyObject(ctx, b, obj.Key, filepath.Join(tmp, name)); err != nil {
			return "", fmt.Errorf("copy model file %s from %q: %w", name, rawURL, err)
		}
	}
	if !isModelDir(tmp) {
		return "", fmt.Errorf("%w: %q holds no model.onnx and tokenizer.json", ErrModelNotFound, rawURL)
	}
	if err := os.Rename(tmp, dir); err != nil {
		return "", fmt.Errorf("model cache: %w", err)
	}
	h.cfg.Logger.InfoContext(ctx, "model copied to cache", "model", rawURL, "dir", dir)
	return dir, nil
}

func copyObject(ctx context.Context, b *blob.Bucket, key, dst string) error {
	r, err := b.NewReader(ctx, key, nil)
	if err != nil {
		return err
	}
	defer r.Close()
	f, err := os.Create(dst)
	if err != nil {
		return err
	}
	if _, err := io.Copy(f, r); err != nil {
		_ = f.Close()
		return err
	}
	return f.Close()
}

// fileSHA256 returns the hex sha256 of a file.
func fileSHA256(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// dirSize is the total size of the regular files in dir (not recursive).
func dirSize(dir string) int64 {
	var n int64
	entries, _ := os.ReadDir(dir) // a missing dir has size 0
	for _, e := range entries {
		if info, err := e.Info(); err == nil && info.Mode().IsRegular() {
			n += info.Size()
		}
	}
	return n
}

// shortSHA is the first 12 hex digits of the sha256 of data.
func shortSHA(data []byte) string {
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:])[:12]
}

package tasks

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/url"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"gocloud.dev/blob"
	"gocloud.dev/gcerrors"
)

// DefaultLakeURL is the data lake used when none is configured.
const DefaultLakeURL = "file://./data?create_dir=1"

// Key limits. Object stores allow 1024 bytes per key; we keep a margin.
const (
	maxKeyPart = 200
	maxKeyLen  = 1000
)

// ErrBadKey is returned for a key part that could escape its prefix or is not
// a safe object name (empty, "." or "..", a slash, a control byte, too long).
var ErrBadKey = errors.New("invalid data lake key")

// ErrNotFound is returned when an object does not exist.
var ErrNotFound = errors.New("object not found in data lake")

// Lake is a data lake: a blob bucket with dagworker's key layout
// (runs/<dag_id>/<run_id>/<task_id>/<name> for outputs and
// logs/<dag_id>/<run_id>/<task_id>/<try>.log for task logs).
// It is safe for concurrent use.
type Lake struct {
	bucket *blob.Bucket
	base   string // URL without query, used to build object URIs
}

// OpenLake opens the bucket at a gocloud.dev/blob URL (file://, mem://, s3://,
// and with the "cloud" build tag gs:// and azblob://). A file:// folder is
// created when missing unless the URL sets create_dir itself.
func OpenLake(ctx context.Context, rawURL string) (*Lake, error) {
	if rawURL == "" {
		rawURL = DefaultLakeURL
	}
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, fmt.Errorf("data lake url %q: %w", rawURL, err)
	}
	if u.Scheme == "file" && !u.Query().Has("create_dir") {
		// A local lake folder is created on first use, like a bucket
		// prefix: a fresh machine needs no setup step.
		q := u.Query()
		q.Set("create_dir", "1")
		u.RawQuery = q.Encode()
		rawURL = u.String()
	}
	b, err := blob.OpenBucket(ctx, rawURL)
	if err != nil {
		return nil, fmt.Errorf("open data lake %q: %w", rawURL, err)
	}
	// The base keeps scheme, host and path only: no query (it may hold
	// secrets such as SAS tokens) and no user info.
	base := u.Scheme + "://" + u.Host + strings.TrimSuffix(u.Path, "/")
	return &Lake{bucket: b, base: base}, nil
}

// NewLake wraps an open bucket; base is the URL prefix used for object URIs.
func NewLake(b *blob.Bucket, base string) *Lake {
	return &Lake{bucket: b, base: strings.TrimSuffix(base, "/")}
}

// Bucket returns the underlying bucket.
func (l *Lake) Bucket() *blob.Bucket { return l.bucket }

// Close closes the bucket.
func (l *Lake) Close() error { return l.bucket.Close() }

// URI returns the URI of the object at key: the lake URL without its query
// and user info, then "/" and the key (e.g. s3://bucket/runs/..., or
// mem:///runs/... for a lake without host).
func (l *Lake) URI(key string) string { return l.base + "/" + key }

// CheckKeyPart validates one path segment of a key.
func CheckKeyPart(part string) error {
	switch {
	case part == "":
		return fmt.Errorf("%w: empty part", ErrBadKey)
	case part == "." || part == "..":
		return fmt.Errorf("%w: %q", ErrBadKey, part)
	case len(part) > maxKeyPart:
		return fmt.Errorf("%w: part longer than %d bytes", ErrBadKey, maxKeyPart)
	case !utf8.ValidString(part):
		return fmt.Errorf("%w: %q is not UTF-8", ErrBadKey, part)
	}
	for _, r := range part {
		if unicode.IsControl(r) || r == '/' || r == '\\' {
			return fmt.Errorf("%w: %q contains %q", ErrBadKey, part, r)
		}
	}
	return nil
}

// JoinKey joins validated parts with "/".
func JoinKey(parts ...string) (string, error) {
	for _, p := range parts {
		if err := CheckKeyPart(p); err != nil {
			return "", err
		}
	}
	k := strings.Join(parts, "/")
	if len(k) > maxKeyLen {
		return "", fmt.Errorf("%w: key longer than %d bytes", ErrBadKey, maxKeyLen)
	}
	return k, nil
}

// OutputPrefix is the prefix under which a task instance writes its outputs.
func OutputPrefix(info Info) (string, error) {
	return JoinKey("runs", info.DagID, info.RunID, info.TaskID)
}

// OutputKey is the key of the output object name of a task instance. The key
// does not depend on the try, so a retry overwrites the same object.
func OutputKey(info Info, name string) (string, error) {
	return JoinKey("runs", info.DagID, info.RunID, info.TaskID, name)
}

// LogKey is the key of the captured log of one try.
func LogKey(info Info) (string, error) {
	return JoinKey("logs", info.DagID, info.RunID, info.TaskID, strconv.Itoa(info.Try)+".log")
}

// Put writes data at key.
func (l *Lake) Put(ctx context.Context, key string, data []byte, contentType string) error {
	if err := l.bucket.WriteAll(ctx, key, data, &blob.WriterOptions{ContentType: contentType}); err != nil {
		return fmt.Errorf("write %s: %w", l.URI(key), err)
	}
	return nil
}

// Get reads the object at key; a missing object is ErrNotFound.
func (l *Lake) Get(ctx context.Context, key string) ([]byte, error) {
	data, err := l.bucket.ReadAll(ctx, key)
	if err != nil {
		if gcerrors.Code(err) == gcerrors.NotFound {
			return nil, fmt.Errorf("%s: %w", l.URI(key), ErrNotFound)
		}
		return nil, fmt.Errorf("read %s: %w", l.URI(key), err)
	}
	return data, nil
}

// Open opens the object at key for reading; a missing object is ErrNotFound.
func (l *Lake) Open(ctx context.Context, key string) (io.ReadCloser, error) {
	r, err := l.bucket.NewReader(ctx, key, nil)
	if err != nil {
		if gcerrors.Code(err) == gcerrors.NotFound {
			return nil, fmt.Errorf("%s: %w", l.URI(key), ErrNotFound)
		}
		return nil, fmt.Errorf("read %s: %w", l.URI(key), err)
	}
	return r, nil
}

// WriteOutput streams the output object name of a task instance: write is
// called with a writer to the object and returns the record count. The
// returned Output carries the URI, size and sha256 of what was written.
func (l *Lake) WriteOutput(ctx context.Context, info Info, name, contentType string, write func(w io.Writer) (records int, err error)) (Output, error) {
	key, err := OutputKey(info, name)
	if err != nil {
		return Output{}, err
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	bw, err := l.bucket.NewWriter(ctx, key, &blob.WriterOptions{ContentType: contentType})
	if err != nil {
		return Output{}, fmt.Errorf("write %s: %w", l.URI(key), err)
	}
	h := sha256.New()
	cw := &countWriter{w: io.MultiWriter(bw, h)}
	n, werr := write(cw)
	if werr != nil {
		cancel() // abort the upload: a failed write leaves no partial object
		_ = bw.Close()
		return Output{}, werr
	}
	if err := bw.Close(); err != nil {
		return Output{}, fmt.Errorf("write %s: %w", l.URI(key), err)
	}
	return Output{URI: l.URI(key), Key: key, Size: cw.n, SHA256: hex.EncodeToString(h.Sum(nil)), Records: n}, nil
}

type countWriter struct {
	w io.Writer
	n int64
}

func (c *countWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

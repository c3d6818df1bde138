package scrape

import (
	"compress/gzip"
	"io"
	"net/http"
	"strings"
)

// truncatedHeader is set on a response whose body was cut at the limit. The
// transport removes any copy a server sends.
const truncatedHeader = "X-Dagworker-Body-Truncated"

// limitTransport cuts every response body at max bytes after
// decompression. net/http decompresses gzip it asked for itself; a gzip body
// the server sends unasked is decompressed here, so colly never inflates an
// unbounded stream. Reading stops at the limit, so a gzip bomb costs at most
// max bytes of memory.
type limitTransport struct {
	base http.RoundTripper
	max  int64
}

func (t *limitTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	res, err := t.base.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	res.Header.Del(truncatedHeader)
	var r io.Reader = res.Body
	if !res.Uncompressed {
		switch strings.ToLower(strings.TrimSpace(res.Header.Get("Content-Encoding"))) {
		case "gzip", "x-gzip":
			r = &lazyGzip{src: res.Body}
			res.Header.Del("Content-Encoding")
			res.Header.Del("Content-Length")
			res.ContentLength = -1
			res.Uncompressed = true
		}
	}
	res.Body = &limitedBody{r: r, closer: res.Body, left: t.max, header: res.Header}
	return res, nil
}

// lazyGzip opens the gzip stream on the first Read, so RoundTrip never
// blocks on the body.
type lazyGzip struct {
	src io.Reader
	zr  *gzip.Reader
	err error
}

func (z *lazyGzip) Read(p []byte) (int, error) {
	if z.zr == nil && z.err == nil {
		z.zr, z.err = gzip.NewReader(z.src)
	}
	if z.err != nil {
		return 0, z.err
	}
	return z.zr.Read(p)
}

// limitedBody returns at most left bytes, then io.EOF; when more data
// follows it marks the response header as truncated.
type limitedBody struct {
	r      io.Reader
	closer io.Closer
	left   int64
	header http.Header
	done   bool
}

func (b *limitedBody) Read(p []byte) (int, error) {
	if b.done {
		return 0, io.EOF
	}
	if b.left <= 0 {
		b.done = true
		var probe [1]byte
		if n, _ := io.ReadFull(b.r, probe[:]); n > 0 {
			b.header.Set(truncatedHeader, "1")
		}
		return 0, io.EOF
	}
	if int64(len(p)) > b.left {
		p = p[:b.left]
	}
	n, err := b.r.Read(p)
	b.left -= int64(n)
	return n, err
}

func (b *limitedBody) Close() error { return b.closer.Close() }

package demosite

import (
	"bytes"
	"compress/gzip"
	"image"
	"image/color"
	"image/png"
	"net/http"
	"strconv"
)

// bombChunk is the inflated size of one gzip member of the bomb.
const bombChunk = 1 << 20

// serveBomb sends a small gzip body (Content-Encoding: gzip) that inflates
// to BombBytes of whitespace inside an HTML page.
func (h *handler) serveBomb(w http.ResponseWriter, r *http.Request) {
	h.bombOnce.Do(func() { h.bomb = buildBomb(h.cfg.BombBytes) })
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Content-Encoding", "gzip")
	w.Header().Set("Content-Length", strconv.Itoa(len(h.bomb)))
	if r.Method != http.MethodHead {
		_, _ = w.Write(h.bomb)
	}
}

// buildBomb concatenates gzip members (RFC 1952 allows several per stream):
// an HTML head, then one compressed 1 MiB run of spaces repeated until the
// inflated size reaches size, then the closing tags. Compressing the run
// once keeps start-up cheap however large the bomb.
func buildBomb(size int64) []byte {
	member := func(p []byte) []byte {
		var b bytes.Buffer
		zw, _ := gzip.NewWriterLevel(&b, gzip.BestCompression) // valid level: no error
		_, _ = zw.Write(p)
		_ = zw.Close()
		return b.Bytes()
	}
	head := member([]byte(`<!DOCTYPE html><html lang="en"><head><title>A compressed archive page</title></head><body><main><p>Archive `))
	run := member(bytes.Repeat([]byte(" "), bombChunk))
	tail := member([]byte("end of archive.</p></main></body></html>"))
	n := int((size + bombChunk - 1) / bombChunk)
	out := make([]byte, 0, len(head)+n*len(run)+len(tail))
	out = append(out, head...)
	for range n {
		out = append(out, run...)
	}
	return append(out, tail...)
}

// pngBytes is a small generated chart image.
func (h *handler) pngBytes() []byte {
	h.pngOnce.Do(func() {
		img := image.NewRGBA(image.Rect(0, 0, 16, 16))
		for x := range 16 {
			for y := 16 - x; y < 16; y++ {
				img.Set(x, y, color.RGBA{R: 40, G: 120, B: 200, A: 255})
			}
		}
		var b bytes.Buffer
		_ = png.Encode(&b, img) // in-memory encode of a valid image cannot fail
		h.png = b.Bytes()
	})
	return h.png
}

// Package scrape is the built-in "scrape" task type: it crawls web pages with
// colly, extracts their title, main text and language, and writes one JSON
// line per distinct page to pages.jsonl in the run's data lake prefix.
//
// Connections go through the SSRF guard of internal/ssrf: private, loopback
// and link-local addresses are refused at connect time (after DNS
// resolution) and on redirects, unless the task sets allow_private. Proxy
// environment variables are ignored. robots.txt is honoured by default
// following RFC 9309 (a 4xx robots.txt allows everything, a 5xx or an
// unreachable one disallows everything). Response bodies are cut at
// max_body_bytes after decompression, so a gzip bomb cannot exhaust memory.
//
// Per-page failures are recorded in the task's return value and log; the
// task fails only when no page could be fetched, and that failure is retried
// unless every failure was permanent (a 4xx, a refused address, robots.txt).
//
//	h, err := scrape.New(scrape.Config{Version: "1.2.0"})
//	if err != nil { ... }
//	w.Handle("scrape", h)
package scrape

// Package notion is the "notion" task type: it upserts classified records
// into a Notion database through Notion's REST API, one page per URL
// (title, URL, label, score, language, run). A record whose URL already
// has a page updates it (found with POST /v1/databases/{id}/query), others
// create one (POST /v1/pages), so a rerun adds no duplicates.
//
// Requests carry the Notion-Version header and the integration token
// (Authorization: Bearer) of the connection notion_conn, and are spaced
// to Notion's documented average of three per second; a 429 answer is
// retried after its Retry-After. The SSRF guard applies to the connection's
// host unless its URI says allow_private=true.
package notion

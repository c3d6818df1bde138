package tasks

// Output describes one object a task wrote to the data lake. A task returns it
// (or a struct embedding it) as its XCom return value; bulk data never goes
// into XCom.
type Output struct {
	URI     string `json:"uri"`
	Key     string `json:"key"`
	Size    int64  `json:"size"`
	SHA256  string `json:"sha256"`
	Records int    `json:"records"`
	// Kind says what the object holds (KindPages, KindClassified,
	// KindReport), so a downstream task reading its upstream outputs takes
	// those it can read; "" is any.
	Kind string `json:"kind,omitempty"`
}

// Output kinds of the built-in tasks.
const (
	// KindPages is pages.jsonl: one scraped page per line (scrape).
	KindPages = "pages"
	// KindClassified is classified.jsonl: pages with labels (classify).
	KindClassified = "classified"
	// KindReport is a rendered report (render).
	KindReport = "report"
)

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
}

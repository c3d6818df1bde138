package notion

import (
	"strings"

	"github.com/dagworker/dagworker/tasks"
)

// DefaultMaxRecords bounds the records one task upserts.
const DefaultMaxRecords = 1000

// Properties are the database's property names each record field goes to;
// an empty name leaves that field out.
type Properties struct {
	Title    string `json:"title"`    // title property (default "Name")
	URL      string `json:"url"`      // url property (default "URL")
	Label    string `json:"label"`    // select property (default "Label")
	Score    string `json:"score"`    // number property (default "Score")
	Language string `json:"language"` // select property (default "Language")
	Run      string `json:"run"`      // rich_text property (default "Run")
}

// Args are the arguments of a notion task.
type Args struct {
	// DatabaseID is the Notion database the pages go to. Required.
	DatabaseID string `json:"database_id"`
	// NotionConn names the connection holding the integration token (its
	// password, or ?token=) and the API's address (default
	// https://api.notion.com). Required.
	NotionConn string `json:"notion_conn"`
	// Input and InputTask choose the classified records as for render.
	Input     string        `json:"input"`
	InputTask tasks.TaskIDs `json:"input_task"`
	// Properties maps record fields to property names.
	Properties *Properties `json:"properties"`
	// MaxRecords bounds the records upserted (default 1000).
	MaxRecords *int `json:"max_records"`
}

// ArgNames returns the names of the notion task's arguments.
func ArgNames() []string {
	return []string{"database_id", "notion_conn", "input", "input_task", "properties", "max_records"}
}

type params struct {
	Args
	props Properties
	max   int
}

func parseArgs(t *tasks.Task) (params, error) {
	var p params
	if err := tasks.DecodeArgs(t, &p.Args); err != nil {
		return p, err
	}
	id := strings.ReplaceAll(strings.TrimSpace(p.DatabaseID), "-", "")
	if len(id) != 32 || strings.Trim(strings.ToLower(id), "0123456789abcdef") != "" {
		return p, tasks.InvalidArg("database_id", "%q is not a Notion database id (32 hexadecimal digits)", p.DatabaseID)
	}
	p.DatabaseID = strings.ToLower(id) // the API takes it with or without dashes
	if p.NotionConn == "" {
		return p, tasks.InvalidArg("notion_conn", "required: the connection holding the integration token")
	}
	if err := p.InputTask.Check(); err != nil {
		return p, tasks.InvalidArg("input_task", "%v", err)
	}
	p.props = Properties{Title: "Name", URL: "URL", Label: "Label", Score: "Score", Language: "Language", Run: "Run"}
	if p.Properties != nil {
		p.props = *p.Properties
		if p.props.URL == "" {
			return p, tasks.InvalidArg("properties", "url is required: pages are matched by URL")
		}
	}
	var err error
	if p.max, err = tasks.IntArg("max_records", p.MaxRecords, DefaultMaxRecords, 1, 100000); err != nil {
		return p, err
	}
	return p, nil
}

package render

import (
	"context"
	"encoding/json"
	"fmt"
)

// maxFailures bounds the failed pages a report lists.
const maxFailures = 50

// failure is a page an upstream scrape could not fetch.
type failure struct {
	task   string
	url    string
	status int
	err    string
}

// upstreamFailures collects the failures the scrapes behind the classified
// inputs reported: each classify XCom names the tasks it read
// (input_tasks), whose XComs list their failures. XComs that cannot be read
// leave the list shorter; the report does not fail for them.
func upstreamFailures(ctx context.Context, xcom func(context.Context, string) (json.RawMessage, error), inputs []section) ([]failure, int) {
	if xcom == nil {
		return nil, 0
	}
	var out []failure
	total := 0
	seen := map[string]bool{}
	for _, in := range inputs {
		if in.task == "" {
			continue
		}
		raw, err := xcom(ctx, in.task)
		if err != nil {
			continue
		}
		var c struct {
			InputTasks []string `json:"input_tasks"`
		}
		if json.Unmarshal(raw, &c) != nil {
			continue
		}
		for _, id := range c.InputTasks {
			if seen[id] {
				continue
			}
			seen[id] = true
			raw, err := xcom(ctx, id)
			if err != nil {
				continue
			}
			var s struct {
				Failed   int `json:"failed"`
				Failures []struct {
					URL    string `json:"url"`
					Status int    `json:"status"`
					Error  string `json:"error"`
				} `json:"failures"`
			}
			if json.Unmarshal(raw, &s) != nil {
				continue
			}
			total += max(s.Failed, len(s.Failures))
			for _, f := range s.Failures {
				if len(out) < maxFailures {
					out = append(out, failure{task: id, url: f.URL, status: f.Status, err: f.Error})
				}
			}
		}
	}
	return out, total
}

// failures sets the list of pages that could not be fetched.
func failures(l *layout, fs []failure, total int) {
	if total == 0 || !l.room(stHeading.size*lineFactor+itemMinHeight) {
		return
	}
	l.para(fmt.Sprintf("Pages that failed (%d)", total), stHeading, marginX, contentW)
	l.y += 4
	for _, f := range fs {
		why := f.err
		if f.status != 0 && why == "" {
			why = fmt.Sprintf("HTTP %d", f.status)
		}
		u, _ := truncateRunes(clean(f.url), maxURLLen)
		w, _ := truncateRunes(clean(why), 300)
		if !l.para(u, stURL, marginX, contentW) || !l.para(w+"  ("+clean(f.task)+")", stMeta, marginX+12, contentW-12) {
			return
		}
	}
	if total > len(fs) {
		l.para(fmt.Sprintf("… and %d more (see the scrape tasks' results)", total-len(fs)), stMeta, marginX, contentW)
	}
}

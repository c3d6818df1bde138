package ui

import (
	"fmt"
	"html"
	"strings"

	"github.com/dagworker/dagworker/internal/api"
)

// Graph layout: a task's column is the length of the longest path to it
// from a root, its row its place among the tasks of that column.
const (
	nodeW, nodeH = 180, 40
	gapX, gapY   = 60, 14
	pad          = 10
)

// graphSVG draws the DAG's tasks and dependencies as SVG: each task
// coloured by its state in the latest run (nil: no run), with its operator,
// its trigger rule when it is not all_success and its group.
func graphSVG(d api.DAGDetail, states map[string]string) string {
	col := map[string]int{}
	rows := map[int]int{}
	pos := map[string][2]int{}
	maxCol, maxRow := 0, 0
	for _, t := range d.Tasks { // topological order: upstream first
		c := 0
		for _, u := range t.Upstream {
			c = max(c, col[u]+1)
		}
		col[t.ID] = c
		r := rows[c]
		rows[c]++
		pos[t.ID] = [2]int{pad + c*(nodeW+gapX), pad + r*(nodeH+gapY)}
		maxCol, maxRow = max(maxCol, c), max(maxRow, r)
	}
	w := 2*pad + (maxCol+1)*(nodeW+gapX) - gapX
	h := 2*pad + (maxRow+1)*(nodeH+gapY) - gapY
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" class="graph" width="%d" height="%d" viewBox="0 0 %d %d" role="img" aria-label="task graph">`, w, h, w, h)
	b.WriteString(`<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0L10,5L0,10z" fill="#666"/></marker></defs>`)
	for _, t := range d.Tasks {
		to := pos[t.ID]
		for _, u := range t.Upstream {
			from, ok := pos[u]
			if !ok {
				continue
			}
			x1, y1 := from[0]+nodeW, from[1]+nodeH/2
			x2, y2 := to[0], to[1]+nodeH/2
			mx := (x1 + x2) / 2
			fmt.Fprintf(&b, `<path class="edge" data-from="%s" data-to="%s" d="M%d,%d C%d,%d %d,%d %d,%d" fill="none" stroke="#666" marker-end="url(#arrow)"/>`,
				html.EscapeString(u), html.EscapeString(t.ID), x1, y1, mx, y1, mx, y2, x2, y2)
		}
	}
	for _, t := range d.Tasks {
		p := pos[t.ID]
		state := ""
		if states != nil {
			state = states[t.ID]
		}
		sub := t.Operator
		if t.TriggerRule != "" && t.TriggerRule != "all_success" {
			sub += " · " + t.TriggerRule
		}
		if t.Group != "" {
			sub = t.Group + " · " + sub
		}
		fmt.Fprintf(&b, `<g class="node" data-task="%s"><title>%s (%s)</title>`, html.EscapeString(t.ID), html.EscapeString(t.ID), html.EscapeString(stateName(state)))
		fmt.Fprintf(&b, `<rect x="%d" y="%d" width="%d" height="%d" rx="5" fill="#fff" stroke="%s" stroke-width="3"/>`, p[0], p[1], nodeW, nodeH, borderColor(state))
		fmt.Fprintf(&b, `<text x="%d" y="%d" font-size="13" font-weight="600">%s</text>`, p[0]+8, p[1]+16, html.EscapeString(clip(t.ID, 24)))
		fmt.Fprintf(&b, `<text x="%d" y="%d" font-size="11" fill="#555">%s</text></g>`, p[0]+8, p[1]+32, html.EscapeString(clip(sub, 30)))
	}
	b.WriteString(`</svg>`)
	return b.String()
}

func stateName(s string) string {
	if s == "" {
		return "no status"
	}
	return s
}

func borderColor(state string) string {
	if state == "" {
		return "#bbb"
	}
	return stateColor(state)
}

// clip shortens s to n runes with an ellipsis.
func clip(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

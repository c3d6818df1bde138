package render

import (
	"context"
	"fmt"
	"strconv"
	"strings"
)

// Colours of the report.
var (
	colText    = rgb{30, 30, 30}
	colHeading = rgb{20, 45, 95}
	colLink    = rgb{20, 70, 160}
	colMeta    = rgb{95, 95, 95}
	colHeadRow = rgb{226, 231, 240}
	colAltRow  = rgb{245, 247, 250}
	colRule    = rgb{210, 210, 210}
)

// Text styles of the report.
var (
	stTitle   = style{bold: true, size: 20, color: colHeading}
	stHeading = style{bold: true, size: 14, color: colHeading}
	stKey     = style{bold: true, size: 10, color: colText}
	stBody    = style{size: 10, color: colText}
	stTableH  = style{bold: true, size: 9.5, color: colText}
	stTable   = style{size: 9.5, color: colText}
	stItem    = style{bold: true, size: 11, color: colText}
	stURL     = style{size: 9, color: colLink}
	stMeta    = style{size: 9, color: colMeta}
)

// itemMinHeight is the room an entry needs on a page before it starts there
// (its title, URL, facts and a first excerpt line), so a heading is never
// left alone at the bottom of a page.
const itemMinHeight = 11*lineFactor + 2*9*lineFactor + 2*10*lineFactor

// reportContent is what one report shows.
type reportContent struct {
	title      string
	facts      [][2]string
	sections   []section // one per classified input
	failed     []failure // pages the scrapes behind the inputs could not fetch
	failedN    int       // how many there were in all
	compared   *comparison
	footerLeft string
}

// section is one classified input of a report.
type section struct {
	task string // the upstream task that wrote it ("" for an explicit input)
	uri  string
	data *dataset
}

// merged is the statistics of every section together (no items).
func (rc reportContent) merged() *dataset {
	m := newDataset()
	for _, s := range rc.sections {
		m.total += s.data.total
		m.badLines += s.data.badLines
		mergeStats(m.stats, s.data.stats)
		mergeStats(m.byLang, s.data.byLang)
		mergeStats(m.bySite, s.data.bySite)
		m.unshapedPages += s.data.unshapedPages
		for k, n := range s.data.unshaped {
			m.unshaped[k] += n
		}
		for k := range s.data.models {
			m.models[k] = true
		}
	}
	return m
}

// build lays the report out and returns the number of entries placed in
// it. One input has a summary and its pages; several (a fan-in) have the
// summary of all, then per input a heading, its summary and its pages.
func build(ctx context.Context, rc reportContent, l *layout) (int, error) {
	l.newPage()
	l.para(rc.title, stTitle, marginX, contentW)
	l.y += 8
	facts(l, rc.facts)
	l.y += 10
	all := rc.merged()
	shown := 0
	if len(rc.sections) == 1 {
		summary(l, "Summary by label", all)
		l.y += 12
		if rc.failedN > 0 {
			failures(l, rc.failed, rc.failedN)
			l.y += 12
		}
		if rc.compared != nil {
			comparisonSection(l, rc.compared)
			l.y += 12
		}
		n, err := entries(ctx, l, "Pages", rc.sections[0].data)
		if err != nil {
			return 0, err
		}
		shown = n
	} else {
		summary(l, fmt.Sprintf("Summary by label, all %d inputs", len(rc.sections)), all)
		if rc.failedN > 0 {
			l.y += 12
			failures(l, rc.failed, rc.failedN)
		}
		if rc.compared != nil {
			l.y += 12
			comparisonSection(l, rc.compared)
		}
		for _, sec := range rc.sections {
			l.y += 16
			name := sec.task
			if name == "" {
				name = sec.uri
			}
			if !l.room(stHeading.size*lineFactor + itemMinHeight) {
				break
			}
			l.para("Input "+name, stTitle, marginX, contentW)
			l.para(sec.uri, stURL, marginX, contentW)
			l.y += 6
			summary(l, "Summary by label", sec.data)
			l.y += 12
			n, err := entries(ctx, l, "Pages of "+name, sec.data)
			if err != nil {
				return 0, err
			}
			shown += n
		}
	}
	note := ""
	if shown < all.total {
		note = fmt.Sprintf("Report truncated at max_pages=%d: %d of %d pages shown.", l.maxPages, shown, all.total)
	}
	l.footers(rc.footerLeft, note)
	return shown, nil
}

// facts sets the run facts as a two-column list.
func facts(l *layout, rows [][2]string) {
	const keyW = 110
	for _, f := range rows {
		if !l.room(stBody.size * lineFactor) {
			return
		}
		l.cell(f[0], stKey, marginX, keyW-6, l.y+stKey.size*ascentFactor, false)
		v := f[1]
		if v == "" {
			v = "—"
		}
		l.para(v, stBody, marginX+keyW, contentW-keyW)
	}
}

// Summary table columns: left edge and width. The bar column draws each
// row's share.
var (
	colLabel = [2]float64{marginX + 4, 176}
	colBar   = [2]float64{marginX + 186, 120}
	colCount = [2]float64{marginX + 310, 56}
	colShare = [2]float64{marginX + 370, 56}
	colMean  = [2]float64{marginX + 430, 61}
)

// summary sets the tables of a dataset: pages by label, then by language
// and by site when there is more than one.
func summary(l *layout, heading string, d *dataset) {
	if len(d.stats) == 0 {
		if l.room(stHeading.size*lineFactor + 16) {
			l.para(heading, stHeading, marginX, contentW)
			l.para("The input holds no classified pages.", stBody, marginX, contentW)
		}
		return
	}
	table(l, heading, "Label", sortStats(d.stats), d.total)
	if len(d.byLang) > 1 {
		l.y += 10
		table(l, "Pages by language", "Language", sortStats(d.byLang), d.total)
	}
	if len(d.bySite) > 1 {
		l.y += 10
		table(l, "Pages by site", "Site", sortStats(d.bySite), d.total)
	}
}

// table sets one statistics table: name, a bar of the share, pages, share
// and mean score per row, and a total row.
func table(l *layout, heading, first string, stats []labelStat, total int) {
	const rowH = 16.0
	if !l.room(stHeading.size*lineFactor + 3*rowH) {
		return
	}
	l.para(heading, stHeading, marginX, contentW)
	l.y += 4
	maxCount := 1
	for _, s := range stats {
		maxCount = max(maxCount, s.count)
	}
	row := func(st style, fill *rgb, bar float64, cells [4]string) bool {
		if !l.room(rowH) {
			return false
		}
		if fill != nil {
			l.add(op{kind: opFill, x: marginX, y: l.y, w: contentW, h: rowH, st: style{color: *fill}})
		}
		if bar > 0 {
			l.add(op{kind: opFill, x: colBar[0], y: l.y + 4, w: max(1, colBar[1]*bar), h: rowH - 8, st: style{color: colHeading}})
		}
		base := l.y + 4 + st.size*0.8
		l.cell(cells[0], st, colLabel[0], colLabel[1], base, false)
		l.cell(cells[1], st, colCount[0], colCount[1], base, true)
		l.cell(cells[2], st, colShare[0], colShare[1], base, true)
		l.cell(cells[3], st, colMean[0], colMean[1], base, true)
		l.y += rowH
		return true
	}
	head := colHeadRow
	row(stTableH, &head, 0, [4]string{first, "Pages", "Share", "Mean score"})
	sum := 0.0
	for i, s := range stats {
		var fill *rgb
		if i%2 == 1 {
			alt := colAltRow
			fill = &alt
		}
		share := 100 * float64(s.count) / float64(total)
		if !row(stTable, fill, float64(s.count)/float64(maxCount), [4]string{s.label, strconv.Itoa(s.count), fmt.Sprintf("%.1f%%", share), fmt.Sprintf("%.3f", s.mean())}) {
			return
		}
		sum += s.sum
	}
	l.add(op{kind: opRule, x: marginX, y: l.y, w: contentW, st: style{color: colRule}})
	row(stTableH, nil, 0, [4]string{"Total", strconv.Itoa(total), "100%", fmt.Sprintf("%.3f", sum/float64(total))})
}

// entries sets one entry per kept record until the page cap; it returns how
// many were placed.
func entries(ctx context.Context, l *layout, heading string, d *dataset) (int, error) {
	if len(d.items) == 0 || !l.room(stHeading.size*lineFactor+itemMinHeight) {
		return 0, nil
	}
	l.para(fmt.Sprintf("%s (%d)", heading, d.total), stHeading, marginX, contentW)
	l.y += 4
	shown := 0
	for i, rec := range d.items {
		if i%32 == 0 {
			if err := ctx.Err(); err != nil {
				return 0, err
			}
		}
		if !l.room(itemMinHeight) {
			break
		}
		shown++
		if !entry(l, i+1, rec) {
			break
		}
	}
	return shown, nil
}

// entry sets one record; false when the page cap cut it short.
func entry(l *layout, n int, rec record) bool {
	title := rec.Title
	if title == "" {
		title = "(untitled)"
	}
	if !l.para(strconv.Itoa(n)+". "+title, stItem, marginX, contentW) {
		return false
	}
	url := rec.URL
	if rec.FinalURL != "" && rec.FinalURL != rec.URL {
		url += " → " + rec.FinalURL
	}
	page, y0 := l.cur, l.y
	if !l.para(url, stURL, marginX, contentW) {
		return false
	}
	if linkable(rec.URL) && l.cur == page {
		l.add(op{kind: opLink, x: marginX, y: y0, w: contentW, h: l.y - y0, url: rec.URL})
	}
	meta := fmt.Sprintf("Label: %s   Score: %.3f", rec.Label, rec.Score)
	if rec.Lang != "" {
		meta += "   Language: " + rec.Lang
	}
	if rec.Status != 0 {
		meta += "   HTTP " + strconv.Itoa(rec.Status)
	}
	if len(rec.unshaped) > 0 {
		meta += "   Not shaped: " + strings.Join(rec.unshaped, ", ")
	}
	if len(rec.TopK) > 1 {
		parts := make([]string, len(rec.TopK))
		for i, t := range rec.TopK {
			parts[i] = fmt.Sprintf("%s %.3f", t.Label, t.Score)
		}
		meta += "   Top: " + strings.Join(parts, ", ")
	}
	if !l.para(meta, stMeta, marginX, contentW) {
		return false
	}
	l.y += 2
	if !l.para(rec.Text, stBody, marginX, contentW) {
		return false
	}
	l.y += 6
	if l.y < contentBottom {
		l.add(op{kind: opRule, x: marginX, y: l.y, w: contentW, st: style{color: colRule}})
	}
	l.y += 8
	return true
}

// linkable reports whether u can become a link annotation: an http(s) URL
// of printable ASCII.
func linkable(u string) bool {
	if !strings.HasPrefix(u, "http://") && !strings.HasPrefix(u, "https://") {
		return false
	}
	for i := 0; i < len(u); i++ {
		if u[i] <= ' ' || u[i] >= 0x7f {
			return false
		}
	}
	return true
}

package render

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/url"
	"sort"
)

// Caps on the input: one line of classified.jsonl, and the label and
// title lengths kept per record.
const (
	maxLineBytes = 8 << 20
	maxLabelLen  = 120
	maxTitleLen  = 300
	maxURLLen    = 2000
	// charsPerEntry bounds the kept text per kept record on average: a page
	// holds about 5,000 characters and at most entriesPerPage entries.
	charsPerEntry = 600
)

// record is one line of classified.jsonl (the fields the report shows).
type record struct {
	URL      string       `json:"url"`
	FinalURL string       `json:"final_url"`
	Status   int          `json:"status"`
	Title    string       `json:"title"`
	Text     string       `json:"text"`
	Lang     string       `json:"lang"`
	Label    string       `json:"label"`
	Score    float64      `json:"score"`
	TopK     []labelScore `json:"labels"`
	// LowConfidence marks a record whose best labels tie; Error one the
	// model failed on. Both have no label.
	LowConfidence bool     `json:"low_confidence"`
	Error         string   `json:"error"`
	unshaped      []string // scripts the report cannot shape, found in the title or text
	Model         string   `json:"model"`
	ModelVersion  string   `json:"model_version"`
}

type labelScore struct {
	Label string  `json:"label"`
	Score float64 `json:"score"`
}

// labelStat is one row of the summary table.
type labelStat struct {
	label string
	count int
	sum   float64
}

func (s labelStat) mean() float64 { return s.sum / float64(s.count) }

// dataset is what the report shows of the input: per-label statistics over
// all records, and the first records (with cleaned, cut text) in full.
type dataset struct {
	items         []record
	kept          int // characters of the kept records' text fields
	total         int
	badLines      int
	stats         map[string]*labelStat
	byLang        map[string]*labelStat // rows by language, "label" holding the language
	bySite        map[string]*labelStat // rows by host
	labels        map[string]string     // url → label of every record (bounded), for the comparison
	unshaped      map[string]int        // pages per script the report cannot shape
	unshapedPages int
	models        map[string]bool
}

func newDataset() *dataset {
	return &dataset{stats: map[string]*labelStat{}, byLang: map[string]*labelStat{}, bySite: map[string]*labelStat{},
		labels: map[string]string{}, unshaped: map[string]int{}, models: map[string]bool{}}
}

// sortStats returns rows by descending count, then name.
func sortStats(m map[string]*labelStat) []labelStat {
	out := make([]labelStat, 0, len(m))
	for _, s := range m {
		out = append(out, *s)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].count != out[j].count {
			return out[i].count > out[j].count
		}
		return out[i].label < out[j].label
	})
	return out
}

// count adds one record of score to row name of m.
func count(m map[string]*labelStat, name string, score float64) {
	st := m[name]
	if st == nil {
		st = &labelStat{label: name}
		m[name] = st
	}
	st.count++
	st.sum += score
}

// mergeStats adds the rows of from to to.
func mergeStats(to, from map[string]*labelStat) {
	for k, st := range from {
		t := to[k]
		if t == nil {
			t = &labelStat{label: st.label}
			to[k] = t
		}
		t.count += st.count
		t.sum += st.sum
	}
}

// host is the site of a record's URL ("(no site)" without one).
func host(rawURL string) string {
	if u, err := url.Parse(rawURL); err == nil && u.Host != "" {
		return u.Host
	}
	return "(no site)"
}

// sortItems orders the kept records by site, then best score first, then
// URL, so a report reads the same on every run.
func (d *dataset) sortItems() {
	sort.SliceStable(d.items, func(i, j int) bool {
		a, b := d.items[i], d.items[j]
		if ha, hb := host(a.URL), host(b.URL); ha != hb {
			return ha < hb
		}
		if a.Score != b.Score {
			return a.Score > b.Score
		}
		return a.URL < b.URL
	})
}

// readInput reads classified.jsonl: statistics cover every valid line, and
// the first records are kept with their text cut to excerpt runes, at most
// keep records and about keep*charsPerEntry characters: more would not fit
// into the pages allowed.
// Lines that are not JSON objects, or longer than maxLineBytes, are counted
// as bad and skipped.
func readInput(ctx context.Context, r io.Reader, keep, excerpt int) (*dataset, error) {
	d := newDataset()
	br := bufio.NewReaderSize(r, 256<<10)
	for n := 0; ; n++ {
		if n%256 == 0 {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
		}
		line, tooLong, err := readLine(br)
		if err != nil && !errors.Is(err, io.EOF) {
			return nil, err
		}
		if len(bytes.TrimSpace(line)) > 0 || tooLong {
			d.add(line, tooLong, keep, excerpt)
		}
		if err != nil {
			d.sortItems()
			return d, nil
		}
	}
}

func (d *dataset) add(line []byte, tooLong bool, keep, excerpt int) {
	var rec record
	if tooLong || json.Unmarshal(line, &rec) != nil {
		d.badLines++
		return
	}
	d.total++
	rec.Label, _ = truncateRunes(clean(rec.Label), maxLabelLen)
	if rec.Label == "" {
		rec.Label = noLabel(rec)
	}
	count(d.stats, rec.Label, rec.Score)
	if rec.unshaped = scriptsIn(rec.Title, rec.Text); len(rec.unshaped) > 0 {
		d.unshapedPages++
		for _, s := range rec.unshaped {
			d.unshaped[s]++
		}
	}
	if rec.URL != "" && len(d.labels) < maxCompareRecords {
		d.labels[rec.URL] = rec.Label
	}
	lang, _ := truncateRunes(clean(rec.Lang), 20)
	if lang == "" {
		lang = "(unknown)"
	}
	count(d.byLang, lang, rec.Score)
	site, _ := truncateRunes(clean(host(rec.URL)), maxURLLen)
	count(d.bySite, site, rec.Score)
	if rec.Model != "" && len(d.models) < 8 {
		m := rec.Model
		if rec.ModelVersion != "" {
			m += " " + rec.ModelVersion
		}
		d.models[clean(m)] = true
	}
	if len(d.items) >= keep || d.kept >= keep*charsPerEntry {
		return
	}
	rec.Title, _ = truncateRunes(clean(rec.Title), maxTitleLen)
	rec.URL, _ = truncateRunes(clean(rec.URL), maxURLLen)
	rec.FinalURL, _ = truncateRunes(clean(rec.FinalURL), maxURLLen)
	rec.Lang, _ = truncateRunes(clean(rec.Lang), 20)
	rec.Text, _ = truncateRunes(clean(rec.Text), excerpt)
	if len(rec.TopK) > 5 {
		rec.TopK = rec.TopK[:5]
	}
	for i := range rec.TopK {
		rec.TopK[i].Label, _ = truncateRunes(clean(rec.TopK[i].Label), maxLabelLen)
	}
	d.kept += len(rec.Title) + len(rec.URL) + len(rec.FinalURL) + len(rec.Text) + 100
	d.items = append(d.items, rec)
}

// noLabel names the summary row of a record without a label.
func noLabel(rec record) string {
	switch {
	case rec.Error != "":
		return "(failed)"
	case rec.LowConfidence:
		return "(low confidence)"
	default:
		return "(none)"
	}
}

// readLine reads one line without its newline. A line longer than
// maxLineBytes is consumed and reported as tooLong. err is io.EOF at the end.
func readLine(br *bufio.Reader) (line []byte, tooLong bool, err error) {
	for {
		chunk, err := br.ReadSlice('\n')
		if !tooLong {
			if len(line)+len(chunk) > maxLineBytes {
				tooLong, line = true, nil
			} else {
				line = append(line, chunk...)
			}
		}
		if errors.Is(err, bufio.ErrBufferFull) {
			continue
		}
		return line, tooLong, err
	}
}

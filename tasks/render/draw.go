package render

import (
	"fmt"
	"io"

	"github.com/signintech/gopdf"
)

// drawer turns a layout into a PDF document with gopdf.
type drawer struct {
	gp    *gopdf.GoPdf
	added map[*face]bool
	used  map[*face][]rune // runes drawn per face that is subset per document
	// state on the current page, to skip redundant settings
	family string
	size   float64
	text   *rgb
	stroke *rgb
	fill   *rgb
}

// draw writes the PDF of a layout to w.
func draw(w io.Writer, l *layout, info gopdf.PdfInfo) error {
	gp := &gopdf.GoPdf{}
	gp.Start(gopdf.Config{PageSize: *gopdf.PageSizeA4, Unit: gopdf.UnitPT})
	gp.SetInfo(info)
	d := &drawer{gp: gp, added: map[*face]bool{}, used: usedRunes(l)}
	for _, page := range l.pages {
		gp.AddPage()
		d.family, d.text, d.stroke, d.fill = "", nil, nil, nil
		for _, o := range page {
			if err := d.op(l, o); err != nil {
				return err
			}
		}
	}
	if _, err := gp.WriteTo(w); err != nil {
		return fmt.Errorf("write pdf: %w", err)
	}
	return nil
}

func (d *drawer) op(l *layout, o op) error {
	switch o.kind {
	case opText:
		c := l.chain(o.st)
		d.textColor(o.st.color)
		for _, r := range o.runs {
			if err := d.setFont(c.faces[r.face], o.st.size); err != nil {
				return err
			}
			d.gp.SetXY(o.x+r.x, o.y)
			if err := d.gp.Text(r.text); err != nil {
				return fmt.Errorf("draw text: %w", err)
			}
		}
	case opRule:
		if d.stroke == nil || *d.stroke != o.st.color {
			c := o.st.color
			d.gp.SetStrokeColor(c[0], c[1], c[2])
			d.gp.SetLineWidth(0.5)
			d.stroke = &c
		}
		d.gp.Line(o.x, o.y, o.x+o.w, o.y)
	case opFill:
		if d.fill == nil || *d.fill != o.st.color {
			c := o.st.color
			d.gp.SetFillColor(c[0], c[1], c[2])
			d.fill = &c
		}
		d.gp.RectFromUpperLeftWithStyle(o.x, o.y, o.w, o.h, "F")
	case opLink:
		d.gp.AddExternalLink(o.url, o.x, o.y, o.w, o.h)
	}
	return nil
}

func (d *drawer) textColor(c rgb) {
	if d.text == nil || *d.text != c {
		d.gp.SetTextColor(c[0], c[1], c[2])
		d.text = &c
	}
}

// setFont selects a face, adding it to the document on first use: a report
// without CJK text does not embed the CJK font.
func (d *drawer) setFont(f *face, size float64) error {
	if !d.added[f] {
		if err := d.addFont(f); err != nil {
			return err
		}
		d.added[f] = true
	}
	if d.family == f.family && d.size == size {
		return nil
	}
	if err := d.gp.SetFont(f.family, "", size); err != nil {
		return fmt.Errorf("set font %s: %w", f.name, err)
	}
	d.family, d.size = f.family, size
	return nil
}

// addFont adds a face to the document: a subset of the glyphs the document
// uses for a large font, the shared parsed copy otherwise.
func (d *drawer) addFont(f *face) error {
	if f.src == nil {
		if err := d.gp.AddTTFFontFromFontContainer(f.family, f.container); err != nil {
			return fmt.Errorf("add font %s: %w", f.name, err)
		}
		return nil
	}
	runes := d.used[f]
	gids := make([]int, len(runes))
	for i, r := range runes {
		gids[i] = f.glyph(r).gid
	}
	data, err := f.src.subset(runes, gids)
	if err != nil {
		return fmt.Errorf("subset font %s: %w", f.name, err)
	}
	if err := d.gp.AddTTFFontDataWithOption(f.family, data, gopdf.TtfOption{Style: gopdf.Regular}); err != nil {
		return fmt.Errorf("add font subset %s: %w", f.name, err)
	}
	return nil
}

// eachTextRun calls fn with the face and text of every run of text the
// layout draws.
func eachTextRun(l *layout, fn func(f *face, text string)) {
	for _, page := range l.pages {
		for _, o := range page {
			if o.kind != opText {
				continue
			}
			c := l.chain(o.st)
			for _, r := range o.runs {
				fn(c.faces[r.face], r.text)
			}
		}
	}
}

// usedRunes collects, per face that is subset per document, the distinct
// runes the layout draws with it.
func usedRunes(l *layout) map[*face][]rune {
	seen := map[*face]map[rune]bool{}
	out := map[*face][]rune{}
	eachTextRun(l, func(f *face, text string) {
		if f.src == nil {
			return
		}
		if seen[f] == nil {
			seen[f] = map[rune]bool{}
		}
		for _, ch := range text {
			if !seen[f][ch] {
				seen[f][ch] = true
				out[f] = append(out[f], ch)
			}
		}
	})
	return out
}

// usedFaces returns the faces the layout draws text with.
func usedFaces(l *layout) map[*face]bool {
	used := map[*face]bool{}
	eachTextRun(l, func(f *face, _ string) { used[f] = true })
	return used
}

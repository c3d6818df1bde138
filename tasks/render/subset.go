package render

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math/bits"
	"sort"
)

// subsetMinGlyphs is the glyph count from which a font is subset per
// document before gopdf sees it. gopdf embeds the loca and hmtx tables of
// the whole font in every PDF (about 350 KiB for a CJK font, deflated per
// document); a subset of the glyphs a report uses makes that cost vanish.
const subsetMinGlyphs = 4000

// Glyph flags of composite glyph components (OpenType glyf table).
const (
	argsAreWords   = 0x0001
	haveScale      = 0x0008
	moreComponents = 0x0020
	haveXYScale    = 0x0040
	haveTwoByTwo   = 0x0080
)

var errSubset = errors.New("malformed TrueType data")

// ttfSource is a TrueType font read for subsetting.
type ttfSource struct {
	tables      map[string][]byte
	numGlyphs   int
	numHMetrics int
	loca        []uint32 // numGlyphs+1 glyph offsets into glyf
}

// newTTFSource reads the tables of a font that checkTrueType accepted.
func newTTFSource(data []byte) (*ttfSource, error) {
	s := &ttfSource{tables: map[string][]byte{}}
	n := int(binary.BigEndian.Uint16(data[4:6]))
	for i := range n {
		e := data[12+16*i : 12+16*(i+1)]
		off, size := binary.BigEndian.Uint32(e[8:12]), binary.BigEndian.Uint32(e[12:16])
		s.tables[string(e[:4])] = data[off : off+size]
	}
	head, maxp, hhea, loca := s.tables["head"], s.tables["maxp"], s.tables["hhea"], s.tables["loca"]
	if len(head) < 54 || len(maxp) < 6 || len(hhea) < 36 {
		return nil, fmt.Errorf("%w: short head, maxp or hhea table", errSubset)
	}
	s.numGlyphs = int(binary.BigEndian.Uint16(maxp[4:6]))
	s.numHMetrics = int(binary.BigEndian.Uint16(hhea[34:36]))
	if s.numHMetrics < 1 || s.numHMetrics > s.numGlyphs ||
		len(s.tables["hmtx"]) < 4*s.numHMetrics+2*(s.numGlyphs-s.numHMetrics) {
		return nil, fmt.Errorf("%w: hmtx table", errSubset)
	}
	long := binary.BigEndian.Uint16(head[50:52]) == 1
	s.loca = make([]uint32, s.numGlyphs+1)
	for i := range s.loca {
		switch {
		case long && len(loca) >= 4*(i+1):
			s.loca[i] = binary.BigEndian.Uint32(loca[4*i:])
		case !long && len(loca) >= 2*(i+1):
			s.loca[i] = 2 * uint32(binary.BigEndian.Uint16(loca[2*i:]))
		default:
			return nil, fmt.Errorf("%w: loca table", errSubset)
		}
	}
	glyf := uint32(len(s.tables["glyf"]))
	for i := 0; i < s.numGlyphs; i++ {
		if s.loca[i] > s.loca[i+1] || s.loca[i+1] > glyf {
			return nil, fmt.Errorf("%w: loca entry %d", errSubset, i)
		}
	}
	return s, nil
}

func (s *ttfSource) glyph(gid int) []byte { return s.tables["glyf"][s.loca[gid]:s.loca[gid+1]] }

// metric returns the advance width and left side bearing of a glyph.
func (s *ttfSource) metric(gid int) (adv, lsb uint16) {
	h := s.tables["hmtx"]
	if gid < s.numHMetrics {
		return binary.BigEndian.Uint16(h[4*gid:]), binary.BigEndian.Uint16(h[4*gid+2:])
	}
	adv = binary.BigEndian.Uint16(h[4*(s.numHMetrics-1):])
	return adv, binary.BigEndian.Uint16(h[4*s.numHMetrics+2*(gid-s.numHMetrics):])
}

// components calls fn with the offset of each component glyph index inside
// a composite glyph's data; it does nothing for a simple glyph.
func components(g []byte, fn func(off int)) error {
	if len(g) < 10 || int16(binary.BigEndian.Uint16(g)) >= 0 {
		return nil
	}
	for p := 10; ; {
		if p+4 > len(g) {
			return fmt.Errorf("%w: composite glyph", errSubset)
		}
		flags := binary.BigEndian.Uint16(g[p:])
		fn(p + 2)
		p += 4
		if flags&argsAreWords != 0 {
			p += 4
		} else {
			p += 2
		}
		switch {
		case flags&haveScale != 0:
			p += 2
		case flags&haveXYScale != 0:
			p += 4
		case flags&haveTwoByTwo != 0:
			p += 8
		}
		if flags&moreComponents == 0 {
			return nil
		}
	}
}

// subset builds a TrueType font holding glyph 0 and the glyphs of runes
// (gids[i] is the glyph of runes[i] in s), with the components of composite
// glyphs, renumbered, and a cmap for exactly those runes.
func (s *ttfSource) subset(runes []rune, gids []int) ([]byte, error) {
	order := make([]int, len(runes))
	for i := range order {
		order[i] = i
	}
	sort.Slice(order, func(a, b int) bool { return runes[order[a]] < runes[order[b]] })
	newID := map[int]int{0: 0}
	olds := []int{0}
	add := func(old int) int {
		if id, ok := newID[old]; ok {
			return id
		}
		newID[old] = len(olds)
		olds = append(olds, old)
		return len(olds) - 1
	}
	type mapping struct {
		r   rune
		gid int
	}
	cmap := make([]mapping, 0, len(runes))
	for _, i := range order {
		if gids[i] <= 0 || gids[i] >= s.numGlyphs || (len(cmap) > 0 && cmap[len(cmap)-1].r == runes[i]) {
			continue
		}
		cmap = append(cmap, mapping{runes[i], add(gids[i])})
	}
	// Composite components, breadth first: olds grows while we walk it, and
	// each glyph enters once, so cycles in a malformed font end too.
	for i := 0; i < len(olds); i++ {
		var bad error
		g := s.glyph(olds[i])
		if err := components(g, func(off int) {
			c := int(binary.BigEndian.Uint16(g[off:]))
			if c >= s.numGlyphs {
				bad = fmt.Errorf("%w: component glyph %d", errSubset, c)
				return
			}
			add(c)
		}); err != nil {
			return nil, err
		}
		if bad != nil {
			return nil, bad
		}
	}

	n := len(olds)
	var glyf []byte
	loca := make([]byte, 4*(n+1))
	hmtx := make([]byte, 4*n)
	for id, old := range olds {
		binary.BigEndian.PutUint32(loca[4*id:], uint32(len(glyf)))
		start := len(glyf)
		glyf = append(glyf, s.glyph(old)...)
		g := glyf[start:]
		_ = components(g, func(off int) {
			c := int(binary.BigEndian.Uint16(g[off:]))
			binary.BigEndian.PutUint16(g[off:], uint16(newID[c]))
		})
		for len(glyf)%4 != 0 {
			glyf = append(glyf, 0)
		}
		adv, lsb := s.metric(old)
		binary.BigEndian.PutUint16(hmtx[4*id:], adv)
		binary.BigEndian.PutUint16(hmtx[4*id+2:], lsb)
	}
	binary.BigEndian.PutUint32(loca[4*n:], uint32(len(glyf)))

	head := append([]byte(nil), s.tables["head"]...)
	binary.BigEndian.PutUint32(head[8:], 0)  // checkSumAdjustment: not computed
	binary.BigEndian.PutUint16(head[50:], 1) // long loca
	hhea := append([]byte(nil), s.tables["hhea"]...)
	binary.BigEndian.PutUint16(hhea[34:], uint16(n))
	maxp := append([]byte(nil), s.tables["maxp"]...)
	binary.BigEndian.PutUint16(maxp[4:], uint16(n))
	post := make([]byte, 32)
	copy(post, s.tables["post"])
	binary.BigEndian.PutUint32(post, 0x00030000) // no glyph names

	var rs []rune
	var ids []int
	for _, m := range cmap {
		rs, ids = append(rs, m.r), append(ids, m.gid)
	}
	out := map[string][]byte{
		"cmap": buildCmap(rs, ids), "glyf": glyf, "head": head, "hhea": hhea, "hmtx": hmtx,
		"loca": loca, "maxp": maxp, "post": post,
	}
	for _, t := range []string{"OS/2", "name", "cvt ", "fpgm", "prep"} {
		if b, ok := s.tables[t]; ok {
			out[t] = b
		}
	}
	return writeSFNT(out), nil
}

// buildCmap returns a cmap table mapping sorted runes to glyph ids: a
// format 4 subtable (3,1) for the BMP and, when needed, a format 12 (3,10).
func buildCmap(runes []rune, gids []int) []byte {
	type seg struct {
		start, end rune
		gid        int
	}
	var all, bmp []seg
	for i, r := range runes {
		if k := len(all) - 1; k >= 0 && all[k].end+1 == r && all[k].gid+int(r-all[k].start) == gids[i] {
			all[k].end = r
		} else {
			all = append(all, seg{r, r, gids[i]})
		}
	}
	wide := false
	for _, s := range all {
		if s.end > 0xFFFF {
			wide = true
		}
		if s.start < 0xFFFF {
			s.end = min(s.end, 0xFFFE)
			bmp = append(bmp, s)
		}
	}
	bmp = append(bmp, seg{0xFFFF, 0xFFFF, 1}) // the required final segment
	sc := len(bmp)
	f4 := make([]byte, 16+8*sc)
	sr := 2 << (bits.Len(uint(sc)) - 1)
	be := binary.BigEndian
	be.PutUint16(f4[0:], 4)
	be.PutUint16(f4[2:], uint16(len(f4)))
	be.PutUint16(f4[6:], uint16(2*sc))
	be.PutUint16(f4[8:], uint16(sr))
	be.PutUint16(f4[10:], uint16(bits.Len(uint(sr/2))-1))
	be.PutUint16(f4[12:], uint16(2*sc-sr))
	for i, s := range bmp {
		be.PutUint16(f4[14+2*i:], uint16(s.end))
		be.PutUint16(f4[16+2*sc+2*i:], uint16(s.start))
		be.PutUint16(f4[16+4*sc+2*i:], uint16(s.gid-int(s.start)))
		// idRangeOffset stays 0
	}
	subs := [][]byte{f4}
	if wide {
		f12 := make([]byte, 16+12*len(all))
		be.PutUint16(f12[0:], 12)
		be.PutUint32(f12[4:], uint32(len(f12)))
		be.PutUint32(f12[12:], uint32(len(all)))
		for i, s := range all {
			be.PutUint32(f12[16+12*i:], uint32(s.start))
			be.PutUint32(f12[20+12*i:], uint32(s.end))
			be.PutUint32(f12[24+12*i:], uint32(s.gid))
		}
		subs = append(subs, f12)
	}
	head := make([]byte, 4+8*len(subs))
	be.PutUint16(head[2:], uint16(len(subs)))
	off := len(head)
	for i, enc := range []uint16{1, 10}[:len(subs)] {
		be.PutUint16(head[4+8*i:], 3)
		be.PutUint16(head[6+8*i:], enc)
		be.PutUint32(head[8+8*i:], uint32(off))
		off += len(subs[i])
	}
	for _, s := range subs {
		head = append(head, s...)
	}
	return head
}

// writeSFNT serialises tables into a TrueType file.
func writeSFNT(tables map[string][]byte) []byte {
	tags := make([]string, 0, len(tables))
	for t := range tables {
		tags = append(tags, t)
	}
	sort.Strings(tags)
	n := len(tags)
	sr := 16 << (bits.Len(uint(n)) - 1)
	be := binary.BigEndian
	out := make([]byte, 12+16*n)
	be.PutUint32(out[0:], 0x00010000)
	be.PutUint16(out[4:], uint16(n))
	be.PutUint16(out[6:], uint16(sr))
	be.PutUint16(out[8:], uint16(bits.Len(uint(sr/16))-1))
	be.PutUint16(out[10:], uint16(16*n-sr))
	for i, t := range tags {
		data := tables[t]
		rec := out[12+16*i:]
		copy(rec, t)
		be.PutUint32(rec[4:], checksum(data))
		be.PutUint32(rec[8:], uint32(len(out)))
		be.PutUint32(rec[12:], uint32(len(data)))
		out = append(out, data...)
		for len(out)%4 != 0 {
			out = append(out, 0)
		}
	}
	return out
}

func checksum(b []byte) uint32 {
	var sum uint32
	for i := 0; i < len(b); i += 4 {
		var w [4]byte
		copy(w[:], b[i:])
		sum += binary.BigEndian.Uint32(w[:])
	}
	return sum
}

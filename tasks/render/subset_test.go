package render

import (
	"encoding/binary"
	"testing"

	"github.com/stretchr/testify/require"
	"golang.org/x/image/font/gofont/goregular"
	"golang.org/x/image/font/sfnt"
	"golang.org/x/image/math/fixed"
)

// TestSubsetKeepsGlyphs subsets the Go font (the same code path as a CJK
// font, which needs no installed font) and compares outlines, advances and
// cmaps of the subset with the original.
func TestSubsetKeepsGlyphs(t *testing.T) {
	t.Parallel()
	full, err := loadFace("test:goregular", "GoFull", func() ([]byte, error) { return goregular.TTF, nil })
	require.NoError(t, err)
	src, err := newTTFSource(goregular.TTF)
	require.NoError(t, err)

	text := []rune("Hello, Wörld! Ж Ωé ÅÇ őŁ")
	var runes []rune
	var gids []int
	for _, r := range text {
		runes = append(runes, r)
		require.True(t, full.glyph(r).ok, "the Go font has %q", r)
		gids = append(gids, full.glyph(r).gid)
	}
	data, err := src.subset(runes, gids)
	require.NoError(t, err)
	require.NoError(t, checkTrueType(data))
	require.Less(t, len(data), len(goregular.TTF)/4)

	sub, err := loadFace("test:subset", "GoSub", func() ([]byte, error) { return data, nil })
	require.NoError(t, err, "gopdf parses the subset")
	orig, err := sfnt.Parse(goregular.TTF)
	require.NoError(t, err)
	small, err := sfnt.Parse(data)
	require.NoError(t, err, "x/image/font/sfnt parses the subset")
	var b1, b2 sfnt.Buffer
	ppem := fixed.I(100)
	for _, r := range text {
		require.True(t, sub.glyph(r).ok, "rune %q is in the subset", r)
		require.Equal(t, full.glyph(r).width, sub.glyph(r).width, "advance of %q", r)
		g1, err := orig.GlyphIndex(&b1, r)
		require.NoError(t, err)
		g2, err := small.GlyphIndex(&b2, r)
		require.NoError(t, err)
		s1, err := orig.LoadGlyph(&b1, g1, ppem, nil)
		require.NoError(t, err)
		s2, err := small.LoadGlyph(&b2, g2, ppem, nil)
		require.NoError(t, err, "outline of %q (composite components renumbered)", r)
		require.Equal(t, s1, s2, "outline of %q", r)
	}
	require.False(t, sub.glyph('Z').ok, "runes not asked for are not in the subset")
	require.False(t, sub.glyph('Я').ok)
}

func TestSubsetNonBMP(t *testing.T) {
	t.Parallel()
	full, err := loadFace("test:goregular", "GoFull", func() ([]byte, error) { return goregular.TTF, nil })
	require.NoError(t, err)
	src, err := newTTFSource(goregular.TTF)
	require.NoError(t, err)
	a := full.glyph('A').gid
	// Map a supplementary-plane rune to the glyph of 'A' to exercise the
	// format 12 cmap subtable.
	data, err := src.subset([]rune{0x20000, 'A', 'B'}, []int{a, a, full.glyph('B').gid})
	require.NoError(t, err)
	sub, err := loadFace("test:subset12", "GoSub12", func() ([]byte, error) { return data, nil })
	require.NoError(t, err)
	require.True(t, sub.glyph(0x20000).ok)
	require.Equal(t, sub.glyph('A').gid, sub.glyph(0x20000).gid)
	require.True(t, sub.glyph('B').ok)
	f, err := sfnt.Parse(data)
	require.NoError(t, err)
	gi, err := f.GlyphIndex(nil, 0x20000)
	require.NoError(t, err)
	require.Equal(t, sfnt.GlyphIndex(sub.glyph('A').gid), gi)
}

func TestSubsetRejectsMalformedFonts(t *testing.T) {
	t.Parallel()
	src, err := newTTFSource(goregular.TTF)
	require.NoError(t, err)

	// A composite glyph whose component index is out of range.
	bad := *src
	bad.tables = map[string][]byte{}
	for k, v := range src.tables {
		bad.tables[k] = v
	}
	glyph := make([]byte, 16)
	binary.BigEndian.PutUint16(glyph[0:], 0xFFFF)  // numberOfContours -1: composite
	binary.BigEndian.PutUint16(glyph[12:], 0xFFF0) // component glyph index
	bad.tables["glyf"] = append(append([]byte(nil), src.tables["glyf"]...), glyph...)
	bad.loca = append(append([]uint32(nil), src.loca...), uint32(len(bad.tables["glyf"])))
	bad.numGlyphs++
	_, err = bad.subset([]rune{'x'}, []int{bad.numGlyphs - 1})
	require.ErrorIs(t, err, errSubset)

	// A loca table running past glyf.
	data := append([]byte(nil), goregular.TTF...)
	loca := tableRange(t, data, "loca")
	for i := loca[0]; i < loca[1]; i++ {
		data[i] = 0xFF
	}
	_, err = newTTFSource(data)
	require.ErrorIs(t, err, errSubset)
}

// tableRange returns the byte range of a table in a font file.
func tableRange(t *testing.T, data []byte, tag string) [2]int {
	n := int(binary.BigEndian.Uint16(data[4:6]))
	for i := range n {
		e := data[12+16*i:]
		if string(e[:4]) == tag {
			off := int(binary.BigEndian.Uint32(e[8:12]))
			return [2]int{off, off + int(binary.BigEndian.Uint32(e[12:16]))}
		}
	}
	t.Fatalf("no %s table", tag)
	return [2]int{}
}

// withComposite returns a copy of src with one more glyph: a composite of
// glyphs a and b.
func withComposite(src *ttfSource, a, b int) *ttfSource {
	c := *src
	c.tables = map[string][]byte{}
	for k, v := range src.tables {
		c.tables[k] = v
	}
	g := make([]byte, 10, 26)
	binary.BigEndian.PutUint16(g[0:], 0xFFFF) // numberOfContours -1
	be := binary.BigEndian
	g = be.AppendUint16(g, argsAreWords|moreComponents)
	g = be.AppendUint16(g, uint16(a))
	g = be.AppendUint16(g, 0)
	g = be.AppendUint16(g, 0)
	g = be.AppendUint16(g, argsAreWords)
	g = be.AppendUint16(g, uint16(b))
	g = be.AppendUint16(g, 300)
	g = be.AppendUint16(g, 0)
	c.tables["glyf"] = append(append([]byte(nil), src.tables["glyf"]...), g...)
	c.loca = append(append([]uint32(nil), src.loca...), uint32(len(c.tables["glyf"])))
	c.tables["hmtx"] = append(append([]byte(nil), src.tables["hmtx"]...), 0, 0)
	c.numGlyphs++
	return &c
}

func TestSubsetRenumbersCompositeComponents(t *testing.T) {
	t.Parallel()
	full, err := loadFace("test:goregular", "GoFull", func() ([]byte, error) { return goregular.TTF, nil })
	require.NoError(t, err)
	base, err := newTTFSource(goregular.TTF)
	require.NoError(t, err)
	a, b := full.glyph('A').gid, full.glyph('B').gid
	src := withComposite(base, a, b)
	data, err := src.subset([]rune{'x'}, []int{src.numGlyphs - 1})
	require.NoError(t, err)
	sub, err := loadFace("test:composite", "GoComposite", func() ([]byte, error) { return data, nil })
	require.NoError(t, err)
	out, err := newTTFSource(data)
	require.NoError(t, err)
	require.Equal(t, 4, out.numGlyphs, ".notdef, the composite and its two components")
	g := out.glyph(sub.glyph('x').gid)
	var comps []int
	require.NoError(t, components(g, func(off int) { comps = append(comps, int(binary.BigEndian.Uint16(g[off:]))) }))
	require.Len(t, comps, 2)
	require.Equal(t, base.glyph(a), out.glyph(comps[0]), "first component is A, renumbered")
	require.Equal(t, base.glyph(b), out.glyph(comps[1]), "second component is B, renumbered")
}

package render

import (
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/signintech/gopdf"
	"github.com/stretchr/testify/require"
	"golang.org/x/image/font/gofont/goregular"
)

// testChains returns the regular chain of the shared handler (with the CJK
// font when installed).
func testChain(t *testing.T) *chain {
	t.Helper()
	h := mustShared(t)
	regular, _, _, err := h.chains(params{})
	require.NoError(t, err)
	return regular
}

func TestClean(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"  a\t\tb\r\nc  ", "a b c"},
		{"de\u0301ja\u0300 vu", "déjà vu"}, // NFC composes decomposed accents
		{"soft\u00ADhyphen zero\u200Bwidth", "softhyphen zerowidth"},
		{"bell\x07 nul\x00", "bell nul"},
		{"\u3000全角\u3000space", "全角 space"},
		{"", ""},
	}
	for _, tc := range tests {
		require.Equal(t, tc.want, clean(tc.in), "clean(%q)", tc.in)
	}
}

func TestTruncateRunes(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		n    int
		want string
		cut  bool
	}{
		{"short", 10, "short", false},
		{"alpha beta gamma", 12, "alpha beta…", true}, // back to a space in the last fifth
		{"alpha beta gamma", 14, "alpha beta gam…", true},
		{"abcdefghij", 5, "abcde…", true},
		{"東京都庁舎", 2, "東京…", true},
		{"x", 0, "", true},
	}
	for _, tc := range tests {
		got, cut := truncateRunes(tc.in, tc.n)
		require.Equal(t, tc.want, got, "truncateRunes(%q, %d)", tc.in, tc.n)
		require.Equal(t, tc.cut, cut)
	}
}

func TestWrap(t *testing.T) {
	t.Parallel()
	c := testChain(t)
	cjk := mustShared(t).CJKFont() != ""
	tests := []struct {
		name  string
		text  string
		width float64
		cjk   bool
		check func(t *testing.T, got []string)
	}{
		{name: "latin breaks at spaces", text: repeat("internationalisation of comprehensive documentation", 8), width: 200,
			check: func(t *testing.T, got []string) {
				vocab := map[string]bool{"internationalisation": true, "of": true, "comprehensive": true, "documentation": true}
				for _, ln := range got {
					require.Equal(t, ln, strings.TrimSpace(ln), "no spaces at line ends")
					for _, w := range strings.Fields(ln) {
						require.True(t, vocab[w], "word %q split", w)
					}
				}
			}},
		{name: "overlong word breaks between characters", text: "see https://example.org/" + strings.Repeat("a", 300) + " end", width: 150,
			check: func(t *testing.T, got []string) {
				require.Equal(t, "see", got[0], "the long word starts a fresh line")
				require.Greater(t, len(got), 3)
				require.Equal(t, squash("see https://example.org/"+strings.Repeat("a", 300)+" end"), squash(strings.Join(got, "")))
				require.True(t, strings.HasSuffix(got[len(got)-1], " end"), "the next word follows the broken one")
			}},
		{name: "cjk breaks between characters", cjk: true, text: "東京の天気は晴れです。明日は雨が降るでしょう。ニュースを読みました。「東京」", width: 60,
			check: func(t *testing.T, got []string) {
				require.Greater(t, len(got), 3)
				for _, ln := range got {
					first, _ := firstRune(ln)
					require.NotContains(t, noLineStart, string(first), "line %q starts with a closing mark", ln)
					last := []rune(ln)[len([]rune(ln))-1]
					require.NotContains(t, noLineEnd, string(last), "line %q ends with an opening mark", ln)
				}
				require.Equal(t, "東京の天気は晴れです。明日は雨が降るでしょう。ニュースを読みました。「東京」", strings.Join(got, ""))
			}},
		{name: "hangul breaks at spaces", text: repeat("서울의 날씨는 맑습니다. 내일은 비가 오겠습니다.", 6), width: 80,
			check: func(t *testing.T, got []string) {
				// Font-independent (without a Hangul font every syllable is a
				// marker): a word split over two lines would add a word.
				require.Greater(t, len(got), 3)
				require.Len(t, strings.Fields(strings.Join(got, " ")), 6*6)
			}},
		{name: "empty", text: "", width: 100, check: func(t *testing.T, got []string) { require.Empty(t, got) }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if tc.cjk && !cjk {
				// Without a CJK font the marker still breaks per character.
				t.Logf("no CJK font: wrapping markers")
			}
			sh := c.shape(clean(tc.text), 10)
			var got []string
			for _, ln := range wrap(sh, tc.width) {
				require.LessOrEqual(t, ln.width, tc.width+1e-9)
				got = append(got, string(sh.runes[ln.start:ln.end]))
			}
			if tc.cjk && !cjk {
				require.Greater(t, len(got), 1)
				return
			}
			tc.check(t, got)
		})
	}
}

func firstRune(s string) (rune, bool) {
	for _, r := range s {
		return r, true
	}
	return 0, false
}

// TestWidthsMatchGopdf checks that the widths used for wrapping are the
// ones gopdf uses to set the text.
func TestWidthsMatchGopdf(t *testing.T) {
	t.Parallel()
	c := testChain(t)
	text := "Größere Straßenbahnen — Съешь же ещё; Η γρήγορη καφέ αλεπού 0123456789"
	sh := c.shape(text, 11)
	var ours float64
	for _, w := range sh.width {
		ours += w
	}
	gp := &gopdf.GoPdf{}
	gp.Start(gopdf.Config{PageSize: *gopdf.PageSizeA4, Unit: gopdf.UnitPT})
	gp.AddPage()
	require.NoError(t, gp.AddTTFFontData("go", goregular.TTF))
	require.NoError(t, gp.SetFont("go", "", 11))
	theirs, err := gp.MeasureTextWidth(text)
	require.NoError(t, err)
	require.InDelta(t, theirs, ours, 0.01)
}

func TestFontCacheParsesOnce(t *testing.T) {
	t.Parallel()
	c := newFontCache()
	var loads atomic.Int32
	load := func() ([]byte, error) { loads.Add(1); return goregular.TTF, nil }
	var wg sync.WaitGroup
	faces := make([]*face, 8)
	for i := range faces {
		wg.Add(1)
		go func() {
			defer wg.Done()
			f, err := c.get("k", load)
			if err == nil {
				faces[i] = f
			}
		}()
	}
	wg.Wait()
	require.Equal(t, int32(1), loads.Load())
	for _, f := range faces {
		require.Same(t, faces[0], f)
	}
	require.True(t, faces[0].glyph('Ж').ok)
	require.False(t, faces[0].glyph('東').ok)

	// Failures are not cached.
	_, err := c.get("bad", func() ([]byte, error) { return []byte("nope"), nil })
	require.ErrorIs(t, err, ErrFont)
	f, err := c.get("bad", func() ([]byte, error) { return goregular.TTF, nil })
	require.NoError(t, err)
	require.NotNil(t, f)
}

func TestCheckTrueType(t *testing.T) {
	t.Parallel()
	require.NoError(t, checkTrueType(goregular.TTF))
	truncated := append([]byte(nil), goregular.TTF[:1000]...)
	require.ErrorContains(t, checkTrueType(truncated), "outside the file")
	require.ErrorContains(t, checkTrueType([]byte("OTTO\x00\x00\x00\x00\x00\x00\x00\x00")), "CFF")
	require.ErrorContains(t, checkTrueType([]byte("ttcf\x00\x00\x00\x00\x00\x00\x00\x00")), "collection")
	require.ErrorContains(t, checkTrueType([]byte("tiny")), "too short")
}

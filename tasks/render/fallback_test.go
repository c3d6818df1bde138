package render

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"golang.org/x/image/font/gofont/goregular"
)

// fakeFont writes a small TrueType font whose cmap maps each key of glyphs
// to the outline of its value in Go Regular, so tests control exactly which
// characters a fallback font covers without any installed font. It returns
// the font's path.
func fakeFont(t testing.TB, name string, glyphs map[rune]rune) string {
	t.Helper()
	goFace, err := loadFace("test:goregular", "GoTest", func() ([]byte, error) { return goregular.TTF, nil })
	require.NoError(t, err)
	src, err := newTTFSource(goregular.TTF)
	require.NoError(t, err)
	var runes []rune
	var gids []int
	for r, shape := range glyphs {
		g := goFace.glyph(shape)
		require.True(t, g.ok, "Go Regular has %q", shape)
		runes, gids = append(runes, r), append(gids, g.gid)
	}
	data, err := src.subset(runes, gids)
	require.NoError(t, err)
	path := filepath.Join(t.TempDir(), name+".ttf")
	require.NoError(t, os.WriteFile(path, data, 0o600))
	return path
}

// fakeFonts are two fallback fonts that overlap: A covers 東, 京 and 한;
// B covers 한, 글 and 국.
func fakeFonts(t testing.TB) (a, b string) {
	return fakeFont(t, "FakeHanA", map[rune]rune{'東': 'A', '京': 'B', '한': 'C'}),
		fakeFont(t, "FakeHangulB", map[rune]rune{'한': 'D', '글': 'E', '국': 'F'})
}

// TestChainFaceChoice checks that each character is set in the first face
// of the chain that has a glyph for it.
func TestChainFaceChoice(t *testing.T) {
	t.Parallel()
	a, b := fakeFonts(t)
	h, err := New(Config{FallbackFontPaths: []string{a, b}, CJKFontCandidates: []string{}})
	require.NoError(t, err)
	require.Equal(t, []string{a, b}, h.FallbackFonts())
	require.Equal(t, a, h.CJKFont())
	regular, bold, _, err := h.chains(params{})
	require.NoError(t, err)
	goReg, err := h.fonts.embedded(false)
	require.NoError(t, err)
	goBold, err := h.fonts.embedded(true)
	require.NoError(t, err)
	fa, fb := h.fallbacks[0].face, h.fallbacks[1].face
	tests := []struct {
		name    string
		r       rune
		regular *face // nil: no face has it
		bold    *face
	}{
		{name: "latin in Go", r: 'a', regular: goReg, bold: goBold},
		{name: "cyrillic in Go", r: 'Ж', regular: goReg, bold: goBold},
		{name: "han only in A", r: '東', regular: fa, bold: fa},
		{name: "hangul in both: the first wins", r: '한', regular: fa, bold: fa},
		{name: "hangul only in B", r: '글', regular: fb, bold: fb},
		{name: "in no font", r: '語'},
		{name: "private use", r: '\U000F0000'},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			for _, c := range []struct {
				chain *chain
				want  *face
			}{{regular, tc.regular}, {bold, tc.bold}} {
				i, ok := c.chain.find(tc.r)
				if c.want == nil {
					require.False(t, ok, "%q has no glyph", tc.r)
					continue
				}
				require.True(t, ok, "%q has a glyph", tc.r)
				require.Same(t, c.want, c.chain.faces[i], "face of %q", tc.r)
			}
		})
	}

	sh := regular.shape("a東한글語", 10)
	var got []*face
	for _, fi := range sh.face {
		got = append(got, regular.faces[fi])
	}
	require.Equal(t, []*face{goReg, fa, fa, fb, goReg}, got, "語 is a marker in Go")
	require.Equal(t, []int{4}, sh.missAt)
	require.Equal(t, '\u25A1', sh.runes[4])
}

// TestFallbackConfig checks the order, validation and de-duplication of
// the fallback fonts.
func TestFallbackConfig(t *testing.T) {
	t.Parallel()
	a, b := fakeFonts(t)
	onlyHan := fakeFont(t, "FakeHanOnly", map[rune]rune{'東': 'G'}) // adds nothing after A
	link := filepath.Join(t.TempDir(), "link.ttf")
	require.NoError(t, os.Symlink(a, link))
	absent := filepath.Join(t.TempDir(), "absent.ttf")
	many := make([]string, MaxFallbackFonts+1)
	for i := range many {
		many[i] = a
	}
	tests := []struct {
		name string
		cfg  Config
		want []string
		err  string
	}{
		{name: "configured order", cfg: Config{FallbackFontPaths: []string{b, a}, CJKFontCandidates: []string{}}, want: []string{b, a}},
		{name: "CJKFontPath comes first", cfg: Config{CJKFontPath: b, FallbackFontPaths: []string{a}, CJKFontCandidates: []string{}}, want: []string{b, a}},
		{name: "configured before candidates", cfg: Config{CJKFontPath: b, CJKFontCandidates: []string{a, absent}}, want: []string{b, a}},
		{name: "every candidate that adds coverage", cfg: Config{CJKFontCandidates: []string{absent, a, onlyHan, b}}, want: []string{a, b}},
		{name: "a file named twice is used once", cfg: Config{FallbackFontPaths: []string{a, link, ""}, CJKFontCandidates: []string{a, link}}, want: []string{a}},
		{name: "no fonts", cfg: Config{CJKFontCandidates: []string{}}, want: []string{}},
		{name: "configured font missing", cfg: Config{FallbackFontPaths: []string{a, absent}}, err: "no such file"},
		{name: "too many", cfg: Config{FallbackFontPaths: many}, err: "at most 8"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h, err := New(tc.cfg)
			if tc.err != "" {
				require.ErrorIs(t, err, ErrFont)
				require.ErrorContains(t, err, tc.err)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tc.want, h.FallbackFonts())
		})
	}
}

// pdfFonts lists the font names pdffonts reports for a PDF.
func pdfFonts(t testing.TB, path string) []string {
	t.Helper()
	out, err := exec.Command(poppler(t, "pdffonts"), path).CombinedOutput()
	require.NoError(t, err, "pdffonts: %s", out)
	var names []string
	for i, ln := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		if f := strings.Fields(ln); i >= 2 && len(f) > 0 {
			names = append(names, f[0])
		}
	}
	return names
}

// hasFont reports whether a pdffonts name belongs to the font file base
// (PDF names are the file's base name plus a hash, perhaps with a subset
// prefix).
func hasFont(names []string, base string) bool {
	stem := strings.TrimSuffix(base, filepath.Ext(base))
	for _, n := range names {
		if strings.Contains(n, stem+"-") {
			return true
		}
	}
	return false
}

// TestRenderEmbedsOnlyUsedFallbacks renders with the fake fonts, so it runs
// the same everywhere: every script comes back as text, and each report
// embeds exactly the fallback fonts it draws with.
func TestRenderEmbedsOnlyUsedFallbacks(t *testing.T) {
	t.Parallel()
	a, b := fakeFonts(t)
	h, err := New(Config{FallbackFontPaths: []string{a, b}, CJKFontCandidates: []string{}})
	require.NoError(t, err)
	tests := []struct {
		name, text string
		want       []string // fallback fonts used, in chain order
	}{
		{name: "latin only", text: "Plain English text.", want: []string{}},
		{name: "first fallback only", text: "Tokyo 東京 and 한", want: []string{"FakeHanA.ttf"}},
		{name: "second fallback only", text: "Hangul 글 국", want: []string{"FakeHangulB.ttf"}},
		{name: "both", text: "東京 한글 국", want: []string{"FakeHanA.ttf", "FakeHangulB.ttf"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			bu := setup(t, h)
			key := bu.writeInput(t, []record{{URL: "https://x.example/", Title: "Fonts", Text: tc.text, Label: "l"}})
			res := bu.run(t, map[string]any{"input": key}, nil)
			require.Zero(t, res.MissingGlyphs)
			require.Equal(t, tc.want, res.FallbackFonts)
			require.Equal(t, "FakeHanA.ttf", res.CJKFont, "the first font of the chain")
			pdf := bu.pdfPath(res.Key)
			require.Contains(t, pdfText(t, pdf, 0, 0), tc.text, "every script comes back as text")
			fonts := pdfFonts(t, pdf)
			for _, f := range []string{"FakeHanA.ttf", "FakeHangulB.ttf"} {
				require.Equal(t, contains(tc.want, f), hasFont(fonts, f), "%s embedded: %v", f, fonts)
			}
		})
	}
}

// TestCJKFontArgGoesFirst checks that a task's cjk_font is tried before the
// handler's fallback fonts, which still cover what it lacks.
func TestCJKFontArgGoesFirst(t *testing.T) {
	t.Parallel()
	a, b := fakeFonts(t)
	h, err := New(Config{FallbackFontPaths: []string{a}, CJKFontCandidates: []string{}, FontDirs: []string{filepath.Dir(b)}})
	require.NoError(t, err)
	bu := setup(t, h)
	key := bu.writeInput(t, []record{{URL: "https://x.example/", Title: "T", Text: "東京 한글", Label: "l"}})
	res := bu.run(t, map[string]any{"input": key, "cjk_font": b}, nil)
	require.Zero(t, res.MissingGlyphs)
	require.Equal(t, "FakeHangulB.ttf", res.CJKFont)
	require.Equal(t, []string{"FakeHangulB.ttf", "FakeHanA.ttf"}, res.FallbackFonts, "한 from B, 東京 from A")
	require.Contains(t, pdfText(t, bu.pdfPath(res.Key), 0, 0), "東京 한글")
	// A name relative to a font folder works too.
	res = bu.run(t, map[string]any{"input": key, "cjk_font": filepath.Base(b)}, nil)
	require.Equal(t, "FakeHangulB.ttf", res.CJKFont)
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// requireHangulEnv, when set, makes the mixed-script test fail instead of
// testing the missing-glyph path when no Hangul font is installed, and
// requires fonts-nanum's NanumGothic for Korean (CI installs it).
const requireHangulEnv = "DAGWORKER_TEST_REQUIRE_HANGUL_FONT"

// TestRenderMixedScripts renders a report mixing English, Chinese,
// Japanese and Korean with the default fonts and checks that every script
// comes back as text.
func TestRenderMixedScripts(t *testing.T) {
	t.Parallel()
	const (
		english  = "The city council approved the new budget on Monday."
		chinese  = "北京今天的新闻报道了经济增长。"
		japanese = "東京の天気は晴れです。明日は雨が降るでしょう。"
		korean   = "서울의 날씨는 맑습니다. 내일은 비가 오겠습니다."
		title    = "세계 뉴스 World news 世界新闻"
		label    = "경제"
	)
	koreanWords := []string{"서울의", "날씨는", "맑습니다", "내일은", "비가", "오겠습니다", "세계", "뉴스", "경제"}
	b := setup(t, nil)
	key := b.writeInput(t, []record{
		{URL: "https://example.org/mixed", Title: title, Label: label, Score: 0.75,
			Text: repeat(english+" "+chinese+" "+japanese+" "+korean, 3)},
		{URL: "https://example.org/ko", Title: "서울 소식", Label: label, Score: 0.5, Text: korean},
	})
	res := b.run(t, map[string]any{"input": key, "title": "Mixed scripts 한국어"}, nil)
	pdf := b.pdfPath(res.Key)
	got := pdfText(t, pdf, 0, 0)
	require.Contains(t, words(got), english)

	c := testChain(t)
	_, hasCJK := c.find('東')
	hi, hasHangul := c.find('한')
	if !hasCJK || !hasHangul {
		require.False(t, !hasCJK && envSet(requireCJKEnv), "no CJK font installed; install fonts-droid-fallback (%s is set)", requireCJKEnv)
		require.False(t, !hasHangul && envSet(requireHangulEnv), "no Hangul font installed; install fonts-nanum (%s is set)", requireHangulEnv)
		t.Logf("no CJK or Hangul font installed: checking the missing-glyph path (install fonts-droid-fallback and fonts-nanum to test them)")
		require.Positive(t, res.MissingGlyphs)
		require.Contains(t, got, "\u25A1")
		if !hasHangul {
			require.GreaterOrEqual(t, res.MissingGlyphs, len([]rune(squash(korean)))-2, "every Hangul character is a marker")
		}
		return
	}
	require.Zero(t, res.MissingGlyphs, "every character has a glyph")
	require.NotContains(t, got, "\u25A1")
	flat := squash(got)
	for _, s := range []string{chinese, japanese, korean, title, label, "Mixed scripts 한국어"} {
		require.Contains(t, flat, squash(s))
	}
	spaced := words(got)
	for _, w := range koreanWords {
		require.Contains(t, spaced, w, "Korean wraps at spaces: each word stays whole")
	}
	hangulFont := filepath.Base(c.faces[hi].name)
	require.Contains(t, res.FallbackFonts, hangulFont, "the Hangul font is embedded")
	require.True(t, hasFont(pdfFonts(t, pdf), hangulFont))
	if envSet(requireHangulEnv) {
		require.Equal(t, "NanumGothic.ttf", hangulFont, "Korean is set in fonts-nanum's NanumGothic (%s is set)", requireHangulEnv)
	}
}

package scrape

import (
	"strings"
	"testing"

	"github.com/andybalholm/cascadia"
	"github.com/stretchr/testify/require"
	"golang.org/x/net/html"

	"github.com/dagworker/dagworker/internal/demosite"
)

func TestDetectLangOnDemoCorpus(t *testing.T) {
	t.Parallel()
	for _, s := range demosite.Corpus() {
		require.Equal(t, s.Lang, detectLang(s.Text), "%s", s.Text)
	}
}

func TestDetectLang(t *testing.T) {
	t.Parallel()
	tests := []struct{ text, want string }{
		{"", ""},
		{"12345 !!!", ""},
		{"東京の天気は晴れです。", "ja"},
		{"カタカナだけ", "ja"},
		{"北京今天天气很好", "zh"},
		{"서울의 날씨는 맑습니다", "ko"},
		{"Україна і Європа", "uk"},
		{"Привет, как дела?", "ru"},
		{"Καλημέρα σας", "el"},
		{"Das ist nicht gut, aber die Sonne scheint.", "de"},
		{"Le chat est sur la table et il dort.", "fr"},
		{"El perro está en la casa y duerme.", "es"},
		{"Pies jest w domu i śpi.", "pl"},
		{"The dog is in the house and it sleeps.", "en"},
	}
	for _, tc := range tests {
		require.Equal(t, tc.want, detectLang(tc.text), tc.text)
	}
}

func TestDocLang(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{"de": "de", "de-AT": "de", "EN_us": "en", " fr ": "fr", "": "", "x": "", "123": "", "english": ""} {
		require.Equal(t, want, docLang(in), in)
	}
}

func TestExtract(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, html, selector, title, text string
	}{
		{name: "main without noise",
			html:  `<html><head><title> A  title </title><style>x{}</style></head><body><header>H</header><nav>N</nav><main><h1>Head</h1><p>One <b>bold</b> word.</p><script>var x</script><p>Two</p><aside>ad</aside></main><footer>F</footer></body></html>`,
			title: "A title", text: "Head\nOne bold word.\nTwo"},
		{name: "article fallback", html: `<html><body><div>menu</div><article><p>Body text</p></article></body></html>`, text: "Body text"},
		{name: "body fallback without title uses h1", html: `<html><body><h1>Only heading</h1><p>x<br>y</p><div hidden>secret</div><p aria-hidden="true">gone</p></body></html>`,
			title: "Only heading", text: "Only heading\nx\ny"},
		{name: "inline spacing", html: `<p>foo<span>bar</span> baz <i> qux</i></p>`, text: "foobar baz qux"},
		{name: "selector keeps matches only", html: `<html><body><nav>N</nav><div class="c">first</div><div class="c">second<script>s</script></div></body></html>`,
			selector: ".c, nav", text: "N\nfirst\nsecond"},
		{name: "cjk", html: `<html lang="ja"><title>題</title><main><p>日本語の文章です。</p><p>二つ目。</p></main></html>`, title: "題", text: "日本語の文章です。\n二つ目。"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			doc, err := html.Parse(strings.NewReader(tc.html))
			require.NoError(t, err)
			var sel cascadia.SelectorGroup
			if tc.selector != "" {
				sel, err = cascadia.ParseGroup(tc.selector)
				require.NoError(t, err)
			}
			title, text := extract(doc, sel)
			require.Equal(t, tc.title, title)
			require.Equal(t, tc.text, text)
		})
	}
}

func TestStartURLs(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"HTTP://Example.ORG", "http://example.org/"},
		{"http://example.org:80/a#frag", "http://example.org/a"},
		{"https://example.org:443/", "https://example.org/"},
		{"http://example.org:8080/x?y=1", "http://example.org:8080/x?y=1"},
		{"http://bücher.example/", "http://xn--bcher-kva.example/"},
		{"http://[::1]:80/", "http://[::1]/"},
		{"  http://127.0.0.1:9/  ", "http://127.0.0.1:9/"},
	}
	for _, tc := range tests {
		u, err := parseStartURL(tc.in)
		require.NoError(t, err, tc.in)
		require.Equal(t, tc.want, u.String(), tc.in)
	}
}

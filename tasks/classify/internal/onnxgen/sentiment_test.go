package onnxgen

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/dagworker/dagworker/internal/demosite"
)

// explain lists text's tokens with their polarity, for failure messages.
func explain(sv *SentimentVocab, text string) string {
	var b strings.Builder
	for _, tok := range sv.Tokenize(text) {
		if p := sv.Polarity[sv.ID(tok)]; p != 0 {
			fmt.Fprintf(&b, "%s(%+g) ", tok, p)
		} else {
			b.WriteString(tok + " ")
		}
	}
	return b.String()
}

func TestDemoSitePagesGetTheirSentiment(t *testing.T) {
	t.Parallel()
	sv := BuildSentimentVocab()
	for _, p := range demosite.Pages(demosite.Config{}) {
		pos := sv.Positive(p.Text)
		switch p.Sentiment {
		case "positive":
			require.GreaterOrEqual(t, pos, 0.6, "%s: %s", p.Path, explain(sv, p.Text))
		case "negative":
			require.LessOrEqual(t, pos, 0.4, "%s: %s", p.Path, explain(sv, p.Text))
		default:
			_, n := sv.Score(p.Text)
			require.Zero(t, n, "%s is neutral: %s", p.Path, explain(sv, p.Text))
			require.Equal(t, 0.5, pos, p.Path)
		}
	}
}

func TestDemoSiteTextHasNoUNK(t *testing.T) {
	t.Parallel()
	sv := BuildSentimentVocab()
	for _, text := range siteTexts() {
		require.NotContains(t, sv.Tokenize(text), "[UNK]", text)
	}
}

// TestSentimentBeyondTheDemoSite: sentences written for this test (not on
// the demo site) in every language, and texts without opinion words, which
// score exactly 0.5.
func TestSentimentBeyondTheDemoSite(t *testing.T) {
	t.Parallel()
	sv := BuildSentimentVocab()
	cases := []struct{ lang, text, want string }{
		{"en", "The parcel arrived quickly and the support team was wonderful.", "positive"},
		{"en", "Terrible service, the device was broken and the refund was slow.", "negative"},
		{"en", "The meeting is on Tuesday at ten.", "neutral"},
		{"de", "Das Essen war hervorragend und der Service sehr gut.", "positive"},
		{"de", "Ich bin enttäuscht, alles war schlecht und kaputt.", "negative"},
		{"de", "Der Zug fährt um acht Uhr ab.", "neutral"},
		{"fr", "Le film était génial, vraiment magnifique !", "positive"},
		{"fr", "Très déçu, le produit est arrivé cassé. C'est nul.", "negative"},
		{"fr", "Bienvenue à Lyon, la réunion est demain.", "neutral"},
		{"es", "La comida fue excelente y el personal fantástico.", "positive"},
		{"es", "Servicio pésimo, muy lento y decepcionado.", "negative"},
		{"es", "Bienvenidos, la tienda abre a las nueve.", "neutral"},
		{"pl", "Świetny hotel, polecam wszystkim, jestem zadowolony.", "positive"},
		{"pl", "Okropny i beznadziejny produkt, jestem rozczarowany.", "negative"},
		{"ru", "Отличный фильм, я очень доволен.", "positive"},
		{"ru", "Ужасный сервис, очень плохо и медленно.", "negative"},
		{"ru", "Поезд приходит в восемь часов.", "neutral"},
		{"el", "Το φαγητό ήταν υπέροχο και το προσωπικό εξαιρετικό.", "positive"},
		{"el", "Η υπηρεσία ήταν απαίσια, μια καταστροφή.", "negative"},
		{"ja", "このホテルはとても良いです。楽しかった。", "positive"},
		{"ja", "最悪の体験でした。嫌いです。", "negative"},
		{"ja", "明日は月曜日です。", "neutral"},
		{"ko", "음식이 정말 훌륭했고 직원들도 친절해서 좋았습니다.", "positive"},
		{"ko", "서비스가 최악이었고 음식도 나빴습니다.", "negative"},
		{"ko", "기차는 여덟 시에 출발합니다.", "neutral"},
	}
	for _, c := range cases {
		pos := sv.Positive(c.text)
		switch c.want {
		case "positive":
			require.GreaterOrEqual(t, pos, 0.8, "%s %q: %s", c.lang, c.text, explain(sv, c.text))
		case "negative":
			require.LessOrEqual(t, pos, 0.2, "%s %q: %s", c.lang, c.text, explain(sv, c.text))
		default:
			require.Equal(t, 0.5, pos, "%s %q: %s", c.lang, c.text, explain(sv, c.text))
		}
	}
}

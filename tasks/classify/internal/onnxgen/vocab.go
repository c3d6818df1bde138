package onnxgen

import (
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// Special tokens, in id order: [PAD]=0, [UNK]=1, [CLS]=2, [SEP]=3, [MASK]=4.
var specialTokens = []string{"[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"}

// Sentiment words (positive, then negative) of the test models' shared
// vocabulary (BuildVocab; the demo model has its own, see
// BuildSentimentVocab) in English, German, French, Polish, Spanish, Russian
// and Japanese, written as people write them; the vocabulary holds their
// normalised forms (see Normalize). Japanese kanji are single tokens because
// the BERT normaliser splits CJK ideographs.
var positiveWords = []string{
	"good", "great", "excellent", "wonderful", "love", "loved", "happy", "best", "amazing", "fantastic",
	"perfect", "quickly", "easily", "nice", "beautiful", "recommend", "pleased", "brilliant",
	"gut", "toll", "hervorragend", "ausgezeichnet", "wunderbar", "liebe", "glücklich", "zufrieden", "empfehlen", "super",
	"bon", "bonne", "magnifique", "merveilleux", "heureux", "parfait", "génial", "adore", "ravi", "bien",
	"dobry", "dobra", "dobre", "świetny", "doskonały", "wspaniały", "polecam", "zadowolony", "szczęśliwy",
	"bueno", "buena", "excelente", "maravilloso", "feliz", "perfecto", "encanta", "fantástico", "recomiendo",
	"хороший", "хорошо", "отлично", "отличный", "прекрасный", "замечательный", "люблю", "рад", "доволен", "счастлив",
	"良", "晴", "好", "幸", "嬉", "楽", "すごい",
}

var negativeWords = []string{
	"bad", "terrible", "awful", "hate", "worst", "poor", "broken", "slow", "disappointed", "horrible",
	"sad", "angry", "useless", "late", "problem", "failed",
	"schlecht", "schrecklich", "furchtbar", "hasse", "enttäuscht", "kaputt", "langsam", "traurig", "ärgerlich", "mangelhaft",
	"mauvais", "mauvaise", "déçu", "nul", "lent", "triste", "déteste", "cassé", "pire",
	"zły", "zła", "złe", "okropny", "fatalny", "słaby", "rozczarowany", "smutny", "beznadziejny",
	"malo", "mala", "pésimo", "lento", "roto", "decepcionado", "odio", "peor",
	"плохой", "плохо", "ужасный", "ужасно", "отвратительный", "ненавижу", "медленно", "разочарован", "грустно",
	"悪", "嫌", "酷", "残", "遅", "ひどい",
}

// Topics, in label order, with words that signal them in several languages.
var topicNames = []string{"politics", "sport", "economy", "technology"}

var topicWords = [][]string{
	{"politics", "political", "government", "election", "parliament", "minister", "vote", "president",
		"politik", "regierung", "wahl", "politique", "gouvernement", "élection", "polityka", "rząd", "wybory",
		"política", "gobierno", "elecciones", "политика", "правительство", "выборы", "政", "治"},
	{"sport", "sports", "football", "match", "team", "goal", "player", "game",
		"fußball", "spiel", "mannschaft", "tor", "équipe", "joueur", "mecz", "drużyna", "piłka",
		"deporte", "fútbol", "equipo", "спорт", "футбол", "матч", "команда", "球", "サッカー"},
	{"economy", "economic", "market", "bank", "inflation", "price", "prices", "trade", "business",
		"wirtschaft", "markt", "preise", "économie", "marché", "banque", "gospodarka", "rynek",
		"economía", "mercado", "precios", "экономика", "рынок", "банк", "経", "済"},
	{"technology", "software", "computer", "internet", "digital", "data", "app",
		"technologie", "logiciel", "ordinateur", "technologia", "komputer", "oprogramowanie",
		"tecnología", "ordenador", "программа", "компьютер", "технологии", "技", "術"},
}

// Neutral words and subword pieces, so ordinary text is not all [UNK] and
// the tokenizer tests see WordPiece continuation pieces.
var neutralWords = []string{
	"the", "a", "is", "was", "and", "this", "that", "it", "very", "not", "example", "about", "of", "to",
	"der", "die", "das", "ist", "sehr", "le", "la", "est", "tres", "jest", "bardzo", "el", "es", "muy",
	"это", "очень", "とても", "です",
	".", ",", "!", "?", ":", ";", "'", "-", "。", "、", "！",
	"##s", "##ly", "##ing", "##ed", "##er", "##e",
}

// Normalize is what the generated tokenizer's normaliser does to a word:
// NFD, drop combining marks (accents), lowercase. HF's BertNormalizer with
// lowercase and strip_accents does the same.
func Normalize(s string) string {
	var b strings.Builder
	for _, r := range norm.NFD.String(s) {
		if unicode.Is(unicode.Mn, r) {
			continue
		}
		b.WriteRune(unicode.ToLower(r))
	}
	return b.String()
}

// Vocab is a WordPiece vocabulary: tokens in id order.
type Vocab struct {
	Tokens []string
	ids    map[string]int
}

// ID returns the id of token, or the [UNK] id.
func (v *Vocab) ID(token string) int {
	if id, ok := v.ids[token]; ok {
		return id
	}
	return 1
}

func (v *Vocab) add(tok string) int {
	if id, ok := v.ids[tok]; ok {
		return id
	}
	v.ids[tok] = len(v.Tokens)
	v.Tokens = append(v.Tokens, tok)
	return v.ids[tok]
}

// BuildVocab returns the test models' shared vocabulary: special tokens,
// then every normalised sentiment, topic and neutral word.
func BuildVocab() *Vocab {
	v := &Vocab{ids: map[string]int{}}
	for _, t := range specialTokens {
		v.add(t)
	}
	for _, list := range [][]string{positiveWords, negativeWords, neutralWords} {
		for _, w := range list {
			v.add(Normalize(w))
		}
	}
	for _, words := range topicWords {
		for _, w := range words {
			v.add(Normalize(w))
		}
	}
	return v
}

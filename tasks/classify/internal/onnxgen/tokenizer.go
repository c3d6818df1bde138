package onnxgen

import (
	"bytes"
	"encoding/json"
	"fmt"
)

// TokenizerJSON returns a Hugging Face tokenizer.json for v: a WordPiece
// model with the BERT pre-tokenizer and [CLS] … [SEP] template, and the
// normaliser Sequence[BertNormalizer(lowercase), NFD, StripAccents], which
// the Rust tokenizers library and hugot's Go tokenizer both implement.
func TokenizerJSON(v *Vocab) []byte {
	var b bytes.Buffer
	b.WriteString("{\n  \"version\": \"1.0\",\n  \"truncation\": null,\n  \"padding\": null,\n  \"added_tokens\": [\n")
	for i, t := range specialTokens {
		sep := ","
		if i == len(specialTokens)-1 {
			sep = ""
		}
		fmt.Fprintf(&b, "    {\"id\": %d, \"content\": %s, \"single_word\": false, \"lstrip\": false, \"rstrip\": false, \"normalized\": false, \"special\": true}%s\n", v.ID(t), quote(t), sep)
	}
	b.WriteString("  ],\n")
	b.WriteString(`  "normalizer": {"type": "Sequence", "normalizers": [` +
		`{"type": "BertNormalizer", "clean_text": true, "handle_chinese_chars": true, "strip_accents": false, "lowercase": true}, ` +
		`{"type": "NFD"}, {"type": "StripAccents"}]},` + "\n")
	b.WriteString(`  "pre_tokenizer": {"type": "BertPreTokenizer"},` + "\n")
	cls, sep := v.ID("[CLS]"), v.ID("[SEP]")
	fmt.Fprintf(&b, `  "post_processor": {"type": "TemplateProcessing", `+
		`"single": [{"SpecialToken": {"id": "[CLS]", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}}, {"SpecialToken": {"id": "[SEP]", "type_id": 0}}], `+
		`"pair": [{"SpecialToken": {"id": "[CLS]", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}}, {"SpecialToken": {"id": "[SEP]", "type_id": 0}}, {"Sequence": {"id": "B", "type_id": 1}}, {"SpecialToken": {"id": "[SEP]", "type_id": 1}}], `+
		`"special_tokens": {"[CLS]": {"id": "[CLS]", "ids": [%d], "tokens": ["[CLS]"]}, "[SEP]": {"id": "[SEP]", "ids": [%d], "tokens": ["[SEP]"]}}},`+"\n", cls, sep)
	b.WriteString(`  "decoder": {"type": "WordPiece", "prefix": "##", "cleanup": true},` + "\n")
	b.WriteString(`  "model": {"type": "WordPiece", "unk_token": "[UNK]", "continuing_subword_prefix": "##", "max_input_chars_per_word": 100, "vocab": {` + "\n")
	for i, t := range v.Tokens {
		sep := ","
		if i == len(v.Tokens)-1 {
			sep = ""
		}
		fmt.Fprintf(&b, "    %s: %d%s\n", quote(t), i, sep)
	}
	b.WriteString("  }}\n}\n")
	return b.Bytes()
}

func quote(s string) string {
	q, _ := json.Marshal(s) // a string always marshals
	return string(q)
}

// specialTokensMap is special_tokens_map.json (hugot reads sep_token from it
// for the zero-shot pipeline).
func specialTokensMap() []byte {
	return []byte(`{"cls_token": "[CLS]", "mask_token": "[MASK]", "pad_token": "[PAD]", "sep_token": "[SEP]", "unk_token": "[UNK]"}` + "\n")
}

// configJSON is a BERT-style config.json with id2label.
func configJSON(kind, arch string, labels []string, hidden, vocabSize, maxPos int) []byte {
	id2label := map[string]string{}
	label2id := map[string]int{}
	for i, l := range labels {
		id2label[fmt.Sprint(i)] = l
		label2id[l] = i
	}
	cfg := map[string]any{
		"_generated_by":           "dagworker onnxgen, kind=" + kind,
		"architectures":           []string{arch},
		"model_type":              "bert",
		"hidden_size":             hidden,
		"max_position_embeddings": maxPos,
		"pad_token_id":            0,
		"vocab_size":              vocabSize,
	}
	if len(labels) > 0 {
		cfg["id2label"] = id2label
		cfg["label2id"] = label2id
	}
	out, _ := json.MarshalIndent(cfg, "", "  ") // plain values always marshal; map keys come out sorted
	return append(out, '\n')
}

// Package classify is the "classify" task type: it labels the pages an
// upstream task wrote to the data lake with a Hugging Face model run by
// hugot's pure-Go backend, and writes classified.jsonl.
//
// Three pipelines are offered: text_classification (single-label softmax),
// zero_shot (an NLI model scores "premise [SEP] hypothesis" for each
// candidate label) and embedding (feature extraction, with an optional
// nearest label by cosine similarity to label descriptions).
//
// Models are resolved by name from a registry folder (Config.ModelsDir, the
// DAGWORKER_MODELS setting), from a local directory, or from a blob URL
// (copied once into Config.CacheDir). The embedded demo model
// "demo-sentiment" (NEGATIVE/POSITIVE, a small multilingual lexicon model)
// is always available. A model is loaded once per process and shared by
// concurrent tasks; runs on one loaded model are serialised because the
// tokenizer's truncation and the zero-shot labels are per-call state.
//
// hugot's Go tokenizer does not strip accents the way Hugging Face's Rust
// tokenizer does for uncased BERT vocabularies ("déjà" became [UNK]); the
// package replaces such a normaliser at load time with
// Sequence[BertNormalizer, NFD, StripAccents], which tokenizes like the
// Rust library.
package classify

// Package classify is the "classify" task type: it labels the pages an
// upstream task wrote to the data lake with a Hugging Face model and writes
// classified.jsonl.
//
// Three pipelines are offered: text_classification (softmax over
// id2label, or independent sigmoids for a multi_label_classification
// model), zero_shot (an NLI model scores "premise [SEP] hypothesis" for
// each candidate label, as transformers' pipeline does; on an embedding
// model, the cosine similarity of the text to each filled hypothesis) and
// embedding (sentence-transformers pooling and normalisation as the
// model's modules.json says, mean + L2 without one, and an optional nearest
// label by cosine similarity to label descriptions).
//
// Models run on one of two backends (Config.Backend): hugot's pure-Go
// GoMLX backend with the package's own Hugging Face tokenizer
// (internal/hftok, exact for the WordPiece, BPE and Unigram families it
// accepts and refusing at load what it cannot reproduce), or ONNX Runtime
// with Hugging Face's Rust tokenizer when the binary is built with the ORT
// tag. Both apply the same truncation and special tokens (hftok's
// Processor), so both give Python's token ids.
//
// Records are read ahead a few batches at a time and batched by token
// length, so texts of similar length share a padded batch. A record the
// tokenizer or the model fails on is written with an "error" field and the
// task goes on; it fails when every record with text failed or more than
// max_failed_fraction of them did. A record whose two best labels tie is
// written with "low_confidence": true and no label.
//
// Models are resolved by name from a registry folder (Config.ModelsDir, the
// DAGWORKER_MODELS setting), from a local directory, or from a blob URL
// (copied once into Config.CacheDir). The embedded demo model
// "demo-sentiment" (NEGATIVE/POSITIVE, a small multilingual lexicon model)
// is always available. A model is loaded once per Handler and shared by
// concurrent tasks and pipelines.
package classify

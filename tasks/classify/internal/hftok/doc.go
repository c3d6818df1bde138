// Package hftok is a pure-Go reader of Hugging Face tokenizer.json files that
// produces exactly the ids of the Python/Rust `tokenizers` library (the
// reference is tokenizers 0.23.3; see scripts/pyref).
//
// A Tokenizer runs the same pipeline as Hugging Face: added tokens are split
// out first (the normalized=false ones on the raw text, the normalized=true
// ones after normalisation), each remaining piece is normalised,
// pre-tokenised and handed to the model (WordPiece, BPE, Unigram or
// WordLevel). A Processor applies truncation (longest_first, right, stride
// 0) and the post-processor template; it can be used on its own on ids
// produced by another tokenizer.
//
// Load refuses, with an error wrapping ErrUnsupported, any component it
// cannot reproduce exactly (UnicodeScripts, BPE dropout, regexes Go cannot
// compile or translate, ...), rather than giving different ids.
//
// The Rust library classifies characters with tables of several Unicode
// versions (unicode_categories: 8.0; unicode-normalization-alignments: 9.0;
// the Rust standard library and regex crate: 16/17; Oniguruma), Go with
// 15.0. unicode8.go, unicode9.go and unicode_ref.go hold the differences,
// so that every normalizer and pre-tokenizer gives the reference's answer
// for every single code point (TestCharsExhaustive checks 4.3 million
// cases against the live reference). x/text's stream-safe U+034F insertion
// after 30 combining marks is undone too. Known remaining gaps: character
// classes inside user regexes of Split/Replace (\p{L}, \w, ...) and
// grapheme clusters for the Precompiled normaliser use Go's/uniseg's
// Unicode 15 data, so characters assigned in Unicode 16 or later may be
// treated differently there.
//
// Everything here is immutable after Load, so a Tokenizer is safe for
// concurrent use; memory is bounded by a small multiple of the input size.
package hftok

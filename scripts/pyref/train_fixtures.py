#!/usr/bin/env python3
"""Train the small tokenizer.json fixtures of tasks/classify/internal/hftok/testdata/tokenizers.

Reproducible: run from the repository root after make_corpus.py, with the
versions of requirements.txt installed:
  python3 scripts/pyref/make_corpus.py
  python3 scripts/pyref/train_fixtures.py [FIXTURE ...]
  python3 scripts/pyref/tokenize_ref.py
The Rust trainers iterate hash maps, so a retrained file may differ in the order of
tied tokens: retrain only the fixtures you change, then always rerun tokenize_ref.py.
"""
import json
import os
import sys
import tempfile

from tokenizers import (
    AddedToken,
    Regex,
    Tokenizer,
    decoders,
    models,
    normalizers,
    pre_tokenizers,
    processors,
    trainers,
)
from tokenizers.implementations import (
    BertWordPieceTokenizer,
    ByteLevelBPETokenizer,
    SentencePieceUnigramTokenizer,
)

TESTDATA = os.path.join("tasks", "classify", "internal", "hftok", "testdata")
OUT = os.path.join(TESTDATA, "tokenizers")


def corpus_texts():
    texts = []
    with open(os.path.join(TESTDATA, "corpus.jsonl"), encoding="utf-8") as f:
        for line in f:
            row = json.loads(line)
            texts.append(row["text"])
            if "pair" in row:
                texts.append(row["pair"])
    return [t for t in texts if t]


def save(tok, name):
    tok.no_truncation()
    tok.no_padding()
    path = os.path.join(OUT, name + ".json")
    tok.save(path, pretty=True)
    print("wrote", path, os.path.getsize(path), "bytes")


def wordpiece(texts, lowercase, name):
    t = BertWordPieceTokenizer(lowercase=lowercase, strip_accents=None if lowercase else False)
    t.train_from_iterator(texts, vocab_size=900, min_frequency=1, limit_alphabet=600)
    tok = t._tokenizer
    if lowercase:
        # Non-special added tokens exercise single_word, lstrip/rstrip and normalized.
        tok.add_tokens([
            AddedToken("harbour", single_word=True, normalized=True),
            AddedToken("Jürgen", normalized=False, lstrip=True, rstrip=True),
            AddedToken("ışık", normalized=False),
        ])
    bert = processors.BertProcessing(("[SEP]", tok.token_to_id("[SEP]")), ("[CLS]", tok.token_to_id("[CLS]")))
    if lowercase:
        tok.post_processor = bert
    else:
        # A Sequence as Llama-3-style files have (ByteLevel is a no-op on ids).
        tok.post_processor = processors.Sequence([processors.ByteLevel(trim_offsets=False), bert])
    save(tok, name)


def bytelevel_bpe(texts):
    t = ByteLevelBPETokenizer(add_prefix_space=False)
    specials = ["<s>", "<pad>", "</s>", "<unk>", "<mask>"]
    t.train_from_iterator(texts, vocab_size=1200, min_frequency=1, special_tokens=specials)
    tok = t._tokenizer
    tok.add_special_tokens([AddedToken("<mask>", lstrip=True, normalized=False)])
    tok.post_processor = processors.RobertaProcessing(
        ("</s>", tok.token_to_id("</s>")), ("<s>", tok.token_to_id("<s>")),
        trim_offsets=True, add_prefix_space=False,
    )
    save(tok, "bpe_bytelevel_roberta")


def gpt2_bpe(texts):
    # GPT-2 layout: ByteLevel(add_prefix_space) pre-tokenizer, ByteLevel post-processor, merges.
    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=True)
    tok.decoder = decoders.ByteLevel()
    tok.post_processor = processors.ByteLevel(trim_offsets=True)
    trainer = trainers.BpeTrainer(
        vocab_size=900, min_frequency=1, special_tokens=["<|endoftext|>"],
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
    )
    tok.train_from_iterator(texts, trainer)
    save(tok, "bpe_gpt2")


def llama_bpe(texts):
    # Llama-2 layout: Prepend+Replace normalizer, no pre-tokenizer, byte_fallback, fuse_unk.
    tok = Tokenizer(models.BPE(unk_token="<unk>", byte_fallback=True, fuse_unk=True))
    tok.normalizer = normalizers.Sequence([normalizers.Prepend("▁"), normalizers.Replace(" ", "▁")])
    byte_tokens = ["<0x%02X>" % b for b in range(256)]
    trainer = trainers.BpeTrainer(
        vocab_size=1100, min_frequency=1, special_tokens=["<unk>", "<s>", "</s>"] + byte_tokens,
        limit_alphabet=300,
    )
    tok.train_from_iterator(texts, trainer)
    tok.post_processor = processors.TemplateProcessing(
        single="<s> $A", pair="<s> $A <s>:1 $B:1",
        special_tokens=[("<s>", tok.token_to_id("<s>"))],
    )
    save(tok, "bpe_llama_bytefallback")


def misc_wordpiece(texts):
    # Exercises NFKD, StripAccents, Lowercase, Strip, Replace, Split, Punctuation, Digits.
    tok = Tokenizer(models.WordPiece(unk_token="[UNK]", max_input_chars_per_word=30))
    tok.normalizer = normalizers.Sequence([
        normalizers.NFKD(), normalizers.StripAccents(), normalizers.Lowercase(),
        normalizers.Strip(), normalizers.Replace(Regex(r"\d{4,}"), "#"), normalizers.Replace("œ", "oe"),
    ])
    tok.pre_tokenizer = pre_tokenizers.Sequence([
        pre_tokenizers.WhitespaceSplit(), pre_tokenizers.Punctuation("isolated"),
        pre_tokenizers.Digits(individual_digits=True),
        pre_tokenizers.Split(Regex(r"[-_]"), "merged_with_next"),
    ])
    trainer = trainers.WordPieceTrainer(vocab_size=700, special_tokens=["[UNK]", "[CLS]", "[SEP]"],
                                        limit_alphabet=400)
    tok.train_from_iterator(texts, trainer)
    tok.post_processor = processors.TemplateProcessing(
        single="[CLS] $A [SEP]", pair="[CLS] $A [SEP] $B:1 [SEP]:1",
        special_tokens=[("[CLS]", tok.token_to_id("[CLS]")), ("[SEP]", tok.token_to_id("[SEP]"))],
    )
    save(tok, "wordpiece_misc")


def whitespace_bpe(texts):
    # Whitespace pre-tokenizer, NFC, BPE with a continuing-subword prefix and end-of-word suffix.
    tok = Tokenizer(models.BPE(unk_token="[UNK]", continuing_subword_prefix="##", end_of_word_suffix="</w>"))
    tok.normalizer = normalizers.Sequence([normalizers.NFC(), normalizers.Lowercase()])
    tok.pre_tokenizer = pre_tokenizers.Sequence([
        pre_tokenizers.Whitespace(), pre_tokenizers.Split("'", "isolated"),
    ])
    trainer = trainers.BpeTrainer(vocab_size=900, special_tokens=["[UNK]", "[CLS]", "[SEP]"],
                                  continuing_subword_prefix="##", end_of_word_suffix="</w>",
                                  limit_alphabet=300)
    tok.train_from_iterator(texts, trainer)
    tok.post_processor = processors.BertProcessing(("[SEP]", tok.token_to_id("[SEP]")),
                                                   ("[CLS]", tok.token_to_id("[CLS]")))
    save(tok, "bpe_whitespace_suffix")


def sp_unigram(texts):
    t = SentencePieceUnigramTokenizer()
    t.train_from_iterator(texts, vocab_size=700, special_tokens=["<pad>", "</s>", "<unk>", "<s>"],
                          unk_token="<unk>")
    tok = t._tokenizer
    tok.post_processor = processors.TemplateProcessing(
        single="$A </s>", pair="$A </s> $B:1 </s>:1",
        special_tokens=[("</s>", tok.token_to_id("</s>"))],
    )
    save(tok, "unigram_sentencepiece")


def xlmr_unigram(texts):
    """Train a real SentencePiece model (nmt_nfkc rule, so a real precompiled_charsmap) and lay
    it out like transformers' XLM-RoBERTa converter: Precompiled + Replace, Metaspace, Unigram,
    <s> $A </s> template."""
    import sentencepiece as spm
    from sentencepiece import sentencepiece_model_pb2 as pb

    with tempfile.TemporaryDirectory() as d:
        txt = os.path.join(d, "corpus.txt")
        with open(txt, "w", encoding="utf-8") as f:
            for t in texts:
                f.write(t.replace("\n", " ") + "\n")
        prefix = os.path.join(d, "sp")
        spm.SentencePieceTrainer.train(
            input=txt, model_prefix=prefix, model_type="unigram", vocab_size=800,
            hard_vocab_limit=False, character_coverage=1.0, normalization_rule_name="nmt_nfkc",
            num_threads=1, seed_sentencepiece_size=100000, shuffle_input_sentence=False,
            byte_fallback=False, minloglevel=2,
        )
        proto = pb.ModelProto()
        with open(prefix + ".model", "rb") as f:
            proto.ParseFromString(f.read())
    pieces = [(p.piece, p.score) for p in proto.pieces]
    # XLM-R layout: <s>, <pad>, </s>, <unk> first, then the pieces after the sentencepiece specials.
    vocab = [("<s>", 0.0), ("<pad>", 0.0), ("</s>", 0.0), ("<unk>", 0.0)]
    vocab += [(p, s) for p, s in pieces[3:]]
    vocab.append(("<mask>", 0.0))
    tok = Tokenizer(models.Unigram(vocab, unk_id=3, byte_fallback=False))
    charsmap = proto.normalizer_spec.precompiled_charsmap
    tok.normalizer = normalizers.Sequence([
        normalizers.Precompiled(charsmap), normalizers.Replace(Regex(" {2,}"), " "),
    ])
    tok.pre_tokenizer = pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="always")
    tok.decoder = decoders.Metaspace(replacement="▁", prepend_scheme="always")
    tok.add_special_tokens(["<s>", "<pad>", "</s>", "<unk>"])
    tok.add_special_tokens([AddedToken("<mask>", lstrip=True, normalized=False)])
    tok.post_processor = processors.TemplateProcessing(
        single="<s> $A </s>", pair="<s> $A </s> </s> $B </s>",
        special_tokens=[("<s>", 0), ("</s>", 2)],
    )
    save(tok, "unigram_xlmr_precompiled")


def unigram_bytefallback(texts):
    # Unigram with byte_fallback, Metaspace "first" without split, Split with Unicode \w and \d,
    # a \s+ Replace, normalized added tokens and no post-processor.
    tok = Tokenizer(models.Unigram())
    trainer = trainers.UnigramTrainer(vocab_size=1300, special_tokens=["<unk>"], unk_token="<unk>")
    tok.train_from_iterator(texts, trainer)
    vocab = json.loads(tok.to_str())["model"]["vocab"]
    vocab += [["<0x%02X>" % b, -30.0] for b in range(256)]
    tok = Tokenizer(models.Unigram([tuple(v) for v in vocab], unk_id=0, byte_fallback=True))
    tok.normalizer = normalizers.Sequence([normalizers.NFKC(), normalizers.Replace(Regex(r"\s+"), " ")])
    tok.pre_tokenizer = pre_tokenizers.Sequence([
        pre_tokenizers.Split(Regex(r"\d+|\w+"), "isolated"),
        pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="first", split=False),
    ])
    tok.add_tokens([
        AddedToken("Straße", normalized=True),
        AddedToken("ıı", normalized=True, single_word=True),
        AddedToken("☕", normalized=False, rstrip=True),
    ])
    save(tok, "unigram_bytefallback_first")


def wordlevel(texts):
    tok = Tokenizer(models.WordLevel(unk_token="[UNK]"))
    tok.normalizer = normalizers.Sequence([normalizers.NFD(), normalizers.StripAccents(), normalizers.Lowercase()])
    tok.pre_tokenizer = pre_tokenizers.Sequence([pre_tokenizers.Whitespace(), pre_tokenizers.Digits(False)])
    trainer = trainers.WordLevelTrainer(vocab_size=600, special_tokens=["[UNK]"])
    tok.train_from_iterator(texts, trainer)
    save(tok, "wordlevel_plain")


def main() -> int:
    """Train every fixture, or only those named on the command line."""
    os.makedirs(OUT, exist_ok=True)
    texts = corpus_texts()
    fixtures = {
        "wordpiece_uncased": lambda: wordpiece(texts, True, "wordpiece_uncased"),
        "wordpiece_cased": lambda: wordpiece(texts, False, "wordpiece_cased"),
        "bpe_bytelevel_roberta": lambda: bytelevel_bpe(texts),
        "bpe_gpt2": lambda: gpt2_bpe(texts),
        "bpe_llama_bytefallback": lambda: llama_bpe(texts),
        "wordpiece_misc": lambda: misc_wordpiece(texts),
        "bpe_whitespace_suffix": lambda: whitespace_bpe(texts),
        "unigram_sentencepiece": lambda: sp_unigram(texts),
        "unigram_xlmr_precompiled": lambda: xlmr_unigram(texts),
        "unigram_bytefallback_first": lambda: unigram_bytefallback(texts),
        "wordlevel_plain": lambda: wordlevel(texts),
    }
    for name in sys.argv[1:] or list(fixtures):
        fixtures[name]()
    return 0


if __name__ == "__main__":
    sys.exit(main())

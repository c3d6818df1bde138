#!/usr/bin/env python3
"""Per-code-point reference for hftok's exhaustive character test.

For every code point of the planes in use (0-3, 14 and samples of the
private-use planes) and every check below, writes "check hex-cp hex-result"
when the result differs from the input itself. Pre-tokenizer results are the
pieces joined by U+0001. Used by TestCharsExhaustive when
DAGWORKER_PYREF_PYTHON is set:

  python3 scripts/pyref/char_ref.py --precompiled TOKENIZER.json --out FILE
"""
import argparse
import sys

from tokenizers import Tokenizer, normalizers as N, pre_tokenizers as P

SEP = "\x01"


def code_points():
    ranges = [(0, 0x33FFF), (0xE0000, 0xE0FFF), (0xF0000, 0xF00FF), (0x10FF00, 0x10FFFF)]
    for lo, hi in ranges:
        for cp in range(lo, hi + 1):
            if 0xD800 <= cp <= 0xDFFF:
                continue
            yield cp


def pre(p):
    return lambda s: SEP.join(piece for piece, _ in p.pre_tokenize_str(s))


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--precompiled", required=True, help="a tokenizer.json with a Precompiled normalizer")
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    xlmr = Tokenizer.from_file(args.precompiled).normalizer
    norms = {
        "bert_lower": N.BertNormalizer(),
        "bert_cased": N.BertNormalizer(lowercase=False, strip_accents=False),
        "nfc": N.NFC(), "nfd": N.NFD(), "nfkc": N.NFKC(), "nfkd": N.NFKD(),
        "lowercase": N.Lowercase(), "strip_accents": N.StripAccents(), "nmt": N.Nmt(),
        "precompiled": xlmr,
    }
    pres = {
        "pre_bert": pre(P.BertPreTokenizer()),
        "pre_whitespace": pre(P.Whitespace()),
        "pre_bytelevel": pre(P.ByteLevel(add_prefix_space=False, use_regex=True)),
        "pre_digits": pre(P.Digits(individual_digits=True)),
        "pre_punct": pre(P.Punctuation()),
    }
    with open(args.out, "w", encoding="ascii") as f:
        for cp in code_points():
            c = chr(cp)
            for name, n in norms.items():
                r = n.normalize_str(c)
                if r != c:
                    f.write("%s %X %s\n" % (name, cp, r.encode("utf-8").hex()))
            for name, p in pres.items():
                s = "x" + c + "x"
                r = p(s)
                if r != s:
                    f.write("%s %X %s\n" % (name, cp, r.encode("utf-8").hex()))
                s = " " + c + "1"
                r = p(s)
                if r != s:
                    f.write("%s+ %X %s\n" % (name, cp, r.encode("utf-8").hex()))
    return 0


if __name__ == "__main__":
    sys.exit(main())

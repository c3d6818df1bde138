#!/usr/bin/env python3
"""Write the reference ids of Python `tokenizers` for the hftok differential test.

Default (run from the repository root): for every fixture in
testdata/tokenizers/*.json and every corpus entry, write testdata/golden/<fixture>.json.

  python3 scripts/pyref/tokenize_ref.py [--testdata DIR] [--out DIR] [--tokenizer FILE ...]

--tokenizer names other tokenizer.json files (e.g. a real model's); their goldens are
written to --out as <basename-of-parent>_<basename>.json. Each golden holds, per corpus
entry: "raw" = encode(text, add_special_tokens=False).ids and for each max length
(0 = no truncation) the ids, type ids and attention mask of encode(text[, pair]) with
add_special_tokens=True and truncation longest_first/right/stride 0.
"""
import argparse
import glob
import json
import os
import sys

import tokenizers
from tokenizers import Tokenizer

WANT_VERSION = "0.23.3"
MAX_LENS = [0, 16, 128, 512]


def load_corpus(path):
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def golden_for(tok_path, corpus):
    with open(tok_path, encoding="utf-8") as f:
        tok = Tokenizer.from_str(f.read())
    tok.no_truncation()
    tok.no_padding()
    cases = []
    for row in corpus:
        text, pair = row["text"], row.get("pair")
        case = {"id": row["id"], "raw": tok.encode(text, add_special_tokens=False).ids}
        if pair is not None:
            case["raw_pair"] = tok.encode(pair, add_special_tokens=False).ids
        encs = []
        for max_len in MAX_LENS:
            if max_len:
                tok.enable_truncation(max_len, stride=0, strategy="longest_first", direction="right")
            else:
                tok.no_truncation()
            enc = tok.encode(text, pair, add_special_tokens=True)
            if any(m != 1 for m in enc.attention_mask):
                raise SystemExit(f"{tok_path}: attention mask not all ones for {row['id']}")
            encs.append({"max_len": max_len, "ids": enc.ids, "type_ids": enc.type_ids})
        tok.no_truncation()
        case["encodings"] = encs
        cases.append(case)
    return {"tokenizers_version": tokenizers.__version__, "cases": cases}


def write(path, golden):
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        f.write('{"tokenizers_version": %s, "cases": [\n' % json.dumps(golden["tokenizers_version"]))
        lines = [json.dumps(c, ensure_ascii=False, separators=(",", ":")) for c in golden["cases"]]
        f.write(",\n".join(lines))
        f.write("\n]}\n")


def main() -> int:
    here = os.path.join("tasks", "classify", "internal", "hftok", "testdata")
    ap = argparse.ArgumentParser()
    ap.add_argument("--testdata", default=here)
    ap.add_argument("--out", default=None, help="default: <testdata>/golden")
    ap.add_argument("--tokenizer", action="append", default=[])
    args = ap.parse_args()
    if tokenizers.__version__ != WANT_VERSION:
        print(f"need tokenizers=={WANT_VERSION}, have {tokenizers.__version__}", file=sys.stderr)
        return 2
    out = args.out or os.path.join(args.testdata, "golden")
    os.makedirs(out, exist_ok=True)
    corpus = load_corpus(os.path.join(args.testdata, "corpus.jsonl"))
    if args.tokenizer:
        for p in args.tokenizer:
            name = os.path.basename(os.path.dirname(os.path.abspath(p))) + "_" + os.path.basename(p)
            write(os.path.join(out, name), golden_for(p, corpus))
        return 0
    for p in sorted(glob.glob(os.path.join(args.testdata, "tokenizers", "*.json"))):
        write(os.path.join(out, os.path.basename(p)), golden_for(p, corpus))
    return 0


if __name__ == "__main__":
    sys.exit(main())

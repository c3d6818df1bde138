#!/usr/bin/env python3
"""Reference outputs of a Hugging Face ONNX model folder, for dagworker's real-model tests.

Tokenizes with the Python `tokenizers` package, runs the graph with onnxruntime and pools the way
sentence-transformers does, so the Go backends can be compared against it:

    embed_ref.py --model DIR --input texts.jsonl --output out.jsonl [--max-length N] [--batch-size B]

Input: one JSON object per line with "text" and an optional "id" (default: the 0-based line number among
the non-blank lines). Output, one line per input, in order:
  - a model whose graph has a "logits" output: {"id", "logits": [...], "probs": [...]}, probs by softmax,
    or by sigmoid when config.json says problem_type "multi_label_classification";
  - otherwise an embedding model: {"id", "embedding": [...]}, pooled as modules.json and
    <pooling>/config.json say (cls / mean / max / mean_sqrt_len over the attention mask, then L2 when a
    Normalize module is listed); with no modules.json, mean pooling and L2.

Truncation: to --max-length, else sentence_bert_config.json max_seq_length, else the tokenizer.json
truncation max_length, else config.json max_position_embeddings; the tokenizer's own truncation strategy,
direction and stride are kept. Padding: to the longest sequence of each batch, whatever tokenizer.json says.
Pooling runs in float64 on the float32 graph outputs.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from dataclasses import dataclass, field

import numpy as np
import onnxruntime as ort
from tokenizers import Tokenizer

GRAPH_INPUTS = ("input_ids", "attention_mask", "token_type_ids")
EMBEDDING_OUTPUTS = ("last_hidden_state", "token_embeddings", "sentence_embedding")
POOLING_MODES = ("cls_token", "max_tokens", "mean_tokens", "mean_sqrt_len_tokens")  # sentence-transformers order
UNSUPPORTED_MODES = ("weightedmean_tokens", "lasttoken")


class RefError(Exception):
    """A model folder or an input file that this script cannot use."""


def _read_json(path: str, default=None):
    if not os.path.exists(path):
        return default
    with open(path, encoding="utf-8") as f:
        return json.load(f)


@dataclass
class Pooling:
    """How token embeddings become one sentence embedding."""

    modes: list[str] = field(default_factory=lambda: ["mean_tokens"])
    normalize: bool = True

    @classmethod
    def from_folder(cls, model_dir: str) -> "Pooling":
        modules = _read_json(os.path.join(model_dir, "modules.json"))
        if modules is None:
            return cls()
        modes: list[str] = []
        normalize = False
        for module in modules:
            kind = str(module.get("type", "")).rsplit(".", 1)[-1]
            if kind == "Normalize":
                normalize = True
            elif kind == "Pooling":
                conf_path = os.path.join(model_dir, module.get("path", ""), "config.json")
                conf = _read_json(conf_path)
                if conf is None:
                    raise RefError(f"modules.json lists a Pooling module but {conf_path} is missing")
                for mode in UNSUPPORTED_MODES:
                    if conf.get(f"pooling_mode_{mode}"):
                        raise RefError(f"{conf_path}: pooling mode {mode} is not supported")
                modes = [m for m in POOLING_MODES if conf.get(f"pooling_mode_{m}")]
                if not modes:
                    raise RefError(f"{conf_path} enables no pooling mode")
        return cls(modes=modes, normalize=normalize)

    def apply(self, hidden: np.ndarray, mask: np.ndarray) -> np.ndarray:
        """Pools hidden [batch, seq, dim] (or an already pooled [batch, dim]) over mask [batch, seq]."""
        h = hidden.astype(np.float64)
        if h.ndim == 3:
            m = mask.astype(np.float64)[:, :, None]
            parts = []
            for mode in self.modes:
                if mode == "cls_token":
                    parts.append(h[:, 0, :])
                elif mode == "max_tokens":
                    parts.append(np.where(m > 0, h, -1e9).max(axis=1))
                else:
                    summed = (h * m).sum(axis=1)
                    count = np.clip(m.sum(axis=1), 1e-9, None)
                    parts.append(summed / (count if mode == "mean_tokens" else np.sqrt(count)))
            h = np.concatenate(parts, axis=1)
        elif h.ndim != 2:
            raise RefError(f"embedding output has rank {h.ndim}, want 2 or 3")
        if self.normalize:
            h = h / np.clip(np.linalg.norm(h, axis=1, keepdims=True), 1e-12, None)
        return h


class Reference:
    """A loaded model folder: tokenizer, onnxruntime session and post-processing."""

    def __init__(self, model_dir: str, max_length: int | None = None, threads: int = 1,
                 spinning: bool = True):
        self.model_dir = model_dir
        config = _read_json(os.path.join(model_dir, "config.json"), {})
        tok_path = os.path.join(model_dir, "tokenizer.json")
        onnx_path = os.path.join(model_dir, "model.onnx")
        for path in (tok_path, onnx_path):
            if not os.path.isfile(path):
                raise RefError(f"missing {path}")
        self.tokenizer = Tokenizer.from_file(tok_path)
        self.max_length = self._setup_tokenizer(model_dir, config, max_length)

        opts = ort.SessionOptions()
        opts.intra_op_num_threads = threads
        opts.inter_op_num_threads = 1
        if not spinning:
            opts.add_session_config_entry("session.intra_op.allow_spinning", "0")
        self.session = ort.InferenceSession(onnx_path, sess_options=opts, providers=["CPUExecutionProvider"])
        names = [i.name for i in self.session.get_inputs()]
        unknown = [n for n in names if n not in GRAPH_INPUTS]
        if unknown:
            raise RefError(f"{onnx_path}: unsupported graph inputs {unknown}")
        self.inputs = names
        outputs = [o.name for o in self.session.get_outputs()]
        if "logits" in outputs:
            self.output = "logits"
            self.multi_label = config.get("problem_type") == "multi_label_classification"
            self.pooling = None
        else:
            self.output = next((n for n in EMBEDDING_OUTPUTS if n in outputs), outputs[0])
            self.multi_label = False
            self.pooling = Pooling.from_folder(model_dir)

    def _setup_tokenizer(self, model_dir: str, config: dict, max_length: int | None) -> int:
        trunc = self.tokenizer.truncation or {}
        st_conf = _read_json(os.path.join(model_dir, "sentence_bert_config.json"), {})
        n = (max_length or st_conf.get("max_seq_length") or trunc.get("max_length")
             or config.get("max_position_embeddings") or 512)
        kwargs = {k: trunc[k] for k in ("stride", "strategy", "direction") if k in trunc}
        self.tokenizer.enable_truncation(int(n), **kwargs)

        pad = self.tokenizer.padding or {}
        pad_token = pad.get("pad_token") or "[PAD]"
        pad_id = pad.get("pad_id")
        if pad_id is None:
            pad_id = self.tokenizer.token_to_id(pad_token)
        if pad_id is None:
            pad_id = config.get("pad_token_id") or 0
        self.tokenizer.enable_padding(direction=pad.get("direction", "right"), pad_id=int(pad_id),
                                      pad_type_id=int(pad.get("pad_type_id", 0)), pad_token=pad_token,
                                      length=None, pad_to_multiple_of=None)
        return int(n)

    def run(self, texts: list[str]) -> list[dict]:
        """Returns one result dict (without id) per text."""
        if not texts:
            return []
        encodings = self.tokenizer.encode_batch(texts)
        arrays = {
            "input_ids": np.array([e.ids for e in encodings], dtype=np.int64),
            "attention_mask": np.array([e.attention_mask for e in encodings], dtype=np.int64),
            "token_type_ids": np.array([e.type_ids for e in encodings], dtype=np.int64),
        }
        feeds = {name: arrays[name] for name in self.inputs}
        (out,) = self.session.run([self.output], feeds)
        if self.pooling is None:
            logits = out.astype(np.float64)
            if self.multi_label:
                probs = 1.0 / (1.0 + np.exp(-logits))
            else:
                shifted = np.exp(logits - logits.max(axis=1, keepdims=True))
                probs = shifted / shifted.sum(axis=1, keepdims=True)
            return [{"logits": lg.tolist(), "probs": p.tolist()} for lg, p in zip(logits, probs)]
        pooled = self.pooling.apply(out, arrays["attention_mask"])
        return [{"embedding": v.tolist()} for v in pooled]


def read_jsonl(path: str) -> list[tuple[object, str]]:
    """Reads (id, text) pairs; a missing id becomes the record's 0-based index."""
    items: list[tuple[object, str]] = []
    with open(path, encoding="utf-8") as f:
        for lineno, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as e:
                raise RefError(f"{path}:{lineno}: {e}") from e
            if not isinstance(obj, dict) or not isinstance(obj.get("text"), str):
                raise RefError(f"{path}:{lineno}: want an object with a string \"text\"")
            items.append((obj.get("id", len(items)), obj["text"]))
    return items


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--model", required=True, help="model folder (model.onnx, tokenizer.json, ...)")
    ap.add_argument("--input", required=True, help="JSON lines with text and optional id")
    ap.add_argument("--output", required=True, help="JSON lines written here ('-' for stdout)")
    ap.add_argument("--max-length", type=int, default=None, help="truncate to N tokens")
    ap.add_argument("--batch-size", type=int, default=32, help="texts per forward pass (default 32)")
    ap.add_argument("--threads", type=int, default=1, help="onnxruntime intra-op threads (default 1)")
    args = ap.parse_args(argv)
    if args.batch_size < 1:
        ap.error("--batch-size must be at least 1")
    try:
        ref = Reference(args.model, max_length=args.max_length, threads=args.threads)
        items = read_jsonl(args.input)
    except (RefError, OSError) as e:
        print(f"embed_ref: {e}", file=sys.stderr)
        return 2
    out = sys.stdout if args.output == "-" else open(args.output, "w", encoding="utf-8")
    try:
        for start in range(0, len(items), args.batch_size):
            chunk = items[start:start + args.batch_size]
            for (item_id, _), result in zip(chunk, ref.run([t for _, t in chunk])):
                out.write(json.dumps({"id": item_id, **result}) + "\n")
    finally:
        if out is not sys.stdout:
            out.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""End-to-end throughput of the Python reference (tokenize + onnxruntime + pooling), per batch size.

    bench_ref.py --model DIR --input texts.jsonl --batch-sizes 1,8,32 --threads T --seconds S

Each batch size is measured in a fresh subprocess, so its peak RSS is its own. The texts of the input file
are taken in order, B at a time, wrapping around, until S seconds have passed (after one warm-up batch).
Prints one JSON line per batch size:
  {"impl": "python-onnxruntime", "batch": B, "sentences_per_s": ..., "peak_rss_mib": ...,
   "cpu_ms_per_sentence": ... (user+sys CPU of the process; steadier than wall time on a busy machine), "threads": T,
   "spinning": true, "sentences": N, "seconds": ..., "model": "<folder name>"}
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import resource
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import embed_ref  # noqa: E402  (a sibling file, found through the path set above)


def peak_rss_mib() -> float:
    """Peak resident set size of this process: VmHWM from /proc, else getrusage."""
    try:
        with open("/proc/self/status", encoding="ascii") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024.0
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def measure(args: argparse.Namespace, batch: int) -> dict:
    """Runs one batch size in this process and returns its result line."""
    texts = [t for _, t in embed_ref.read_jsonl(args.input)]
    if not texts:
        raise embed_ref.RefError(f"{args.input} holds no texts")
    ref = embed_ref.Reference(args.model, max_length=args.max_length, threads=args.threads,
                              spinning=not args.no_spinning)
    stream = itertools.cycle(texts)
    ref.run([next(stream) for _ in range(batch)])  # warm-up: first-run allocations and kernel choices
    done = 0
    cpu0 = os.times()
    start = time.perf_counter()
    elapsed = 0.0
    while elapsed < args.seconds:
        ref.run([next(stream) for _ in range(batch)])
        done += batch
        elapsed = time.perf_counter() - start
    cpu1 = os.times()
    cpu = (cpu1.user - cpu0.user) + (cpu1.system - cpu0.system)
    return {
        "impl": "python-onnxruntime",
        "batch": batch,
        "sentences_per_s": round(done / elapsed, 2),
        "peak_rss_mib": round(peak_rss_mib(), 1),
        "cpu_ms_per_sentence": round(1000.0 * cpu / done, 3),
        "threads": args.threads,
        "spinning": not args.no_spinning,
        "sentences": done,
        "seconds": round(elapsed, 3),
        "model": os.path.basename(os.path.normpath(args.model)),
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--model", required=True, help="model folder (model.onnx, tokenizer.json, ...)")
    ap.add_argument("--input", required=True, help="JSON lines with text")
    ap.add_argument("--batch-sizes", default="1,8,32", help="comma-separated batch sizes (default 1,8,32)")
    ap.add_argument("--threads", type=int, default=1, help="onnxruntime intra-op threads (default 1)")
    ap.add_argument("--seconds", type=float, default=5.0, help="measuring time per batch size (default 5)")
    ap.add_argument("--max-length", type=int, default=None, help="truncate to N tokens")
    ap.add_argument("--no-spinning", action="store_true",
                    help="stop idle onnxruntime threads from spin-waiting (steadier on a shared machine)")
    ap.add_argument("--child", type=int, default=None, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    try:
        if args.child is not None:
            print(json.dumps(measure(args, args.child)), flush=True)
            return 0
        sizes = [int(s) for s in args.batch_sizes.split(",") if s.strip()]
    except ValueError:
        ap.error(f"--batch-sizes {args.batch_sizes!r}: want integers like 1,8,32")
    except (embed_ref.RefError, OSError) as e:
        print(f"bench_ref: {e}", file=sys.stderr)
        return 2
    if not sizes or min(sizes) < 1 or args.seconds <= 0:
        ap.error("want batch sizes of at least 1 and --seconds above 0")
    base = [sys.executable, os.path.abspath(__file__), "--model", args.model, "--input", args.input,
            "--threads", str(args.threads), "--seconds", str(args.seconds)]
    if args.max_length:
        base += ["--max-length", str(args.max_length)]
    if args.no_spinning:
        base.append("--no-spinning")
    for batch in sizes:
        child = subprocess.run(base + ["--child", str(batch)], stdout=subprocess.PIPE, text=True, check=False)
        if child.returncode != 0:
            print(f"bench_ref: batch {batch} failed (exit {child.returncode})", file=sys.stderr)
            return child.returncode or 1
        sys.stdout.write(child.stdout)
        sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())

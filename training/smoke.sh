#!/usr/bin/env bash
# The training pipeline end to end on a tiny budget (about a minute), writing only under a temporary folder.
# Checks: the tokenizers it trains equal the committed ones, and the exported model runs in onnxruntime-node
# and matches the golden file the pipeline wrote for it.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=/usr/bin/python3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export PP_DATA=$tmp/data PP_RUNS=$tmp/runs PP_MODELS=$tmp/models PP_GOLDEN=$tmp/golden
$PY training/prepare.py
for m in tiny-byte tiny-bpe1k tiny-bpe8k; do
  cmp "$tmp/models/$m/tokenizer.json" "models/$m/tokenizer.json" || { echo "smoke: $m tokenizer differs from the committed one" >&2; exit 1; }
done
$PY training/train.py --model_id=tiny-bpe1k --quick=1 --snapshots=0.5
$PY training/export.py --model_id=tiny-bpe1k --quick=1
$PY training/cards.py > /dev/null
test -s "$tmp/models/tiny-bpe1k/README.md"
test -s "$tmp/models/tiny-bpe1k/onnx/snapshot_050.onnx"
node training/check-export.mjs "$tmp/models/tiny-bpe1k" "$tmp/golden/tiny-bpe1k.json"
# the real-export fixtures' generator, into the temporary folder: it remakes the committed files byte for byte
# (the references aside: their last digits follow the machine's BLAS), and onnxruntime-node agrees with torch
PP_MODELS="$PWD/models" $PY training/fixtures/make_real_exports.py --out_root="$tmp/real-export" > /dev/null
diff -r -x reference.json -x README.md "$tmp/real-export" test/fixtures/real-export \
  || { echo "smoke: make_real_exports.py no longer makes the committed test/fixtures/real-export" >&2; exit 1; }
node training/fixtures/make_references.mjs "$tmp/real-export"
echo "smoke: ok"

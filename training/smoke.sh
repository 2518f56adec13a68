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
echo "smoke: ok"

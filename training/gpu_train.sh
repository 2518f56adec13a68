#!/usr/bin/env bash
# Train the three sibling models on a lent GPU, in one go (training/README.md, "On a GPU"):
#   1. a short sweep of the recipe on the default model, tiny-bpe8k: byte budget, learning rate, batch;
#      the lowest validation loss picks (the test split is never looked at),
#   2. the three siblings with the picked recipe, all from the same seed, the default one with its snapshots,
#   3. their checkpoints as .npz and every log in OUT_DIR, for `ckpt_npz.py unpack` where the export runs.
# Needs training/data/{train,val}.json (prepare.py) and models/<id>/tokenizer.json.
# Env: PY (a python with torch and regex, default python3), OUT_DIR (default $OUT, else /tmp/gpu-out),
#      DEVICE (default cuda), SWEEP_CAP and FINAL_CAP (safety caps in minutes, default 3 and 6),
#      SWEEP (names of the sweep's configurations to run, default all), PICK (a configuration: no sweep), EXTRA (more options for every run,
#      e.g. --quick=1 for a dry run on a CPU).
set -euo pipefail
cd "$(dirname "$0")"
PY=${PY:-python3}
OUT_DIR=${OUT_DIR:-${OUT:-/tmp/gpu-out}}
DEVICE=${DEVICE:-cuda}
SWEEP_CAP=${SWEEP_CAP:-3}
FINAL_CAP=${FINAL_CAP:-6}
EXTRA=${EXTRA:-}
RUNS_DIR=${PP_RUNS:-$PWD/runs}
MODELS_DIR=${PP_MODELS:-$(dirname "$PWD")/models}
export PYTHONUNBUFFERED=1
LOGS=$OUT_DIR/logs
mkdir -p "$OUT_DIR" "$LOGS"

declare -A RECIPE=(
  [b20-lr2]="--budget_bytes=20000000 --lr=0.002"   # the CPU recipe, without its 45-minute cap
  [b40-lr2]="--budget_bytes=40000000 --lr=0.002"
  [b80-lr2]="--budget_bytes=80000000 --lr=0.002"
  [b40-lr3]="--budget_bytes=40000000 --lr=0.003"
  [b80-lr3]="--budget_bytes=80000000 --lr=0.003"
  [b40-lr4]="--budget_bytes=40000000 --lr=0.004"
  [b40-lr2-bs8]="--budget_bytes=40000000 --lr=0.002 --batch_size=8 --eval_batches=16 --warmup_steps=200"
)
SWEEP=${SWEEP:-${!RECIPE[*]}}
PICK=${PICK:-}  # a recipe's name: skip the sweep and train the siblings with it

echo "== $(date -u +%T) encoding the splits"
for m in tiny-byte tiny-bpe1k tiny-bpe8k; do $PY train.py --model_id=$m --encode_only=1 & done
wait

if [ -z "$PICK" ]; then
echo "== $(date -u +%T) sweep on tiny-bpe8k: $SWEEP"
for name in $SWEEP; do
  $PY train.py --model_id=tiny-bpe8k --out_id=sweep-$name --device=$DEVICE --max_minutes=$SWEEP_CAP \
    ${RECIPE[$name]} $EXTRA >"$LOGS/sweep-$name.log" 2>&1 &
done
wait
for name in $SWEEP; do tail -n 1 "$LOGS/sweep-$name.log"; done
PICK=$($PY - "$RUNS_DIR" $SWEEP <<'PYEOF'
import json, os, sys
runs, names = sys.argv[1], sys.argv[2:]
rows = []
for n in names:
    m = json.load(open(os.path.join(runs, f"sweep-{n}", "meta.json")))
    rows.append((m["best_val"], n, m["best_step"], m["steps"], m["bytes_seen"], m["stop_reason"], m["wall_s"]))
for r in sorted(rows):
    print(f"sweep {r[1]:>12}: best val {r[0]:.4f} at step {r[2]} of {r[3]}, {r[4]:,} bytes, {r[5]}, {r[6]:.0f}s", file=sys.stderr)
print(min(rows)[1])
PYEOF
)
echo "== picked: $PICK (${RECIPE[$PICK]})"
tar czf "$OUT_DIR/sweep.tar.gz" -C "$OUT_DIR" logs -C "$RUNS_DIR" $(cd "$RUNS_DIR" && ls -d sweep-*/meta.json) \
  -C "$MODELS_DIR" $(cd "$MODELS_DIR" && ls -d sweep-*/training_log.csv)
fi

echo "== $(date -u +%T) the three siblings with $PICK"
for m in tiny-byte tiny-bpe1k tiny-bpe8k; do
  snaps=""; [ $m = tiny-bpe8k ] && snaps="--snapshots=0.01,0.1"
  $PY train.py --model_id=$m --device=$DEVICE --max_minutes=$FINAL_CAP ${RECIPE[$PICK]} $snaps $EXTRA \
    >"$LOGS/train-$m.log" 2>&1 &
done
wait
for m in tiny-byte tiny-bpe1k tiny-bpe8k; do tail -n 1 "$LOGS/train-$m.log"; done
echo "$PICK ${RECIPE[$PICK]}" >"$LOGS/picked.txt"

echo "== $(date -u +%T) packing"
$PY ckpt_npz.py pack "$OUT_DIR" tiny-byte tiny-bpe1k tiny-bpe8k
tar czf "$OUT_DIR/logs.tar.gz" -C "$OUT_DIR" logs -C "$RUNS_DIR" tiny-byte/meta.json tiny-bpe1k/meta.json tiny-bpe8k/meta.json \
  -C "$MODELS_DIR" tiny-byte/training_log.csv tiny-bpe1k/training_log.csv tiny-bpe8k/training_log.csv
rm -rf "$LOGS"
ls -la "$OUT_DIR"
echo "== $(date -u +%T) done"

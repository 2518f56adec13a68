"""Rebuild a run folder (best.pt + meta.json) from a shipped model, when its checkpoints are gone.

    /usr/bin/python3 training/recover.py --model_id=tiny-bpe1k

Checkpoints live in training/runs/ and are never committed; a model in models/ carries the same weights
in onnx/model.onnx (fp32, exported from the best checkpoint). This reads them back into the PyTorch GPT,
checks that PyTorch reproduces the ONNX file's logits, and writes the run folder that export.py and
cards.py read, so that a shipped model can be measured again and get its golden file from the training
framework itself. The run's facts (steps, bytes, wall time, stop reason) come from its training_log.csv.
"""
import csv
import json
import os
import sys

from common import DATA, MODELS, RUNS, require, set_threads

require("torch", "onnx", "numpy")
import numpy as np  # noqa: E402
import onnx  # noqa: E402
import torch  # noqa: E402
from onnx import numpy_helper  # noqa: E402

from bpe import ByteBPE  # noqa: E402
from model import GPT, GPTConfig  # noqa: E402

# ---- defaults (override with --key=value) ----
model_id = "tiny-bpe1k"  # models/<id> with config.json, onnx/model.onnx and training_log.csv
max_minutes = 45.0  # the cap the run was trained under (train.py's default)
budget_bytes = 20_000_000  # the byte budget it was trained under (train.py's default)
lr = 2e-3
batch_size = 16
seed = 1337
for arg in sys.argv[1:]:
    key, val = arg.lstrip("-").split("=", 1)
    assert key in globals(), f"unknown option --{key}"
    globals()[key] = type(globals()[key])(val)
set_threads()

out_dir = os.path.join(MODELS, model_id)
run_dir = os.path.join(RUNS, model_id)
config = json.load(open(os.path.join(out_dir, "config.json")))
cfg = GPTConfig(vocab_size=config["vocab_size"], n_positions=config["n_positions"], n_layer=config["n_layer"],
                n_head=config["n_head"], n_embd=config["n_embd"])
model = GPT(cfg).eval()

m = onnx.load(os.path.join(out_dir, "onnx", "model.onnx"))
inits = {i.name: numpy_helper.to_array(i) for i in m.graph.initializer}
# Linear weights were folded into MatMul initializers (stored transposed); the MatMul node's name is the module path.
for node in m.graph.node:
    if node.op_type == "MatMul" and node.input[1] in inits:
        module = node.name.strip("/").rsplit("/", 1)[0].replace("/", ".")  # "/h.0/attn/c_attn/MatMul" -> h.0.attn.c_attn
        if module:
            inits[f"{module}.weight"] = inits.pop(node.input[1]).T
state = {k: torch.from_numpy(np.ascontiguousarray(inits[k])) for k in model.state_dict()}
model.load_state_dict(state)

used = set(inits) - set(state)
assert not used, f"initializers not mapped to parameters: {sorted(used)}"

# The check: exporting the rebuilt model again must give back every weight of the shipped file, bit for bit.
tmp = os.path.join(run_dir, "recover-check.onnx")
os.makedirs(run_dir, exist_ok=True)
ids = torch.zeros(1, 8, dtype=torch.long)
torch.onnx.export(model, (ids, torch.ones_like(ids)), tmp, input_names=["input_ids", "attention_mask"],
                  output_names=["logits"], opset_version=17, do_constant_folding=True,
                  dynamic_axes={"input_ids": {0: "batch", 1: "sequence"}, "attention_mask": {0: "batch", 1: "sequence"}})
again = {(tuple(a.shape), a.tobytes()) for a in (numpy_helper.to_array(i) for i in onnx.load(tmp).graph.initializer)}
os.remove(tmp)
for i in m.graph.initializer:
    a = numpy_helper.to_array(i)
    assert (tuple(a.shape), a.tobytes()) in again, f"{i.name}: the rebuilt model does not reproduce this weight"
print(f"{model_id}: {len(m.graph.initializer)} initializers rebuilt into {len(state)} parameters, re-export identical")

# The run's facts, from its log: the last row is the end of the run, the lowest val loss the best checkpoint.
rows = list(csv.DictReader(open(os.path.join(out_dir, "training_log.csv"))))
last = rows[-1]
best = min(rows, key=lambda r: float(r["val_loss"]))
tok = ByteBPE.load(os.path.join(MODELS, config.get("tokenizer", model_id)))
token_nbytes = np.array([len(b) for b in tok.token_bytes] + [0], dtype=np.int64)
train_ids = np.load(os.path.join(DATA, f"{config.get('tokenizer', model_id)}.train.npy")) if os.path.exists(
    os.path.join(DATA, f"{config.get('tokenizer', model_id)}.train.npy")) else None
if train_ids is not None:
    train_bytes = int(token_nbytes[train_ids].sum())
else:
    train_bytes = sum(len(d["text"].encode("utf-8")) for d in json.load(open(os.path.join(DATA, "train.json"), encoding="utf-8")))
steps, bytes_seen, wall_s = int(last["step"]), int(last["bytes"]), float(last["elapsed_s"])
torch.save({"model": model.state_dict(), "step": int(best["step"]), "bytes": int(best["bytes"]), "tokens": int(best["tokens"])},
           os.path.join(run_dir, "best.pt"))
meta = {"config": cfg.__dict__, "params": model.num_params(), "budget_bytes": budget_bytes, "max_minutes": max_minutes,
        "batch_size": batch_size, "lr": lr, "seed": seed, "train_slice_bytes": 0, "snapshots": [],
        "steps": steps, "tokens_seen": int(last["tokens"]), "bytes_seen": bytes_seen, "wall_s": wall_s,
        "stop_reason": "budget" if bytes_seen >= budget_bytes else "time", "best_val": float(best["val_loss"]),
        "best_step": int(best["step"]), "model_id": config.get("tokenizer", model_id), "out_id": model_id,
        "train_bytes": train_bytes, "epochs": bytes_seen / train_bytes, "recovered_from": "onnx/model.onnx"}
json.dump(meta, open(os.path.join(run_dir, "meta.json"), "w"), indent=1)
print(f"{model_id}: wrote {run_dir}/best.pt (step {best['step']}) and meta.json; "
      f"export.py --model_id={model_id} measures it again (its snapshots are not recoverable)")

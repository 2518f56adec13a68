"""Train one bundled model. nanoGPT-style: defaults below, override with --key=value.

    /usr/bin/python3 training/train.py --model_id=tiny-bpe1k --snapshots=0.01,0.1,0.5
    /usr/bin/python3 training/train.py --model_id=tiny-byte --quick=1   # about a minute, the CI smoke test

One fixed-format line per evaluation on stdout, and the same numbers in models/<id>/training_log.csv.
"""
import csv
import json
import math
import os
import sys
import time

from common import DATA, EOT, MODELS, RUNS, require, set_threads

require("torch", "regex")
set_threads()
import numpy as np  # noqa: E402
import torch  # noqa: E402
from torch.nn import functional as F  # noqa: E402

from bpe import ByteBPE  # noqa: E402
from model import GPT, GPTConfig  # noqa: E402

# ---- defaults (override with --key=value) ----
model_id = "tiny-bpe1k"  # models/<id>/tokenizer.json must exist (prepare.py)
out_id = ""  # where the model and log go; defaults to model_id (the overfit demo writes elsewhere)
n_layer = 4
n_head = 6
n_embd = 192
n_ctx = 256  # context length in tokens
batch_size = 16  # sequences per step: 16 x 256 = 4096 tokens
budget_bytes = 80_000_000  # training text seen, in UTF-8 bytes: the same for every model (7.3 epochs of train)
max_minutes = 45.0  # wall-clock cap; whichever of budget and time comes first ends the run (0: no cap)
lr = 2e-3  # peak learning rate (AdamW)
min_lr_frac = 0.1  # cosine decay to this fraction of lr
warmup_steps = 100
weight_decay = 0.1
grad_clip = 1.0
eval_every = 50  # steps between evaluations
eval_batches = 8  # fixed batches of train and val windows per evaluation
patience = 20  # evaluations without a new best val loss before stopping early (at 5, the byte model stopped
#               on a noisy plateau at full learning rate, its train and val loss still equal)
train_slice_bytes = 0  # >0: train on only the first N bytes of the train split (the overfit demo)
snapshots = ""  # fractions of the run at which to keep the weights, e.g. "0.01,0.1,0.5"
seed = 1337  # the same for every model
quick = 0  # 1: a one-minute smoke run (tiny budget, frequent evals)
encode_only = 0  # 1: write the token caches of the splits (training/data/<id>.<split>.npy) and exit
device = "cpu"  # "cuda" where a GPU is lent (the same recipe; the byte budget, not the clock, then ends the run)
# ------------------------------------------------

for arg in sys.argv[1:]:
    key, _, val = arg.lstrip("-").partition("=")
    if key not in globals() or key.startswith("_"):
        sys.exit(f"error: unknown option --{key}")
    cur = globals()[key]
    globals()[key] = type(cur)(val) if not isinstance(cur, bool) else val in ("1", "true")
if quick:
    budget_bytes, max_minutes, eval_every, eval_batches, warmup_steps = 150_000, 1.0, 10, 2, 10
out_id = out_id or model_id
out_dir = os.path.join(MODELS, out_id)
run_dir = os.path.join(RUNS, out_id)
os.makedirs(out_dir, exist_ok=True)
os.makedirs(run_dir, exist_ok=True)
if device.startswith("cuda") and not torch.cuda.is_available():
    sys.exit("error: --device=cuda but torch sees no GPU")
torch.manual_seed(seed)
rng = np.random.default_rng(seed)

tok = ByteBPE.load(os.path.join(MODELS, model_id))
token_nbytes = np.array([len(b) for b in tok.token_bytes] + [0], dtype=np.int64)  # bytes each id stands for


def encode_split(name):
    """One stream per split: <|endoftext|> before every document, as the scorer prepends it as BOS."""
    cache = os.path.join(DATA, f"{model_id}.{name}.npy")
    if os.path.exists(cache):
        return np.load(cache)
    docs = json.load(open(os.path.join(DATA, f"{name}.json"), encoding="utf-8"))
    ids = []
    for d in docs:
        ids.append(tok.eot_id)
        ids.extend(tok.encode(d["text"]))
    arr = np.array(ids, dtype=np.int32)
    np.save(cache, arr)
    return arr


train_ids = encode_split("train")
val_ids = encode_split("val")
if encode_only:
    sys.exit(0)
if train_slice_bytes:
    cut = int(np.searchsorted(np.cumsum(token_nbytes[train_ids]), train_slice_bytes))
    train_ids = train_ids[:cut]
train_bytes_total = int(token_nbytes[train_ids].sum())
print(f"{out_id}: train {len(train_ids):,} tokens ({train_bytes_total:,} bytes), val {len(val_ids):,} tokens")


def fixed_windows(ids, n, gen):
    starts = gen.integers(0, len(ids) - n_ctx - 1, size=n)
    return np.stack([ids[s : s + n_ctx + 1] for s in starts]).astype(np.int64)


# Fixed evaluation windows: every evaluation sees the same text, so the curves are not sampling noise.
eval_gen = np.random.default_rng(seed + 1)
eval_sets = {
    "train": fixed_windows(train_ids, eval_batches * batch_size, eval_gen),
    "val": fixed_windows(val_ids, eval_batches * batch_size, eval_gen),
}

cfg = GPTConfig(vocab_size=tok.vocab_size, n_positions=n_ctx, n_layer=n_layer, n_head=n_head, n_embd=n_embd)
model = GPT(cfg).to(device)
decay = [p for n, p in model.named_parameters() if p.dim() >= 2]
no_decay = [p for n, p in model.named_parameters() if p.dim() < 2]
opt = torch.optim.AdamW(
    [{"params": decay, "weight_decay": weight_decay}, {"params": no_decay, "weight_decay": 0.0}], lr=lr, betas=(0.9, 0.95),
    **({"fused": True} if device.startswith("cuda") else {}),
)
device_name = torch.cuda.get_device_name() if device.startswith("cuda") else "cpu"


def cpu_state():
    return {k: v.detach().cpu() for k, v in model.state_dict().items()}


@torch.no_grad()
def evaluate():
    model.eval()
    out = {}
    for name, windows in eval_sets.items():
        total, count = 0.0, 0
        for b in range(0, len(windows), batch_size):
            w = torch.from_numpy(windows[b : b + batch_size]).to(device)
            logits = model(w[:, :-1])  # (B, T, V)
            loss = F.cross_entropy(logits.reshape(-1, logits.size(-1)), w[:, 1:].reshape(-1), reduction="sum")
            total += loss.item()
            count += w[:, 1:].numel()
        out[name] = total / count
    model.train()
    return out


def lr_at(progress):
    """Warmup, then cosine to min_lr_frac * lr over the run's progress (the larger of bytes and time used)."""
    if step < warmup_steps:
        return lr * (step + 1) / warmup_steps
    p = min(1.0, progress)
    return lr * (min_lr_frac + (1 - min_lr_frac) * 0.5 * (1 + math.cos(math.pi * p)))


snap_points = sorted(float(s) for s in snapshots.split(",") if s)
log_path = os.path.join(out_dir, "training_log.csv")
log_f = open(log_path, "w", newline="")
log = csv.writer(log_f)
log.writerow(["step", "tokens", "bytes", "lr", "train_loss", "val_loss", "elapsed_s"])
meta = {"config": cfg.__dict__, "params": model.num_params(), "budget_bytes": budget_bytes, "max_minutes": max_minutes,
        "batch_size": batch_size, "lr": lr, "seed": seed, "train_slice_bytes": train_slice_bytes, "snapshots": [],
        "warmup_steps": warmup_steps, "eval_every": eval_every, "patience": patience,
        "device": device_name}
print(f"{out_id}: {model.num_params():,} parameters, budget {budget_bytes:,} bytes"
      + (f" or {max_minutes:g} min" if max_minutes else "") + f", on {device_name}")

step, tokens_seen, bytes_seen = 0, 0, 0
best_val, best_step, since_best = float("inf"), 0, 0
t0 = time.time()
progress = 0.0
stop_reason = "budget"
cur_lr = lr_at(0)
while True:
    elapsed = time.time() - t0
    progress = max(bytes_seen / budget_bytes, elapsed / (max_minutes * 60) if max_minutes else 0.0)
    last = progress >= 1.0
    while snap_points and progress >= snap_points[0]:
        frac = snap_points.pop(0)
        path = os.path.join(run_dir, f"snapshot_{int(round(frac * 100)):03d}.pt")
        torch.save({"model": cpu_state(), "step": step, "bytes": bytes_seen, "tokens": tokens_seen}, path)
        meta["snapshots"].append({"fraction": frac, "step": step, "bytes": bytes_seen, "tokens": tokens_seen})
    if step % eval_every == 0 or last:
        ev = evaluate()
        line = (f"step {step}: train loss {ev['train']:.4f}, val loss {ev['val']:.4f}, "
                f"tokens {tokens_seen}, bytes {bytes_seen}, lr {cur_lr:.2e}, time {elapsed:.0f}s")
        print(line, flush=True)
        log.writerow([step, tokens_seen, bytes_seen, f"{cur_lr:.6g}", f"{ev['train']:.6f}", f"{ev['val']:.6f}", f"{elapsed:.1f}"])
        log_f.flush()
        if ev["val"] < best_val:
            best_val, best_step, since_best = ev["val"], step, 0
            torch.save({"model": cpu_state(), "step": step, "bytes": bytes_seen, "tokens": tokens_seen},
                       os.path.join(run_dir, "best.pt"))
        else:
            since_best += 1
        if last:
            stop_reason = "budget" if bytes_seen >= budget_bytes else "time"
            break
        if patience and since_best >= patience and not train_slice_bytes:
            stop_reason = "early stop"
            break
    batch_np = fixed_windows(train_ids, batch_size, rng)
    batch = torch.from_numpy(batch_np).to(device)
    cur_lr = lr_at(progress)
    for g in opt.param_groups:
        g["lr"] = cur_lr
    logits = model(batch[:, :-1])
    loss = F.cross_entropy(logits.reshape(-1, logits.size(-1)), batch[:, 1:].reshape(-1))
    opt.zero_grad(set_to_none=True)
    loss.backward()
    torch.nn.utils.clip_grad_norm_(model.parameters(), grad_clip)
    opt.step()
    step += 1
    tokens_seen += batch[:, 1:].numel()
    bytes_seen += int(token_nbytes[batch_np[:, 1:]].sum())

torch.save({"model": cpu_state(), "step": step, "bytes": bytes_seen, "tokens": tokens_seen},
           os.path.join(run_dir, "final.pt"))
meta.update({"steps": step, "tokens_seen": tokens_seen, "bytes_seen": bytes_seen, "wall_s": time.time() - t0,
             "stop_reason": stop_reason, "best_val": best_val, "best_step": best_step, "model_id": model_id,
             "out_id": out_id, "train_bytes": train_bytes_total, "epochs": bytes_seen / train_bytes_total})
json.dump(meta, open(os.path.join(run_dir, "meta.json"), "w"), indent=1)
print(f"{out_id}: done, {stop_reason}, {step} steps, {bytes_seen:,} bytes in {time.time() - t0:.0f}s; best val {best_val:.4f} at step {best_step}")

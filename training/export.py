"""Export a trained model to the layout in DESIGN.md, measure it, and write its golden references.

    /usr/bin/python3 training/export.py --model_id=tiny-bpe1k [--checkpoint=best] [--quick=1]

Writes models/<id>/{config.json, onnx/model.onnx, onnx/model_quantized.onnx (when its measured cost is at
most 1e-3 nats per token), onnx/snapshot_*.onnx, snapshots.json, metrics.json}, and
test/fixtures/golden/<id>.json. Then run cards.py for the model cards.
"""
import json
import math
import os
import shutil
import sys
import time

from common import DATA, FIXTURES, GOLDEN, MODELS, RUNS, require, set_threads

require("torch", "onnx", "regex")
set_threads()
import numpy as np  # noqa: E402
import onnx  # noqa: E402
import torch  # noqa: E402
from onnx import helper, numpy_helper, TensorProto  # noqa: E402

from bpe import PLAIN_SPECIAL_TEXT, ByteBPE  # noqa: E402
from evaluate import score_ids, split_loss, totals  # noqa: E402
from model import GPT, GPTConfig  # noqa: E402

# ---- defaults (override with --key=value) ----
model_id = "tiny-bpe1k"
checkpoint = "best"  # best (lowest val loss) or final
stride = 128  # DESIGN.md default: floor(n_ctx / 2)
quant_block = 32  # int8 weights with one fp32 scale per 32 consecutive weights of a row
snapshot_block = 32  # the same for the training snapshots; 0: one scale per row (about 10% smaller files)
quant_budget = 1e-3  # ship model_quantized.onnx only if it costs at most this many nats per token on test
golden = 1  # write test/fixtures/golden/<id>.json
measure = 1  # 0: re-export the files only, keeping the figures measured before (metrics.json) for the same weights
ship_quantized = 1  # 0: measure the int8 variant but do not ship it (the 40 MB budget of models/)
snapshots_ship = ""  # which training snapshots to ship, e.g. "0.01,0.1" ("" = all): the 40 MB budget of models/
quick = 0  # 1: measure on a slice of the test split (CI smoke)
# ------------------------------------------------
for arg in sys.argv[1:]:
    key, _, val = arg.lstrip("-").partition("=")
    if key not in globals() or key.startswith("_"):
        sys.exit(f"error: unknown option --{key}")
    globals()[key] = type(globals()[key])(val)

out_dir = os.path.join(MODELS, model_id)
run_dir = os.path.join(RUNS, model_id)
meta = json.load(open(os.path.join(run_dir, "meta.json")))
tok = ByteBPE.load(os.path.join(MODELS, meta["model_id"]))
cfg = GPTConfig(**meta["config"])
n_ctx = cfg.n_positions


def load(path):
    m = GPT(cfg)
    m.load_state_dict(torch.load(path, map_location="cpu")["model"])
    return m.eval()


def export_onnx(model, path):
    """fp32 ONNX, dynamic batch and sequence axes; the tied embedding stored once."""
    ids = torch.zeros(1, 8, dtype=torch.long)
    torch.onnx.export(
        model, (ids, torch.ones_like(ids)), path, input_names=["input_ids", "attention_mask"],
        output_names=["logits"], opset_version=17, do_constant_folding=True,
        dynamic_axes={"input_ids": {0: "batch", 1: "sequence"}, "attention_mask": {0: "batch", 1: "sequence"},
                      "logits": {0: "batch", 1: "sequence"}},
    )
    m = onnx.load(path)
    dedupe_tied(m, model.wte.weight.detach().numpy())
    m.producer_name = "perplexity-playground/training/export.py"
    onnx.checker.check_model(m)
    onnx.save(m, path)
    return m


def dedupe_tied(m, wte):
    """Constant folding stores wte.T as a second initializer for the LM head: replace it by a Transpose."""
    g = m.graph
    wte_name = next(i.name for i in g.initializer if i.dims == list(wte.shape) and np.array_equal(numpy_helper.to_array(i), wte))
    for init in list(g.initializer):
        if init.dims == [wte.shape[1], wte.shape[0]] and np.array_equal(numpy_helper.to_array(init), wte.T):
            g.initializer.remove(init)
            g.node.insert(0, helper.make_node("Transpose", [wte_name], [init.name], perm=[1, 0], name="tied_lm_head"))
    n_param = sum(int(np.prod(i.dims)) for i in g.initializer if i.data_type == TensorProto.FLOAT)
    return n_param


def quantize_array(w, block):
    """int8 blockwise along the last axis: w ~= q * scale. Returns (q (R, C/b, b), scale (R, C/b, 1), dequantized w)."""
    r, c = w.shape
    b = block if block and c % block == 0 else c  # block 0: one scale per row
    blocks = w.reshape(r, c // b, b)
    scale = np.abs(blocks).max(axis=2, keepdims=True) / 127.0
    scale[scale == 0] = 1.0
    q = np.clip(np.rint(blocks / scale), -127, 127).astype(np.int8)
    return q, scale.astype(np.float32), (q.astype(np.float32) * scale.astype(np.float32)).reshape(r, c)


def quantize_onnx(src_path, dst_path, block):
    """Every fp32 matrix initializer of 4096+ weights becomes int8 + scales, dequantized in the graph by
    Cast, Mul and Reshape (operators every onnxruntime backend runs). Returns {name: dequantized array}."""
    m = onnx.load(src_path)
    g = m.graph
    new_nodes, deq = [], {}
    for init in list(g.initializer):
        w = numpy_helper.to_array(init)
        if w.dtype != np.float32 or w.ndim != 2 or w.size < 4096:
            continue
        q, scale, d = quantize_array(w, block)
        deq[init.name] = d
        n = init.name
        g.initializer.remove(init)
        g.initializer.extend([numpy_helper.from_array(q, n + "_q"), numpy_helper.from_array(scale, n + "_scale"),
                              numpy_helper.from_array(np.array(w.shape, dtype=np.int64), n + "_shape")])
        new_nodes += [helper.make_node("Cast", [n + "_q"], [n + "_qf"], to=TensorProto.FLOAT),
                      helper.make_node("Mul", [n + "_qf", n + "_scale"], [n + "_dq"]),
                      helper.make_node("Reshape", [n + "_dq", n + "_shape"], [n])]
    for node in reversed(new_nodes):
        g.node.insert(0, node)
    m.producer_name = "perplexity-playground/training/export.py (int8 blockwise weights)"
    onnx.checker.check_model(m)
    onnx.save(m, dst_path)
    return deq


def dequantized_model(model, block):
    """The same weights the quantized ONNX computes with, in PyTorch (every 2-D weight of 4096+ entries)."""
    q = GPT(cfg)
    sd = {}
    for k, v in model.state_dict().items():
        if v.dim() == 2 and v.numel() >= 4096:
            sd[k] = torch.from_numpy(quantize_array(v.numpy(), block)[2])
        else:
            sd[k] = v
    q.load_state_dict(sd)
    return q.eval()


def file_mb(path):
    return os.path.getsize(path) / 1e6


def main():
    t0 = time.time()
    os.makedirs(os.path.join(out_dir, "onnx"), exist_ok=True)
    model = load(os.path.join(run_dir, f"{checkpoint}.pt"))
    ckpt_info = torch.load(os.path.join(run_dir, f"{checkpoint}.pt"), map_location="cpu")
    config = {
        "model_type": "gpt2", "architectures": ["GPT2LMHeadModel-style (perplexity-playground)"],
        "vocab_size": cfg.vocab_size, "n_positions": n_ctx, "n_ctx": n_ctx, "n_embd": cfg.n_embd,
        "n_layer": cfg.n_layer, "n_head": cfg.n_head, "activation_function": "gelu", "tie_word_embeddings": True,
        "bos_token_id": tok.eot_id, "eos_token_id": tok.eot_id,
        "tokenizer": meta["model_id"], "torch_dtype": "float32",
    }
    json.dump(config, open(os.path.join(out_dir, "config.json"), "w"), indent=2)
    # a run on another model's tokenizer (the overfit demo) ships a copy of it: every folder is self-contained
    for f in ("tokenizer.json", "tokenizer_config.json"):
        src = os.path.join(MODELS, meta["model_id"], f)
        if meta["model_id"] != model_id and os.path.exists(src):
            shutil.copyfile(src, os.path.join(out_dir, f))
    fp32_path = os.path.join(out_dir, "onnx", "model.onnx")
    m = export_onnx(model, fp32_path)
    stored = sum(int(np.prod(i.dims)) for i in m.graph.initializer if i.data_type == TensorProto.FLOAT)
    print(f"{model_id}: model.onnx {file_mb(fp32_path):.2f} MB, {stored:,} fp32 values stored for {model.num_params():,} parameters")

    previous = None
    if not measure:
        previous = json.load(open(os.path.join(out_dir, "metrics.json")))
        assert previous["checkpoint"] == checkpoint and previous["step"] == ckpt_info["step"], "other weights: measure again"
    docs = json.load(open(os.path.join(DATA, "test.json"), encoding="utf-8"))
    val_docs = json.load(open(os.path.join(DATA, "val.json"), encoding="utf-8"))
    if quick:
        docs = [{"name": d["name"], "text": d["text"][:3000]} for d in docs[:2]]
        val_docs = [{"name": d["name"], "text": d["text"][:3000]} for d in val_docs[:2]]
    if previous:
        metrics = {k: previous[k] for k in ("model", "checkpoint", "step", "stride", "test", "val")}
    else:
        metrics = {"model": model_id, "checkpoint": checkpoint, "step": ckpt_info["step"], "stride": stride,
                   "test": split_loss(model, tok, docs, n_ctx, stride), "val": split_loss(model, tok, val_docs, n_ctx, stride)}
    print(f"{model_id}: test {metrics['test']['nats_per_token']:.4f} nats/token, ppl {metrics['test']['ppl']:.2f}, "
          f"{metrics['test']['bits_per_byte']:.4f} bits/byte")

    # int8 variant: ship only where the measured cost on the test split is within budget
    q_path = os.path.join(out_dir, "onnx", "model_quantized.onnx")
    tmp = q_path + ".tmp"
    quantize_onnx(fp32_path, tmp, quant_block)
    if previous:
        cost = previous["quantized"]["cost_nats_per_token"]
    else:
        qm = split_loss(dequantized_model(model, quant_block), tok, docs, n_ctx, stride)
        cost = qm["nats_per_token"] - metrics["test"]["nats_per_token"]
    ship = abs(cost) <= quant_budget and bool(ship_quantized)
    metrics["quantized"] = {"scheme": f"int8 weights, blockwise ({quant_block}), fp32 scales", "cost_nats_per_token": cost,
                            "size_mb": file_mb(tmp), "shipped": ship, "within_budget": abs(cost) <= quant_budget,
                            "budget": quant_budget}
    if ship:
        os.replace(tmp, q_path)
    else:
        os.remove(tmp)
        if os.path.exists(q_path):
            os.remove(q_path)
    print(f"{model_id}: int8 cost {cost:+.6f} nats/token -> {'shipped' if ship else 'not shipped'}")

    # training snapshots (int8 weights: they are for watching the loss fall, and must fit the size budget)
    snaps = []
    old_snaps = {s["file"]: s for s in (previous or {}).get("snapshots", [])}
    wanted = {round(float(f), 6) for f in snapshots_ship.split(",") if f}
    for s in meta.get("snapshots", []):
        if wanted and round(s["fraction"], 6) not in wanted:
            continue
        pct = int(round(s["fraction"] * 100))
        sm = load(os.path.join(run_dir, f"snapshot_{pct:03d}.pt"))
        path = os.path.join(out_dir, "onnx", f"snapshot_{pct:03d}.onnx")
        tmp32 = path + ".fp32"
        export_onnx(sm, tmp32)
        quantize_onnx(tmp32, path, snapshot_block)
        os.remove(tmp32)
        name = f"onnx/snapshot_{pct:03d}.onnx"
        if name in old_snaps:
            entry = {**old_snaps[name], "size_mb": file_mb(path)}
        else:
            fp = split_loss(sm, tok, docs, n_ctx, stride)
            qq = split_loss(dequantized_model(sm, snapshot_block), tok, docs, n_ctx, stride)
            entry = {"file": name, "scheme": f"int8 weights, {f'blockwise ({snapshot_block})' if snapshot_block else 'one scale per row'}, fp32 scales",
                     "fraction": s["fraction"], "step": s["step"], "tokens": s["tokens"], "bytes": s["bytes"],
                     "test_nats_per_token": qq["nats_per_token"], "test_bits_per_byte": qq["bits_per_byte"],
                     "int8_cost_nats_per_token": qq["nats_per_token"] - fp["nats_per_token"], "size_mb": file_mb(path)}
        snaps.append(entry)
        print(f"{model_id}: snapshot {pct}% step {s['step']}: {entry['test_nats_per_token']:.4f} nats/token ({entry['size_mb']:.2f} MB)")
    if snaps:
        snaps.append({"file": "onnx/model.onnx", "fraction": 1.0, "step": ckpt_info["step"], "tokens": ckpt_info["tokens"],
                      "bytes": ckpt_info["bytes"], "test_nats_per_token": metrics["test"]["nats_per_token"],
                      "test_bits_per_byte": metrics["test"]["bits_per_byte"], "int8_cost_nats_per_token": 0.0,
                      "size_mb": file_mb(fp32_path)})
        json.dump({"model": model_id, "snapshots": snaps}, open(os.path.join(out_dir, "snapshots.json"), "w"), indent=1)
    metrics["snapshots"] = snaps
    metrics["files_mb"] = {os.path.relpath(os.path.join(dp, f), out_dir): round(file_mb(os.path.join(dp, f)), 3)
                           for dp, _, fs in os.walk(out_dir) for f in fs}
    metrics["export_s"] = time.time() - t0
    json.dump(metrics, open(os.path.join(out_dir, "metrics.json"), "w"), indent=1)
    if golden:
        write_golden(model)
    print(f"{model_id}: exported in {time.time() - t0:.0f}s")


def golden_texts():
    """Fixed texts from the test split, the shared tricky strings, and one text longer than four contexts."""
    docs = {d["name"]: d["text"] for d in json.load(open(os.path.join(DATA, "test.json"), encoding="utf-8"))}
    tricky = json.load(open(os.path.join(FIXTURES, "tricky-strings.json"), encoding="utf-8"))["strings"]
    texts = [
        ("test:moby-dick/chapter_4:opening", docs["moby-dick/chapter_4"][:700], stride),
        ("test:sotu/1995_william_j_clinton_d:opening", docs["sotu/1995_william_j_clinton_d"][:700], stride),
        ("test:sotu/1853_franklin_pierce_d:opening", docs["sotu/1853_franklin_pierce_d"][:700], stride),
    ]
    texts += [(f"tricky:{t['name']}", t["text"], stride) for t in tricky if t["text"]]
    long_text = docs["moby-dick/chapter_60"][:6000]
    texts += [("test:moby-dick/chapter_60:long", long_text, stride), ("test:moby-dick/chapter_60:long:stride-200", long_text, 200),
              ("test:moby-dick/chapter_60:long:stride-1", long_text[:600], 1)]
    return texts


def write_golden(model):
    """float64 forward and log-softmax in PyTorch: the reference the TypeScript engine must match to 1e-4."""
    m64 = GPT(cfg)
    m64.load_state_dict(model.state_dict())
    m64 = m64.double().eval()
    out = {"model": model_id, "n_ctx": n_ctx, "bos_token_id": tok.eot_id, "k": 5,
           "reference": f"PyTorch {torch.__version__}, float64 forward and log_softmax of the exported weights",
           "texts": []}
    # a special token's string in a text is read as the token only where the text says so (parse_special);
    # the app encodes it as plain text by default (golden_special.py)
    for name, text, st, special in [(n, t, s, "<|endoftext|>" in t) for n, t, s in golden_texts()] + [
            ("special:plain-endoftext", PLAIN_SPECIAL_TEXT, stride, False)]:
        ids = tok.encode(text, special=special)
        r = score_ids(m64, [tok.eot_id] + ids, n_ctx, st, k=5, dtype=torch.float64)
        out["texts"].append({"name": name, "text": text, "stride": st, "ids": ids, "logprob": r["logprob"],
                             "rank": r["rank"], "entropy": r["entropy"], "top_ids": r["top_ids"],
                             "top_logprobs": r["top_logprobs"], "totals": totals(text, r["logprob"]),
                             **({"parse_special": True} if special else {})})
    os.makedirs(GOLDEN, exist_ok=True)
    with open(os.path.join(GOLDEN, f"{model_id}.json"), "w", encoding="utf-8") as f:
        json.dump(out, f, ensure_ascii=False)
    print(f"{model_id}: golden with {len(out['texts'])} texts")


if __name__ == "__main__":
    main()

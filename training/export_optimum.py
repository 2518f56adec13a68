"""Export a bundled model the way Hugging Face Optimum exports a decoder with a cache, to test the app's
"bring your own model" path against that layout.

    /usr/bin/python3 training/export_optimum.py --model_id=tiny-bpe1k --out_dir=/tmp/tiny-optimum

Writes <out_dir>/{model.onnx, config.json, tokenizer.json, tokenizer_config.json} (with --external=1 also
model.onnx_data, the weights as ONNX external data): model.onnx at the root
(Optimum's layout, not onnx/), with inputs input_ids, attention_mask, position_ids and
past_key_values.{i}.key / .value (batch, heads, past_sequence_length, head_dim), and outputs logits and
present.{i}.key / .value. The past is concatenated in front of the new keys and values in attention, so an
empty past (length 0, what the app feeds) gives exactly the plain model. The weights come from
models/<id>/onnx/model.onnx (read back as recover.py does), so that the numbers can be compared with the
shipped model; --checkpoint=auto takes training/runs/<id>/best.pt instead when it exists. PP_MODELS
redirects models/ (the e2e test exports from the build's copy, dist/models).
"""
import json
import math
import os
import shutil
import sys

from common import MODELS, RUNS, require, set_threads

require("torch", "onnx", "numpy")
import numpy as np  # noqa: E402
import onnx  # noqa: E402
import torch  # noqa: E402
import torch.nn as nn  # noqa: E402
from onnx import numpy_helper  # noqa: E402
from torch.nn import functional as F  # noqa: E402

from model import GPT, GPTConfig  # noqa: E402

# ---- defaults (override with --key=value) ----
model_id = "tiny-bpe1k"  # models/<id>: config.json, tokenizer files, onnx/model.onnx
out_dir = ""  # where to write the Optimum-style folder (required)
checkpoint = "onnx"  # onnx: the shipped onnx/model.onnx (what the app bundles); auto: runs/<id>/best.pt if present
tolerance = 1e-4  # max |logit difference| allowed between the exported graph's PyTorch twin and the GPT
external = 0  # 1: weights in model.onnx_data next to model.onnx (ONNX external data, as exports over 2 GB are)
# ------------------------------------------------
for arg in sys.argv[1:]:
    key, _, val = arg.lstrip("-").partition("=")
    if key not in globals() or key.startswith("_"):
        sys.exit(f"error: unknown option --{key}")
    globals()[key] = type(globals()[key])(val)
if not out_dir:
    sys.exit("error: --out_dir is required")
set_threads()

src_dir = os.path.join(MODELS, model_id)
config = json.load(open(os.path.join(src_dir, "config.json")))
cfg = GPTConfig(vocab_size=config["vocab_size"], n_positions=config["n_positions"], n_layer=config["n_layer"],
                n_head=config["n_head"], n_embd=config["n_embd"])
gpt = GPT(cfg).eval()

best = os.path.join(RUNS, model_id, "best.pt")
if checkpoint == "auto" and os.path.exists(best):
    gpt.load_state_dict(torch.load(best, map_location="cpu")["model"])
    source = best
else:
    # as recover.py: Linear weights were folded into MatMul initializers, stored transposed
    m = onnx.load(os.path.join(src_dir, "onnx", "model.onnx"))
    inits = {i.name: numpy_helper.to_array(i) for i in m.graph.initializer}
    for node in m.graph.node:
        if node.op_type == "MatMul" and node.input[1] in inits:
            module = node.name.strip("/").rsplit("/", 1)[0].replace("/", ".")
            if module:
                inits[f"{module}.weight"] = inits.pop(node.input[1]).T
    gpt.load_state_dict({k: torch.from_numpy(np.ascontiguousarray(inits[k])) for k in gpt.state_dict()})
    source = os.path.join(src_dir, "onnx", "model.onnx")


class OptimumGPT(nn.Module):
    """The same weights, called as Optimum's decoder-with-past: explicit positions, a key/value cache."""

    def __init__(self, gpt: GPT):
        super().__init__()
        self.gpt = gpt
        self.n_head = gpt.cfg.n_head

    def forward(self, input_ids, attention_mask, position_ids, *past):
        # input_ids, position_ids: (B, T); attention_mask: (B, P + T); past: 2 x n_layer of (B, nh, P, hs)
        g = self.gpt
        B, T = input_ids.shape
        x = g.wte(input_ids) + g.wpe(position_ids)  # (B, T, C)
        presents = []
        for layer, block in enumerate(g.h):
            a = block.attn
            h = block.ln_1(x)
            C = h.shape[-1]
            hs = C // self.n_head
            q, k, v = a.c_attn(h).split(C, dim=2)
            q = q.view(B, T, self.n_head, hs).transpose(1, 2)  # (B, nh, T, hs)
            k = torch.cat([past[2 * layer], k.view(B, T, self.n_head, hs).transpose(1, 2)], dim=2)  # (B, nh, P+T, hs)
            v = torch.cat([past[2 * layer + 1], v.view(B, T, self.n_head, hs).transpose(1, 2)], dim=2)
            presents += [k, v]
            S = k.shape[2]
            att = (q @ k.transpose(-2, -1)) * (1.0 / math.sqrt(hs))  # (B, nh, T, P+T)
            # query i sits at absolute position P + i and may see keys 0 .. P + i
            qi = torch.arange(T, device=x.device).view(1, 1, T, 1) + (S - T)
            kj = torch.arange(S, device=x.device).view(1, 1, 1, S)
            allowed = (qi >= kj) & (attention_mask.view(B, 1, 1, S) > 0)
            att = F.softmax(att.masked_fill(~allowed, -1e9), dim=-1)
            y = (att @ v).transpose(1, 2).reshape(B, T, C)
            x = x + a.c_proj(y)
            x = x + block.mlp(block.ln_2(x))
        logits = g.ln_f(x) @ g.wte.weight.t()  # (B, T, V)
        return (logits, *presents)


wrapped = OptimumGPT(gpt).eval()
hs = cfg.n_embd // cfg.n_head
past_names = [f"past_key_values.{i}.{kv}" for i in range(cfg.n_layer) for kv in ("key", "value")]
present_names = [f"present.{i}.{kv}" for i in range(cfg.n_layer) for kv in ("key", "value")]

# the check: with an empty past the wrapper is the GPT, logit for logit
torch.manual_seed(0)
ids = torch.randint(0, cfg.vocab_size, (1, 40))
empty = [torch.zeros(1, cfg.n_head, 0, hs) for _ in past_names]
with torch.no_grad():
    want = gpt(ids)
    got = wrapped(ids, torch.ones_like(ids), torch.arange(40).view(1, 40), *empty)[0]
diff = (want - got).abs().max().item()
assert diff <= tolerance, f"the Optimum-style graph differs from the GPT by {diff}"

os.makedirs(out_dir, exist_ok=True)
# traced with a non-empty past so that the concatenation and the offsets stay symbolic in the graph
P, T = 3, 5
example = (torch.randint(0, cfg.vocab_size, (1, T)), torch.ones(1, P + T, dtype=torch.long),
           torch.arange(P, P + T).view(1, T), *[torch.randn(1, cfg.n_head, P, hs) for _ in past_names])
dynamic = {"input_ids": {0: "batch_size", 1: "sequence_length"},
           "attention_mask": {0: "batch_size", 1: "past_sequence_length + sequence_length"},
           "position_ids": {0: "batch_size", 1: "sequence_length"},
           "logits": {0: "batch_size", 1: "sequence_length"}}
for name in past_names:
    dynamic[name] = {0: "batch_size", 2: "past_sequence_length"}
for name in present_names:
    dynamic[name] = {0: "batch_size", 2: "past_sequence_length + sequence_length"}
path = os.path.join(out_dir, "model.onnx")
torch.onnx.export(wrapped, example, path, input_names=["input_ids", "attention_mask", "position_ids", *past_names],
                  output_names=["logits", *present_names], dynamic_axes=dynamic, opset_version=17,
                  do_constant_folding=True)
onnx.checker.check_model(onnx.load(path))
if external:
    # the layout of large exports: the graph in model.onnx, every tensor over 1 kB in model.onnx_data
    proto = onnx.load(path)
    onnx.save_model(proto, path, save_as_external_data=True, all_tensors_to_one_file=True,
                    location="model.onnx_data", size_threshold=1024)
    onnx.checker.check_model(path)

cfg_out = dict(config, use_cache=True, architectures=["GPT2LMHeadModel-style (Optimum-style export with past)"])
json.dump(cfg_out, open(os.path.join(out_dir, "config.json"), "w"), indent=2)
for name in ("tokenizer.json", "tokenizer_config.json"):
    if os.path.exists(os.path.join(src_dir, name)):
        shutil.copy(os.path.join(src_dir, name), os.path.join(out_dir, name))
print(f"{model_id}: wrote {path} ({os.path.getsize(path)} bytes) from {source}; "
      f"inputs input_ids, attention_mask, position_ids, {len(past_names)} past; max |diff| {diff:.2e}")

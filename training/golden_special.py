"""Add the special-token golden texts to test/fixtures/golden/<id>.json, from the shipped weights.

    /usr/bin/python3 training/golden_special.py [--models=tiny-byte,tiny-bpe1k,tiny-bpe8k,tiny-overfit]

Text the user types is text: a literal "<|endoftext|>" in it is encoded as its characters by default (the
app's and the CLI's default, llama.cpp without --parse-special), and as the special token only on request.
The existing golden text "tricky:control-token-literal" was made with the special token read (ByteBPE.encode
splits on it): it is marked "parse_special": true. This adds "special:plain-endoftext", encoded by the
training tokenizer with no special tokens (ByteBPE.encode(text, special=False)) and scored by a float64
PyTorch forward of the weights read back from onnx/model.onnx (as recover.py does, without its re-export
check), so the reference does not come from the TypeScript code it checks.
"""
import json
import os
import sys

from common import GOLDEN, MODELS, require, set_threads

require("torch", "onnx", "numpy")
import numpy as np  # noqa: E402
import onnx  # noqa: E402
import torch  # noqa: E402
from onnx import numpy_helper  # noqa: E402

from bpe import PLAIN_SPECIAL_TEXT, ByteBPE  # noqa: E402
from evaluate import score_ids, totals  # noqa: E402
from model import GPT, GPTConfig  # noqa: E402

models = "tiny-byte,tiny-bpe1k,tiny-bpe8k,tiny-overfit"
for arg in sys.argv[1:]:
    key, val = arg.lstrip("-").split("=", 1)
    assert key in globals(), f"unknown option --{key}"
    globals()[key] = type(globals()[key])(val)
set_threads()

PLAIN_TEXT = PLAIN_SPECIAL_TEXT


def gpt_from_onnx(model_id):
    config = json.load(open(os.path.join(MODELS, model_id, "config.json")))
    cfg = GPTConfig(vocab_size=config["vocab_size"], n_positions=config["n_positions"], n_layer=config["n_layer"],
                    n_head=config["n_head"], n_embd=config["n_embd"])
    model = GPT(cfg).eval()
    m = onnx.load(os.path.join(MODELS, model_id, "onnx", "model.onnx"))
    inits = {i.name: numpy_helper.to_array(i) for i in m.graph.initializer}
    for node in m.graph.node:  # MatMul initializers are Linear weights, transposed, named by the node
        if node.op_type == "MatMul" and node.input[1] in inits:
            module = node.name.strip("/").rsplit("/", 1)[0].replace("/", ".")
            if module:
                inits[f"{module}.weight"] = inits.pop(node.input[1]).T
    model.load_state_dict({k: torch.from_numpy(np.ascontiguousarray(inits[k])) for k in model.state_dict()})
    return model.double().eval(), config


for model_id in models.split(","):
    path = os.path.join(GOLDEN, f"{model_id}.json")
    golden = json.load(open(path, encoding="utf-8"))
    model, config = gpt_from_onnx(model_id)
    tok = ByteBPE.load(os.path.join(MODELS, config.get("tokenizer", model_id)))
    for t in golden["texts"]:
        if "<|endoftext|>" in t["text"] and t["name"] != "special:plain-endoftext":
            assert tok.eot_id in t["ids"], t["name"]
            t["parse_special"] = True
    golden["texts"] = [t for t in golden["texts"] if t["name"] != "special:plain-endoftext"]
    ids = tok.encode(PLAIN_TEXT, special=False)
    assert tok.eot_id not in ids
    stride = golden["n_ctx"] // 2
    r = score_ids(model, [tok.eot_id] + ids, golden["n_ctx"], stride, k=golden.get("k", 5), dtype=torch.float64)
    golden["texts"].append({"name": "special:plain-endoftext", "text": PLAIN_TEXT, "stride": stride, "ids": ids,
                            "logprob": r["logprob"], "rank": r["rank"], "entropy": r["entropy"], "top_ids": r["top_ids"],
                            "top_logprobs": r["top_logprobs"], "totals": totals(PLAIN_TEXT, r["logprob"])})
    with open(path, "w", encoding="utf-8") as f:
        json.dump(golden, f, ensure_ascii=False)
    print(f"{model_id}: special:plain-endoftext, {len(ids)} tokens, {-sum(r['logprob']) / len(ids):.4f} nats/token")

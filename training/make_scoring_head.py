"""Build the WebGPU scoring head: a tiny ONNX graph that turns a window's logits into per-position
statistics on the GPU, so that only O(seq x k) numbers come back instead of the (seq x vocab) logits.

    python3 training/make_scoring_head.py            # writes public/scoring-head.onnx
    python3 training/make_scoring_head.py --logits float16   # public/scoring-head-f16.onnx

The float16 variant (fp16, q4f16 exports) takes the model's float16 logits as they are and casts the
wanted rows to float32 on the GPU first; everything after the Cast is the float32 graph, so a float16
model's statistics are those of its logits, exactly widened.

Inputs
    logits     float32 (B, T, V)  the model session's output, left on the GPU ('gpu-buffer')
    first_row  int64   (1,)       the first logits row wanted (WindowRequest.from); rows first_row .. T-2
                                  are scored, N = T - 1 - first_row of them (the last row predicts past
                                  the window)
    targets    int64   (B, N)     the id each wanted row predicts (row r predicts ids[r + 1])
    k          int64   (1,)       how many alternatives to return, 1 <= k <= V
Outputs, for the N wanted rows only
    target_logprob  float32 (B, N)     log p(target), nats
    rank            float32 (B, N)     1 + number of logits strictly greater than the target's
    entropy         float32 (B, N)     entropy of the predicted distribution, nats
    top_logprobs    float32 (B, N, k)  most likely first
    top_ids         int32   (B, N, k)

Every dimension is symbolic, so one file serves every vocabulary. Log-softmax is spelled out as
ReduceMax, Sub, Exp, ReduceSum, Log: onnxruntime-web runs the LogSoftmax operator on the CPU (a hidden
copy of all logits), and a head built on it returned wrong ranks on the JSEP builds.
Opset 17, so that python3-onnx 1.12 (Debian) can check it.
"""
import argparse
import os

from common import ROOT, require

require("onnx")

import onnx  # noqa: E402
from onnx import TensorProto, helper  # noqa: E402

OPSET = 17


def build_head(logits_type=TensorProto.FLOAT):
    const = lambda name, vals: helper.make_node(  # noqa: E731
        "Constant", [], [name], value=helper.make_tensor(name + "_value", TensorProto.INT64, [len(vals)], vals)
    )
    nodes = [
        const("last_axis", [-1]),
        const("seq_axis", [1]),
        # only the wanted rows: first_row .. T-2 (end -1 is exclusive and counts from the end)
        helper.make_node(
            "Slice",
            ["logits", "first_row", "last_axis", "seq_axis"],
            ["rows" if logits_type == TensorProto.FLOAT else "rows_half"],
        ),  # (B, N, V)
    ]
    if logits_type != TensorProto.FLOAT:
        nodes.append(helper.make_node("Cast", ["rows_half"], ["rows"], to=TensorProto.FLOAT))  # exact widening
    nodes += [
        # log-softmax over the vocabulary, shapes (B, N, V) unless noted
        helper.make_node("ReduceMax", ["rows"], ["row_max"], axes=[-1], keepdims=1),  # (B, N, 1)
        helper.make_node("Sub", ["rows", "row_max"], ["shifted"]),  # logits - max, <= 0
        helper.make_node("Exp", ["shifted"], ["exp_shifted"]),
        helper.make_node("ReduceSum", ["exp_shifted", "last_axis"], ["sum_exp"], keepdims=1),  # (B, N, 1)
        helper.make_node("Log", ["sum_exp"], ["log_sum_exp"]),  # (B, N, 1)
        helper.make_node("Sub", ["shifted", "log_sum_exp"], ["logprobs"]),
        # the target's logit and log-probability
        helper.make_node("Unsqueeze", ["targets", "last_axis"], ["target_index"]),  # (B, N, 1)
        helper.make_node("GatherElements", ["rows", "target_index"], ["target_logit"], axis=-1),  # (B, N, 1)
        helper.make_node("GatherElements", ["logprobs", "target_index"], ["target_logprob_3d"], axis=-1),
        helper.make_node("Squeeze", ["target_logprob_3d", "last_axis"], ["target_logprob"]),  # (B, N)
        # rank = 1 + #(logit > target logit); compared on the raw logits so ties stay exact
        helper.make_node("Greater", ["rows", "target_logit"], ["is_greater"]),  # bool (B, N, V)
        helper.make_node("Cast", ["is_greater"], ["is_greater_f"], to=TensorProto.FLOAT),
        helper.make_node("ReduceSum", ["is_greater_f", "last_axis"], ["n_greater"], keepdims=0),  # (B, N)
        helper.make_node(
            "Constant", [], ["one"], value=helper.make_tensor("one_value", TensorProto.FLOAT, [], [1.0])
        ),
        helper.make_node("Add", ["n_greater", "one"], ["rank"]),
        # entropy = -sum p log p, with p = exp(logprobs)
        helper.make_node("Exp", ["logprobs"], ["probs"]),
        helper.make_node("Mul", ["probs", "logprobs"], ["p_log_p"]),
        helper.make_node("ReduceSum", ["p_log_p", "last_axis"], ["neg_entropy"], keepdims=0),  # (B, N)
        helper.make_node("Neg", ["neg_entropy"], ["entropy"]),
        # the k most likely tokens
        helper.make_node(
            "TopK", ["logprobs", "k"], ["top_logprobs", "top_ids_64"], axis=-1, largest=1, sorted=1
        ),  # (B, N, k)
        helper.make_node("Cast", ["top_ids_64"], ["top_ids"], to=TensorProto.INT32),
    ]
    inputs = [
        helper.make_tensor_value_info("logits", logits_type, ["batch", "seq", "vocab"]),
        helper.make_tensor_value_info("first_row", TensorProto.INT64, [1]),
        helper.make_tensor_value_info("targets", TensorProto.INT64, ["batch", "rows"]),
        helper.make_tensor_value_info("k", TensorProto.INT64, [1]),
    ]
    outputs = [
        helper.make_tensor_value_info("target_logprob", TensorProto.FLOAT, ["batch", "rows"]),
        helper.make_tensor_value_info("rank", TensorProto.FLOAT, ["batch", "rows"]),
        helper.make_tensor_value_info("entropy", TensorProto.FLOAT, ["batch", "rows"]),
        helper.make_tensor_value_info("top_logprobs", TensorProto.FLOAT, ["batch", "rows", "top_k"]),
        helper.make_tensor_value_info("top_ids", TensorProto.INT32, ["batch", "rows", "top_k"]),
    ]
    graph = helper.make_graph(nodes, "scoring_head", inputs, outputs)
    model = helper.make_model(
        graph,
        opset_imports=[helper.make_opsetid("", OPSET)],
        producer_name="perplexity-playground/make_scoring_head.py",
    )
    model.ir_version = 8  # the IR of opset 17; keeps older runtimes happy
    onnx.checker.check_model(model, full_check=True)
    return model


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--logits", choices=["float32", "float16"], default="float32")
    ap.add_argument("--out", default=None)
    args = ap.parse_args()
    half = args.logits == "float16"
    name = "scoring-head-f16.onnx" if half else "scoring-head.onnx"
    args.out = args.out or os.path.join(ROOT, "public", name)
    model = build_head(TensorProto.FLOAT16 if half else TensorProto.FLOAT)
    os.makedirs(os.path.dirname(args.out), exist_ok=True)
    onnx.save(model, args.out)
    print(f"wrote {args.out} ({os.path.getsize(args.out)} bytes, opset {OPSET})")


if __name__ == "__main__":
    main()

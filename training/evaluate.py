"""Scoring under the DESIGN.md semantics, in PyTorch: the reference the app is checked against.

BOS (<|endoftext|>) is prepended, so every token of the text is scored. Window w covers
[w*stride, min(w*stride + n_ctx, N)) of the sequence S (BOS included); position p >= 1 is scored in the
first window whose end is past p, from that window's logits row p - start - 1.
"""
import math

import torch
from torch.nn import functional as F


def plan_windows(n, n_ctx, stride):
    """[(start, end, first_scored_position)] covering positions 1..n-1 exactly once."""
    if not (1 <= stride <= n_ctx - 1):
        raise ValueError(f"stride {stride} outside [1, {n_ctx - 1}]")
    out, scored_to = [], 1  # next position to score
    w = 0
    while scored_to < n:
        start = w * stride
        end = min(start + n_ctx, n)
        if end > scored_to:
            out.append((start, end, scored_to))
            scored_to = end
        w += 1
    return out


@torch.no_grad()
def score_ids(model, seq, n_ctx, stride, k=0, dtype=torch.float32, batch=16):
    """Per-position stats for positions 1..len(seq)-1 of seq (BOS first).

    Returns dict of lists: logprob, rank, entropy (float64 maths on the logits), and top ids/logprobs if k.
    """
    n = len(seq)
    windows = plan_windows(n, n_ctx, stride)
    res = {"logprob": [0.0] * (n - 1), "rank": [0] * (n - 1), "entropy": [0.0] * (n - 1)}
    if k:
        res["top_ids"], res["top_logprobs"] = [None] * (n - 1), [None] * (n - 1)
    seq_t = torch.tensor(seq, dtype=torch.long)
    # group windows of equal length so they run as one batch
    groups = {}
    for w in windows:
        groups.setdefault(w[1] - w[0], []).append(w)
    for length, ws in groups.items():
        for b in range(0, len(ws), batch):
            chunk = ws[b : b + batch]
            x = torch.stack([seq_t[s:e] for s, e, _ in chunk])  # (B, L)
            logits = model(x).to(torch.float64)  # (B, L, V)
            logp = F.log_softmax(logits, dim=-1)
            for j, (s, e, first) in enumerate(chunk):
                rows = torch.arange(first - s - 1, e - s - 1)  # rows predicting positions first..e-1
                lp = logp[j, rows]  # (n, V)
                tgt = seq_t[first:e]
                t_lp = lp.gather(1, tgt.view(-1, 1)).squeeze(1)
                rank = (lp > t_lp.view(-1, 1)).sum(1) + 1
                ent = -(lp.exp() * lp).sum(1)
                for i, p in enumerate(range(first, e)):
                    res["logprob"][p - 1] = t_lp[i].item()
                    res["rank"][p - 1] = int(rank[i].item())
                    res["entropy"][p - 1] = ent[i].item()
                if k:
                    tv, ti = lp.topk(k, dim=1)
                    for i, p in enumerate(range(first, e)):
                        res["top_ids"][p - 1] = ti[i].tolist()
                        res["top_logprobs"][p - 1] = tv[i].tolist()
    return res


def totals(text, logprobs):
    """The DESIGN.md totals of a fully scored text (BOS present)."""
    nats = float(sum(logprobs)) * -1.0
    n = len(logprobs)
    nbytes = len(text.encode("utf-8"))
    chars = len(text)  # Python str length = code points
    words = len(text.split())
    t = {
        "tokens": n,
        "tokens_scored": n,
        "nats_total": nats,
        "nats_per_token": nats / n if n else None,
        "bits_per_token": nats / n / math.log(2) if n else None,
        "ppl": math.exp(nats / n) if n else None,
        "bytes": nbytes,
        "bits_per_byte": nats / math.log(2) / nbytes if nbytes else None,
        "chars": chars,
        "bits_per_char": nats / math.log(2) / chars if chars else None,
        "words": words,
        "word_ppl": math.exp(nats / words) if words else None,
    }
    return t


def split_loss(model, tok, docs, n_ctx, stride, dtype=torch.float32):
    """Nats over every token of every document (each scored alone, BOS first), and its bytes."""
    nats, ntok, nbytes = 0.0, 0, 0
    for d in docs:
        ids = [tok.eot_id] + tok.encode(d["text"])
        r = score_ids(model, ids, n_ctx, stride)
        nats -= sum(r["logprob"])
        ntok += len(ids) - 1
        nbytes += len(d["text"].encode("utf-8"))
    return {"nats": nats, "tokens": ntok, "bytes": nbytes, "nats_per_token": nats / ntok,
            "ppl": math.exp(nats / ntok), "bits_per_byte": nats / math.log(2) / nbytes,
            "bytes_per_token": nbytes / ntok}

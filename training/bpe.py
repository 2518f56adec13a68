"""Byte-level BPE (GPT-2 style): training, encoding, and the Hugging Face tokenizer.json it saves.

Ids: 0..255 are the bytes (id = byte value), then one id per merge in merge order, then <|endoftext|>.
Encoding follows the Hugging Face BPE model exactly: the GPT-2 pre-tokenizer regex, bytes mapped to
printable characters, then merges applied lowest rank first.
"""
import heapq
import json
import os
from collections import Counter, defaultdict

import regex

from common import EOT

# The GPT-2 pattern that the Hugging Face ByteLevel pre-tokenizer uses with use_regex: true.
PAT = regex.compile(r"""'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+""")


def bytes_to_unicode():
    """GPT-2's reversible map from bytes to printable unicode characters (no spaces or controls)."""
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(range(ord("®"), ord("ÿ") + 1))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return dict(zip(bs, map(chr, cs)))


BYTE_CHAR = bytes_to_unicode()


def count_words(texts):
    """Pre-token frequencies over the training texts (bytes of each pre-token)."""
    c = Counter()
    for t in texts:
        c.update(PAT.findall(t))
    return Counter({w.encode("utf-8"): n for w, n in c.items()})


def train(word_counts, n_merges):
    """Learn n_merges merges. Ties between equally frequent pairs go to the smallest (id, id) pair.

    Incremental: pair counts and a pair -> words index are updated only for words that contain the merged
    pair, and a lazy max-heap finds the most frequent pair.
    """
    words = [list(w) for w in word_counts]
    freqs = list(word_counts.values())
    pair_count = defaultdict(int)
    where = defaultdict(set)
    for i, w in enumerate(words):
        for a, b in zip(w, w[1:]):
            pair_count[(a, b)] += freqs[i]
            where[(a, b)].add(i)
    heap = [(-n, p) for p, n in pair_count.items()]
    heapq.heapify(heap)
    merges = []
    next_id = 256
    while len(merges) < n_merges and heap:
        neg, pair = heapq.heappop(heap)
        if pair_count.get(pair, 0) != -neg or -neg <= 0:
            continue  # stale heap entry
        merges.append(pair)
        new = next_id
        next_id += 1
        changed = set()
        for i in list(where[pair]):
            w, f = words[i], freqs[i]
            for a, b in zip(w, w[1:]):
                pair_count[(a, b)] -= f
                changed.add((a, b))
                where[(a, b)].discard(i)
            out, j = [], 0
            while j < len(w):
                if j + 1 < len(w) and w[j] == pair[0] and w[j + 1] == pair[1]:
                    out.append(new)
                    j += 2
                else:
                    out.append(w[j])
                    j += 1
            words[i] = out
            for a, b in zip(out, out[1:]):
                pair_count[(a, b)] += f
                changed.add((a, b))
                where[(a, b)].add(i)
        for p in changed:
            n = pair_count[p]
            if n > 0:
                heapq.heappush(heap, (-n, p))
            else:
                pair_count.pop(p, None)
                where.pop(p, None)
    return merges


# A text with special-token strings that the golden files score as plain text (issue 17: 200 copies of
# <|endoftext|> scored as 200 special tokens at 0.25 bits/byte, with no word of it)
PLAIN_SPECIAL_TEXT = "Call me Ishmael.<|endoftext|> Some years ago<|endoftext|><|endoftext|>never mind how long. <|endoftext"


class ByteBPE:
    def __init__(self, merges):
        self.merges = [tuple(m) for m in merges]
        self.token_bytes = [bytes([b]) for b in range(256)]
        for a, b in self.merges:
            self.token_bytes.append(self.token_bytes[a] + self.token_bytes[b])
        self.rank = {p: r for r, p in enumerate(self.merges)}
        self.eot_id = len(self.token_bytes)
        self.vocab_size = self.eot_id + 1
        self.cache = {}

    def _bpe(self, piece):
        ids = self.cache.get(piece)
        if ids is not None:
            return ids
        ids = list(piece)
        while len(ids) > 1:
            best, at = None, -1
            for k in range(len(ids) - 1):
                r = self.rank.get((ids[k], ids[k + 1]))
                if r is not None and (best is None or r < best):
                    best, at = r, k
            if best is None:
                break
            # merge every occurrence of the best pair, left to right (as the HF BPE model does)
            pair, new, out, k = self.merges[best], 256 + best, [], 0
            while k < len(ids):
                if k + 1 < len(ids) and ids[k] == pair[0] and ids[k + 1] == pair[1]:
                    out.append(new)
                    k += 2
                else:
                    out.append(ids[k])
                    k += 1
            ids = out
        self.cache[piece] = ids
        return ids

    def encode(self, text, special=True):
        """Ids of text; a literal <|endoftext|> is the special token (as the HF added token is), or with
        special=False its characters (as the app encodes the user's text by default)."""
        out = []
        for n, chunk in enumerate(text.split(EOT) if special else [text]):
            if n:
                out.append(self.eot_id)
            for piece in PAT.findall(chunk):
                out.extend(self._bpe(piece.encode("utf-8")))
        return out

    def token_str(self, i):
        return EOT if i == self.eot_id else "".join(BYTE_CHAR[b] for b in self.token_bytes[i])

    def save(self, folder, model_max_length):
        vocab = {self.token_str(i): i for i in range(self.eot_id)}
        merges = [f"{self.token_str(a)} {self.token_str(b)}" for a, b in self.merges]
        byte_level = {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": True, "use_regex": True}
        tok = {
            "version": "1.0",
            "truncation": None,
            "padding": None,
            "added_tokens": [
                {"id": self.eot_id, "content": EOT, "single_word": False, "lstrip": False, "rstrip": False,
                 "normalized": True, "special": True}
            ],
            "normalizer": None,
            "pre_tokenizer": byte_level,
            "post_processor": {**byte_level, "trim_offsets": False},
            "decoder": byte_level,
            "model": {"type": "BPE", "dropout": None, "unk_token": None, "continuing_subword_prefix": "",
                      "end_of_word_suffix": "", "fuse_unk": False, "byte_fallback": False, "ignore_merges": False,
                      "vocab": vocab, "merges": merges},
        }
        with open(os.path.join(folder, "tokenizer.json"), "w", encoding="utf-8") as f:
            json.dump(tok, f, ensure_ascii=False, indent=None, separators=(",", ":"))
        cfg = {"tokenizer_class": "GPT2Tokenizer", "bos_token": EOT, "eos_token": EOT, "unk_token": EOT,
               "add_bos_token": False, "model_max_length": model_max_length, "clean_up_tokenization_spaces": False}
        with open(os.path.join(folder, "tokenizer_config.json"), "w", encoding="utf-8") as f:
            json.dump(cfg, f, indent=2)

    @classmethod
    def load(cls, folder):
        """Rebuild from a saved tokenizer.json (merges give the ids back in order)."""
        tok = json.load(open(os.path.join(folder, "tokenizer.json"), encoding="utf-8"))
        char_byte = {c: b for b, c in BYTE_CHAR.items()}
        vocab = tok["model"]["vocab"]
        merges = []
        for m in tok["model"]["merges"]:
            a, b = m.split(" ") if isinstance(m, str) else m
            merges.append((vocab[a], vocab[b]))
        self = cls(merges)
        for s, i in vocab.items():  # sanity: ids agree with the bytes they stand for
            assert bytes(char_byte[c] for c in s) == self.token_bytes[i], s
        return self

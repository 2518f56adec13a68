"""Move run folders between machines as plain NumPy files (no pickles, any torch version on either side).

    python3 training/ckpt_npz.py pack OUT_DIR ID...     # runs/<id>/{best,snapshot_*}.pt -> OUT_DIR/<id>.<name>.npz
    /usr/bin/python3 training/ckpt_npz.py unpack IN_DIR  # IN_DIR/<id>.<name>.npz -> runs/<id>/<name>.pt
                                                         # IN_DIR/logs.tar.gz -> runs/<id>/meta.json,
                                                         #   models/<id>/training_log.csv, runs/gpu-logs/

Used to bring back models trained on a lent GPU (gpu_train.sh), whose torch is newer than Debian's.
"""
import glob
import json
import os
import sys
import tarfile

from common import MODELS, RUNS, require

require("torch")
import numpy as np  # noqa: E402
import torch  # noqa: E402


def pack(out_dir, ids):
    os.makedirs(out_dir, exist_ok=True)
    for mid in ids:
        for path in sorted(glob.glob(os.path.join(RUNS, mid, "*.pt"))):
            name = os.path.basename(path)[:-3]
            if name == "final":  # export uses best; final is only the last step's copy
                continue
            ck = torch.load(path, map_location="cpu")
            arrays = {f"w:{k}": v.numpy() for k, v in ck["model"].items()}
            info = {k: v for k, v in ck.items() if k != "model"}
            np.savez(os.path.join(out_dir, f"{mid}.{name}.npz"), __info__=np.array(json.dumps(info)), **arrays)
            print(f"packed {mid}/{name}: {len(arrays)} tensors, {info}")


def unpack(in_dir):
    for path in sorted(glob.glob(os.path.join(in_dir, "*.npz"))):
        mid, name = os.path.basename(path)[:-4].split(".", 1)
        z = np.load(path, allow_pickle=False)
        info = json.loads(str(z["__info__"]))
        state = {k[2:]: torch.from_numpy(z[k].copy()) for k in z.files if k.startswith("w:")}
        os.makedirs(os.path.join(RUNS, mid), exist_ok=True)
        torch.save({"model": state, **info}, os.path.join(RUNS, mid, f"{name}.pt"))
        print(f"unpacked {mid}/{name}: {len(state)} tensors, {info}")
    logs = os.path.join(in_dir, "logs.tar.gz")
    if os.path.exists(logs):
        with tarfile.open(logs) as tar:
            for m in tar.getmembers():
                if not m.isfile():
                    continue
                parts = m.name.split("/")
                if parts[0] == "logs" and len(parts) == 2:
                    dest = os.path.join(RUNS, "gpu-logs", parts[1])
                elif len(parts) == 2 and parts[1] == "meta.json":
                    dest = os.path.join(RUNS, parts[0], "meta.json")
                elif len(parts) == 2 and parts[1] == "training_log.csv":
                    dest = os.path.join(MODELS, parts[0], "training_log.csv")
                else:
                    continue
                os.makedirs(os.path.dirname(dest), exist_ok=True)
                with open(dest, "wb") as f:
                    f.write(tar.extractfile(m).read())
                print(f"unpacked {m.name} -> {os.path.relpath(dest)}")


if __name__ == "__main__":
    if len(sys.argv) >= 3 and sys.argv[1] == "pack":
        pack(sys.argv[2], sys.argv[3:])
    elif len(sys.argv) == 3 and sys.argv[1] == "unpack":
        unpack(sys.argv[2])
    else:
        sys.exit(__doc__)

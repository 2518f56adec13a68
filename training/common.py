"""Shared paths, the dependency check, and small helpers."""
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TRAINING = os.path.join(ROOT, "training")
# Each can be redirected (the CI smoke test writes everything under a temporary folder).
DATA = os.environ.get("PP_DATA", os.path.join(TRAINING, "data"))  # corpus and token caches: never committed
RUNS = os.environ.get("PP_RUNS", os.path.join(TRAINING, "runs"))  # checkpoints and snapshots: never committed
MODELS = os.environ.get("PP_MODELS", os.path.join(ROOT, "models"))
FIXTURES = os.path.join(ROOT, "test", "fixtures")  # read: the shared tricky strings
GOLDEN = os.environ.get("PP_GOLDEN", os.path.join(FIXTURES, "golden"))

EOT = "<|endoftext|>"
INSTALL = "sudo apt-get install -y python3-torch python3-onnx python3-regex libopenblas0-pthread"


def require(*modules):
    """Import-check the Debian packages this pipeline runs on, with the command that installs them."""
    missing = []
    for m in modules:
        try:
            __import__(m)
        except ImportError:
            missing.append(m)
    if missing:
        sys.exit(
            f"error: missing Python module(s): {', '.join(missing)}.\n"
            f"Run the training scripts with Debian's /usr/bin/python3 and install:\n  {INSTALL}"
        )


def set_threads():
    """Small matrices on 2 cores: OpenBLAS at 2 threads and torch at 1 thread was fastest here."""
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "2")
    import torch

    torch.set_num_threads(int(os.environ.get("TORCH_THREADS", "1")))

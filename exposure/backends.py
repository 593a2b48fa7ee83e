"""Embedding backends: PyTorch (the default) and ONNX Runtime, optionally int8-quantised.

The ONNX backend runs the same sentence-transformers model (transformer -> mean pooling ->
L2 normalisation) through ONNX Runtime. The graph is exported offline from the packaged
weights with ``torch.onnx.export`` -- nothing is downloaded -- and kept under
``<data>/cache/onnx/<model key>/``: ``model.onnx`` (float32) and ``model_int8.onnx``
(dynamic int8 quantisation of the weights with ``onnxruntime.quantization``).

Why not sentence-transformers' own ``backend="onnx"``: it needs ``optimum-onnx``, whose
releases all require transformers < 4.58 while this project runs transformers 5; the
export below needs only ``onnx`` and ``onnxruntime`` (the ``onnx`` extra).

Backends by name (:data:`BACKENDS`): ``torch``, ``onnx``, ``onnx-int8``. :func:`encode`
takes the name; ``torch`` is :func:`exposure.embed.encode` itself, which every cached score
was computed with. The default of ``score-text`` is ``torch``, or ``$EXPOSURE_EMBED_BACKEND``
when set.
"""

from __future__ import annotations

import logging
import os
import warnings
from collections.abc import Callable, Sequence
from functools import cache
from pathlib import Path

import numpy as np

from exposure.config import cache_dir
from exposure.errors import InputError
from exposure.io import atomic_path

BACKENDS = ("torch", "onnx", "onnx-int8")
ENV = "EXPOSURE_EMBED_BACKEND"
OPSET = 17


def default_backend() -> str:
    """``$EXPOSURE_EMBED_BACKEND`` if set, else ``torch``."""
    return check_backend(os.environ.get(ENV) or "torch")


def check_backend(name: str | None) -> str:
    name = name or default_backend()
    if name not in BACKENDS:
        raise InputError(f"the embedding backend must be one of {', '.join(BACKENDS)}; got {name!r}")
    return name


def _need_onnx() -> None:
    try:
        import onnx  # noqa: F401
        import onnxruntime  # noqa: F401
    except ImportError:
        raise InputError("the ONNX backend needs onnx and onnxruntime: pip install -e '.[onnx]'") from None


def encode(texts: Sequence[str], model_path: str | None = None, backend: str = "torch",
           progress: Callable[[int, int], None] | None = None, max_tokens: int | None = None) -> np.ndarray:
    """Embed texts with the bare model of ``backend`` (no cache), L2-normalised, one row each.

    Batches hold at most ``BATCH_SIZE`` texts and, with ``max_tokens``, at most that many padded
    word pieces (a batch is padded to its longest text). A batch's memory follows its padded
    size: 64 texts of 256 word pieces took 294 MB above the model, 16 of them 88 MB. To
    measure them, the texts are tokenized once more: for the corpus's 46,090 distinct texts,
    2.2 s in one thread, as score-text tokenizes, or 1.6 s on the tokenizer's own threads
    (about 1.3% of scoring them).

    >>> encode(["Sort incoming mail."], backend="onnx").shape  # doctest: +SKIP
    (1, 384)
    """
    from exposure.embed import BATCH_SIZE
    from exposure.embed import encode as torch_encode

    if check_backend(backend) == "torch":
        def embed_span(part: Sequence[str]) -> np.ndarray:
            return torch_encode(part, model_path)
    else:
        model = onnx_encoder(model_path, quantize=backend == "onnx-int8")

        def embed_span(part: Sequence[str]) -> np.ndarray:
            return model.encode(list(part), batch_size=BATCH_SIZE)

    n, step = len(texts), BATCH_SIZE * 8
    spans = (token_batches(token_lengths(texts, model_path, backend), max_tokens, BATCH_SIZE) if max_tokens
             else [(start, min(start + step, n)) for start in range(0, n, step)])
    out = []
    for start, stop in spans:
        out.append(embed_span(texts[start:stop]))
        if progress:
            progress(stop, n)
    return np.concatenate(out) if out else embed_span([])


def token_lengths(texts: Sequence[str], model_path: str | None = None, backend: str = "torch") -> list[int]:
    """Word pieces per text as the model reads it: special tokens included, truncated to the
    model's maximum sequence length."""
    if check_backend(backend) == "torch":
        from exposure.embed import load_model

        model = load_model(model_path)
        tokenizer, max_length = model.tokenizer, model.max_seq_length
    else:
        onnx = onnx_encoder(model_path, quantize=backend == "onnx-int8")
        tokenizer, max_length = onnx.tokenizer, onnx.max_length
    if not texts:
        return []
    return [len(ids) for ids in tokenizer(list(texts), truncation=True, max_length=max_length)["input_ids"]]


def token_batches(lengths: Sequence[int], max_tokens: int, max_texts: int) -> list[tuple[int, int]]:
    """Consecutive (start, stop) spans of texts with these token lengths, each of at most
    ``max_texts`` texts and ``max_tokens`` padded tokens (count x longest); a text longer
    than ``max_tokens`` gets a span of its own.

    >>> token_batches([256, 250, 40, 30, 30], max_tokens=512, max_texts=64)
    [(0, 2), (2, 5)]
    """
    spans, start, longest = [], 0, 0
    for i, n in enumerate(lengths):
        wider = max(longest, n)
        if i > start and ((i - start + 1) * wider > max_tokens or i - start == max_texts):
            spans.append((start, i))
            start, wider = i, n
        longest = wider
    if lengths:
        spans.append((start, len(lengths)))
    return spans


def onnx_folder(model_path: str | None = None) -> Path:
    from exposure.embed import model_info

    return cache_dir() / "onnx" / model_info(model_path).key


def export_onnx(model_path: str | None = None, quantize: bool = False) -> Path:
    """The exported ONNX graph of the model's transformer (built once, then cached)."""
    _need_onnx()
    folder = onnx_folder(model_path)
    fp32 = folder / "model.onnx"
    if not fp32.is_file():
        import torch

        from exposure.embed import load_model

        st = load_model(model_path)
        bert = st[0].auto_model.eval()
        names = ["input_ids", "attention_mask", "token_type_ids"]
        sample = st.tokenizer(["Enter data into a computer.", "Sort mail."], padding=True, return_tensors="pt")
        args = tuple(sample[n] for n in names)
        dynamic = {n: {0: "batch", 1: "tokens"} for n in names}
        dynamic["last_hidden_state"] = {0: "batch", 1: "tokens"}

        class Hidden(torch.nn.Module):  # the transformer's token vectors only
            def __init__(self, inner):
                super().__init__()
                self.inner = inner

            def forward(self, input_ids, attention_mask, token_type_ids):
                return self.inner(input_ids=input_ids, attention_mask=attention_mask,
                                  token_type_ids=token_type_ids).last_hidden_state

        with atomic_path(fp32) as tmp, torch.no_grad(), warnings.catch_warnings():
            warnings.simplefilter("ignore")  # tracer notes on shape checks that are constant here
            torch.onnx.export(Hidden(bert), args, str(tmp), input_names=names, output_names=["last_hidden_state"],
                              dynamic_axes=dynamic, opset_version=OPSET, dynamo=False)
    if not quantize:
        return fp32
    int8 = folder / "model_int8.onnx"
    if not int8.is_file():
        from onnxruntime.quantization import QuantType, quantize_dynamic

        root = logging.getLogger()
        level = root.level
        root.setLevel(logging.ERROR)  # quantize_dynamic logs a pre-processing hint on the root logger
        try:
            with atomic_path(int8) as tmp:
                quantize_dynamic(str(fp32), str(tmp), weight_type=QuantType.QInt8)
        finally:
            root.setLevel(level)
    return int8


class OnnxEncoder:
    """Sentence embeddings from the exported graph: the model's own tokenizer (same
    truncation), ONNX Runtime, mean pooling over real tokens, L2 normalisation."""

    def __init__(self, model_path: str | None = None, quantize: bool = False, threads: int | None = None):
        import onnxruntime as ort
        from transformers import AutoTokenizer

        from exposure.embed import model_info

        folder = model_info(model_path).path
        self.tokenizer = AutoTokenizer.from_pretrained(str(folder))
        self.max_length = _max_seq_length(folder)
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads or 0  # 0: ONNX Runtime's default (all cores)
        options.inter_op_num_threads = 1
        options.log_severity_level = 3
        self.session = ort.InferenceSession(str(export_onnx(model_path, quantize)), options,
                                            providers=["CPUExecutionProvider"])
        self.inputs = [i.name for i in self.session.get_inputs()]

    def encode(self, texts: Sequence[str], batch_size: int = 64) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.session.get_outputs()[0].shape[-1]), np.float32)
        out = []
        for start in range(0, len(texts), batch_size):
            tok = self.tokenizer(list(texts[start : start + batch_size]), padding=True, truncation=True,
                                 max_length=self.max_length, return_tensors="np")
            feed = {n: tok[n].astype(np.int64) for n in self.inputs}
            hidden = self.session.run(None, feed)[0]
            mask = tok["attention_mask"][..., None].astype(np.float32)
            pooled = (hidden * mask).sum(axis=1) / np.clip(mask.sum(axis=1), 1e-9, None)
            norm = np.linalg.norm(pooled, axis=1, keepdims=True)
            out.append(pooled / np.clip(norm, 1e-12, None))
        return np.concatenate(out).astype(np.float32)


def _max_seq_length(folder: Path) -> int:
    import json

    config = folder / "sentence_bert_config.json"
    return int(json.loads(config.read_text()).get("max_seq_length", 256)) if config.is_file() else 256


@cache
def onnx_encoder(model_path: str | None = None, quantize: bool = False, threads: int | None = None) -> OnnxEncoder:
    _need_onnx()
    return OnnxEncoder(model_path, quantize, threads)

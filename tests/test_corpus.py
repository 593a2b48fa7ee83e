"""`exposure score-text`: any task texts scored in chunks, one output row per input row, bad
rows reported, resumable, the same output on Ray; and the ONNX embedding backend."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys

import numpy as np
import polars as pl
import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from exposure import corpus
from exposure.cli import cli
from exposure.corpus import STATUSES, classify


def run(*args: str, input: bytes | str | None = None):
    return CliRunner().invoke(cli, list(args), input=input, catch_exceptions=False)


# --- reading and classifying rows (no model) -------------------------------------------------


def test_bad_values_get_a_status_and_a_reason():
    assert classify("Sort incoming mail.") == ("Sort incoming mail.", "ok", None)
    assert classify("   ")[1:] == ("empty", "no text")
    assert classify(None)[1] == "empty"
    assert classify(b"\xff\xfe\x00binary")[1] == "binary"
    assert classify("abc\x00def")[1] == "binary"
    text, status, problem = classify("x" * 2001)
    assert status == "too_long" and "2,001 characters" in problem and text == "x" * 2001  # kept, not lost
    assert classify("x" * 2001, max_chars=5000)[1] == "ok"


@given(st.one_of(st.text(), st.binary(), st.none()))
@settings(max_examples=300, deadline=None)
def test_any_value_gets_exactly_one_known_status(value):
    text, status, problem = classify(value)
    assert status in STATUSES
    assert (problem is None) == (status == "ok")
    if status == "ok":
        assert text.strip() and len(text) <= corpus.MAX_CHARS


def _write_bad_csv(path):
    path.write_bytes(
        b"id,text\n"
        b"1,Sort incoming mail and distribute it to departments.\n"
        b"2,\n"
        b"3,\"Negotiate contracts with suppliers, vendors and clients.\"\n"
        b"4,caf\xe9 \xff\xfe broken bytes\n"
        b"5," + b"long " * 500 + b"\n"
        b"6,Sort incoming mail and distribute it to departments.\n"
        b"7\n"
    )


@given(st.lists(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=30), max_size=40))
@settings(max_examples=60, deadline=None)
def test_every_jsonl_record_becomes_exactly_one_row(tmp_path_factory, values):
    path = tmp_path_factory.mktemp("jsonl") / "in.jsonl"
    lines = [json.dumps({"text": v}) for v in values] or ['{"text": "x"}']
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    src = corpus.open_source(path)
    frames = [f for _, f in corpus.chunks(src, chunk_rows=7)]
    got = pl.concat(frames)
    assert got["row"].to_list() == list(range(len(lines)))
    assert got["text"].to_list() == (values or ["x"])


def test_malformed_records_are_rows_with_a_reason(tmp_path):
    path = tmp_path / "in.jsonl"
    path.write_bytes(b'{"text": "Sort mail."}\n{"text": broken\n{"other": 1}\n\n[1, 2]\n{"text": "caf\xe9"}\n'
                     b'{"text": 42}\n')
    got = pl.concat(f for _, f in corpus.chunks(corpus.open_source(path)))
    assert got["status"].to_list() == ["ok", "unreadable", "missing", "unreadable", "binary", "ok"]
    assert got["text"][-1] == "42"
    csv_path = tmp_path / "in.csv"
    _write_bad_csv(csv_path)
    got = pl.concat(f for _, f in corpus.chunks(corpus.open_source(csv_path), chunk_rows=3))
    assert got["status"].to_list() == ["ok", "empty", "ok", "binary", "too_long", "ok", "missing"]


def test_unusable_input_is_a_one_line_error(tmp_path):
    result = run("score-text", str(tmp_path / "nope.csv"), "-o", str(tmp_path / "out.parquet"))
    assert result.exit_code == 2 and result.output.startswith("Error: no such file")
    two = tmp_path / "two.csv"
    two.write_text("a,b\nx,y\n")
    result = run("score-text", str(two), "-o", str(tmp_path / "out.parquet"))
    assert result.exit_code == 2 and "which column holds the texts? Use --column; columns: a, b" in result.output
    result = run("score-text", str(two), "--column", "a", "-o", str(tmp_path / "out.parquet"), "--address", "x:1")
    assert result.exit_code == 2 and "--address needs --engine ray" in result.output
    assert not (tmp_path / "out.parquet").exists()


# --- scoring (the real fitted text model) ------------------------------------------------------


@pytest.mark.slow
def test_score_text_scores_every_good_row_and_keeps_every_bad_one(scored, tmp_path):
    from exposure.scoring.pipeline import score_text

    src, target = tmp_path / "ads.csv", tmp_path / "scored.parquet"
    _write_bad_csv(src)
    result = run("score-text", str(src), "-o", str(target))
    assert result.exit_code == 0, result.output
    assert "row 1: empty: no text" in result.output and "row 4: too_long" in result.output
    assert "wrote 7 rows" in result.output and "3 ok, 1 empty, 1 binary, 1 too_long, 1 missing" in result.output
    df = pl.read_parquet(target)
    assert df["row"].to_list() == list(range(7))
    assert df["status"].to_list() == ["ok", "empty", "ok", "binary", "too_long", "ok", "missing"]
    ok = df.filter(pl.col("status") == "ok")
    assert ok["offshorability"].null_count() == 0 and df["offshorability"].null_count() == 4
    # the same scores as the library's score_text gives these texts
    want = score_text(ok["text"].to_list())
    for c in ("routinizability", "place_boundness", "offshorability", "offshorability_lo", "offshorability_hi"):
        assert np.abs(ok[c].to_numpy() - want[c].to_numpy()).max() <= 1e-4, c
    assert ok["evidence"].to_list() == want["evidence"].to_list()
    # sorting mail is more routine than negotiating contracts
    assert ok["routinizability"][0] > ok["routinizability"][1]
    manifest = json.loads((tmp_path / "scored.parquet.manifest.json").read_text())
    assert manifest["status_counts"] == {"ok": 3, "empty": 1, "binary": 1, "too_long": 1, "missing": 1,
                                         "unreadable": 0}
    assert manifest["rows"] == 7 and manifest["backend"] == "torch" and manifest["column"] == "text"
    assert manifest["sha256"] == hashlib.sha256(target.read_bytes()).hexdigest()  # it describes these bytes
    assert not list(tmp_path.glob(".*parts*"))  # the work folder is gone


@pytest.mark.slow
def test_an_interrupted_run_resumes_and_gives_the_same_bytes(scored, tables, tmp_path, monkeypatch):
    texts = tables["tasks"].filter(pl.col("taxonomy") == "isco08")["task_text"].head(40).to_list()
    src = tmp_path / "tasks.parquet"
    pl.DataFrame({"task_text": texts}).write_parquet(src)
    whole = corpus.score_file(src, tmp_path / "whole.csv", chunk_rows=8)
    assert whole.rows == 40 and whole.chunks == 5 and whole.resumed == 0

    real, calls = corpus.score_chunk_file, []

    def dies_on_the_third(*args, **kwargs):
        if len(calls) == 2:
            raise KeyboardInterrupt
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(corpus, "score_chunk_file", dies_on_the_third)
    target = tmp_path / "again.csv"
    with pytest.raises(KeyboardInterrupt):
        corpus.score_file(src, target, chunk_rows=8)
    assert not target.exists()
    assert len(list(corpus.parts_folder(target).glob("*/out-*.parquet"))) == 2
    monkeypatch.setattr(corpus, "score_chunk_file", real)
    again = corpus.score_file(src, target, chunk_rows=8)
    assert again.resumed == 2
    assert target.read_bytes() == (tmp_path / "whole.csv").read_bytes()
    assert not corpus.parts_folder(target).exists()


@pytest.mark.slow
def test_standard_input_and_jsonl_give_the_same_scores_as_csv(scored, tmp_path):
    lines = ["Sort incoming mail and distribute it to departments.", "Repair diesel engines of trucks."]
    a, b = tmp_path / "a.csv", tmp_path / "b.csv"
    assert run("score-text", "-", "-o", str(a), input="text\n" + "\n".join(lines) + "\n").exit_code == 0
    jsonl = tmp_path / "in.jsonl"
    jsonl.write_text("".join(json.dumps({"id": i, "text": t}) + "\n" for i, t in enumerate(lines)))
    assert run("score-text", str(jsonl), "-o", str(b)).exit_code == 0
    assert a.read_bytes() == b.read_bytes()
    assert not list(tmp_path.glob(".stdin-*"))


@pytest.mark.slow
def test_ray_engine_gives_byte_identical_output(scored, tables, tmp_path):
    pytest.importorskip("ray", reason="Ray is an optional extra: pip install -e '.[ray]'")
    texts = tables["tasks"].filter(pl.col("taxonomy") == "isco08")["task_text"].head(30).to_list() + ["", "x" * 3000]
    src = tmp_path / "tasks.csv"
    pl.DataFrame({"text": texts}).write_csv(src)
    local = corpus.score_file(src, tmp_path / "local.parquet", chunk_rows=8)
    on_ray = corpus.score_file(src, tmp_path / "ray.parquet", chunk_rows=8, engine="ray", workers=2)
    assert (local.rows, local.counts) == (on_ray.rows, on_ray.counts) == (32, {**dict.fromkeys(STATUSES, 0),
                                                                               "ok": 30, "empty": 1, "too_long": 1})
    assert (tmp_path / "ray.parquet").read_bytes() == (tmp_path / "local.parquet").read_bytes()


# --- the ONNX backend --------------------------------------------------------------------------


@pytest.mark.slow
def test_onnx_backend_matches_pytorch(tables):
    pytest.importorskip("onnxruntime", reason="the ONNX backend is an optional extra: pip install -e '.[onnx]'")
    from exposure.backends import encode

    texts = tables["tasks"]["task_text"].head(200).to_list()  # lengths vary, so padding varies by batch
    torch_x = encode(texts)
    onnx_x = encode(texts, backend="onnx")
    assert onnx_x.shape == torch_x.shape
    assert np.abs(onnx_x - torch_x).max() < 1e-4
    int8 = encode(texts, backend="onnx-int8")
    cosine = (int8 * torch_x).sum(axis=1)
    assert cosine.min() > 0.9 and np.allclose(np.linalg.norm(int8, axis=1), 1, atol=1e-5)


# --- batches capped by padded tokens ---------------------------------------------------------


@given(st.lists(st.integers(1, 300), max_size=200), st.integers(1, 5000), st.integers(1, 64))
@settings(max_examples=200, deadline=None)
def test_token_batches_cover_every_text_once_within_the_caps(lengths, max_tokens, max_texts):
    from exposure.backends import token_batches

    spans = token_batches(lengths, max_tokens, max_texts)
    assert [i for a, b in spans for i in range(a, b)] == list(range(len(lengths)))  # in order, each once
    for a, b in spans:
        assert 0 < b - a <= max_texts
        assert b - a == 1 or (b - a) * max(lengths[a:b]) <= max_tokens  # only a lone text may exceed the cap


def test_corpus_scoring_tokenizes_in_one_thread_and_keeps_few_kernels_unless_told_otherwise(monkeypatch):
    told = ("TOKENIZERS_PARALLELISM", "ONEDNN_PRIMITIVE_CACHE_CAPACITY")
    environ = {k: v for k, v in os.environ.items() if k not in told}
    monkeypatch.setattr(os, "environ", environ)
    corpus.bounded_heap()
    assert environ["TOKENIZERS_PARALLELISM"] == "false"  # the tokenizer's threads made the peak vary
    assert environ["ONEDNN_PRIMITIVE_CACHE_CAPACITY"] == "8"  # 1,024 kernels kept made the 10x input peak higher
    environ.update({"TOKENIZERS_PARALLELISM": "true", "ONEDNN_PRIMITIVE_CACHE_CAPACITY": "1024"})
    corpus.bounded_heap()
    assert (environ["TOKENIZERS_PARALLELISM"], environ["ONEDNN_PRIMITIVE_CACHE_CAPACITY"]) == ("true", "1024")  # kept


KERNELS_GROWTH = """
from exposure.corpus import bounded_heap
bounded_heap()
import torch
torch.set_num_threads(1)
rss = lambda: int(open("/proc/self/status").read().split("VmRSS:")[1].split()[0]) / 1024
gelu = torch.nn.GELU()  # the model's activation, run by oneDNN with a kernel compiled per shape
gelu(torch.ones(1, 1, 1536))
before = rss()
for texts in range(1, 21):
    for pieces in range(1, 21):
        gelu(torch.ones(texts, pieces, 1536))
print(rss() - before)
"""


def test_many_batch_shapes_do_not_grow_the_embedding_memory():
    """400 batch shapes, as a long input brings: with oneDNN's default 1,024 kernels kept,
    the resident size grew by 60-104 MiB here; with score-text's setting, by 10."""
    environ = {k: v for k, v in os.environ.items() if k != "ONEDNN_PRIMITIVE_CACHE_CAPACITY"}
    grown = subprocess.run([sys.executable, "-c", KERNELS_GROWTH], env=environ, capture_output=True, text=True,
                           check=True).stdout
    assert float(grown) < 40, f"the resident size grew by {float(grown):.0f} MiB over 400 batch shapes"


@pytest.mark.slow
def test_capped_batches_embed_like_the_model_does(tables):
    from exposure.backends import encode, token_lengths

    long = tables["occupations"].filter(pl.col("taxonomy") == "esco")["description"].drop_nulls()
    longest = sorted(long.to_list(), key=len, reverse=True)[:40]
    longest.append(" ".join(longest[:3]))  # longer than the model reads
    texts = sorted(longest + tables["tasks"]["task_text"].head(120).to_list(), key=len, reverse=True)
    assert max(token_lengths(texts)) == 256  # some are cut at the model's limit
    capped, plain = encode(texts, max_tokens=corpus.MAX_BATCH_TOKENS), encode(texts)
    assert capped.shape == plain.shape and np.abs(capped - plain).max() < 1e-5

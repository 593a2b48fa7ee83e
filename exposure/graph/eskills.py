"""Genericity of skills and the e-skill rule.

Quantities, per skill node of one taxonomy's graph (an occupation "holds" a skill when an
edge joins them, whatever its weight):

- ``n_occupations``: occupations holding it; ``share_occupations`` = n / occupations in the
  graph.
- ``isco_major_entropy``: Shannon entropy of the ISCO-08 major groups of the occupations
  holding it, divided by log K (K = major groups present in the graph, 10 for ESCO and
  O*NET): 0 when all holders sit in one major group, 1 when they spread evenly over all.
  ``effective_isco_major_groups`` = K ** entropy (the perplexity: how many equally used
  major groups would give the same entropy); ``n_isco_major_groups`` counts them plainly.
- ``breadth`` = log(1 + n) / log(1 + n_max), n_max the most widely held skill of the graph.
  Relative to the taxonomy, because ESCO links each occupation to a few of 13,939 skills
  while O*NET links it to most of 135 technology categories.
- ``holder_cohesion``: how alike the holders are apart from this skill, the mean pairwise
  cosine similarity of their (binary) skill profiles, computed as the squared length of the
  mean of their unit-length profiles with the skill itself left out. A sector's skills are
  held by its managers, technicians and operators alike, so they spread over ISCO major
  groups, but their holders resemble each other (ESCO leather-goods skills ~0.6); a generic
  skill is held by occupations that otherwise have little in common (spreadsheets ~0.07).
- ``genericity`` = sqrt(breadth * isco_major_entropy) * (1 - holder_cohesion), in [0, 1]:
  high only when a skill is widely held, spread across the major groups, and held by
  occupations that are otherwise unlike each other.

*Generic* (thresholds in :class:`EskillRule`): genericity >= 0.45 **and** effective ISCO
major groups >= 4. Kept as ``is_generic`` (a property of who holds a skill).

*E-skill* (``is_e_skill``, issue 8): a generic digital skill by its kind, the skills that let
work be standardised and done through a screen by anyone anywhere: office software,
spreadsheets, e-mail, ERP and CRM, data entry, digital literacy. Not equipment operation
(radio, GPS, audio, instruments) and not one field's specialist software (CAD/CAM,
programming, GIS, industrial control). The verdict is reviewable data, one list per taxonomy
in ``data/`` beside this module (``eskills_onet.csv``, ``eskills_esco.csv``), produced by a
stated rule plus one-line exceptions (``data/eskill_exceptions.csv``):

- O*NET: every Technology Skills commodity; an e-skill when its UNSPSC class is one of the
  general-purpose user software classes in :data:`ONET_E_SKILL_CLASSES` (business function,
  finance/accounting/ERP, content authoring, content management, data management and query,
  network applications, operating environment, information exchange). Development,
  industry-specific, educational/reference, networking, security and utility software are not.
- ESCO: every skill of the digital skills collection or DigComp (plus the exceptions); an
  e-skill when one of its ESCO skill groups is a generic-use group of
  :data:`ESCO_E_SKILL_GROUPS` (working with computers, accessing and analysing digital data,
  collaboration/productivity and word-processing tools, working with digital devices and
  applications, ISCED-F 0611 computer use) and none is an equipment or specialist group of
  :data:`ESCO_SPECIALIST_GROUPS` (programming, setting up and protecting systems, CAD, sound and
  image processing, controlling machinery, operating machinery and equipment, ISCED-F 0612/0613).

:func:`derive_list` applies the rule and the exceptions to the current release;
:func:`e_skill_list` reads the committed list (a test checks the two agree). The similarity
step of the earlier rule (labels near a coded e-skill) is gone: it was the collections, not
the similarity, that misfired ("operate radio equipment" is in ESCO's digital collection).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import networkx as nx
import numpy as np
import polars as pl
from scipy import sparse

from exposure.errors import DataError
from exposure.graph.profiles import Profiles, profiles

Embedder = Callable[[Sequence[str]], np.ndarray]


@dataclass(frozen=True)
class EskillRule:
    """Thresholds of the genericity rule (see the module docstring)."""

    min_genericity: float = 0.45
    min_effective_groups: float = 4.0


def entropy(counts: np.ndarray, k: int) -> np.ndarray:
    """Row-wise Shannon entropy of ``counts`` (skills x groups), normalised by log k.

    >>> entropy(np.array([[5, 5, 0], [3, 0, 0]]), 2).round(3).tolist()
    [1.0, 0.0]
    """
    n = counts.sum(axis=1, keepdims=True)
    p = np.divide(counts, n, out=np.zeros(counts.shape), where=n > 0)
    h = 0.0 - (p * np.log(p, out=np.zeros_like(p), where=p > 0)).sum(axis=1)  # 0.0, not -0.0
    return h / math.log(k) if k > 1 else np.zeros(len(counts))


def holder_cohesion(P: Profiles) -> np.ndarray:
    """Per skill, the mean over pairs of its holders of the dot product of their unit-length
    binary skill profiles with the skill's own component removed (1 for a single holder).

    With ``v_i`` the holders' profiles so reduced, the mean over pairs i != j of
    ``v_i . v_j`` is ``(|sum v_i|^2 - sum |v_i|^2) / (n (n - 1))``: two sparse products.

    >>> G = nx.Graph()
    >>> G.add_nodes_from(["occ:1", "occ:2", "occ:3"], bipartite=0)
    >>> G.add_nodes_from(["skill:a", "skill:b", "skill:c", "skill:d"], bipartite=1)
    >>> G.add_edges_from([("occ:1", "skill:a"), ("occ:2", "skill:a"), ("occ:1", "skill:b"),
    ...                   ("occ:2", "skill:b"), ("occ:3", "skill:c"), ("occ:1", "skill:d"), ("occ:3", "skill:d")])
    >>> holder_cohesion(profiles(G)).round(2).tolist()  # a: holders alike; d: holders unlike
    [0.41, 0.41, 1.0, 0.0]
    """
    B = P.holds
    n = np.asarray(B.sum(axis=0)).ravel()
    lengths = np.sqrt(np.asarray(B.sum(axis=1)).ravel())
    inv = 1.0 / np.maximum(lengths, 1.0)
    R = sparse.diags(inv) @ B  # unit-length profiles
    S = (B.T @ R).tocsr()  # row s: sum of the holders' unit profiles
    squared_sum = np.asarray(S.multiply(S).sum(axis=1)).ravel() - S.diagonal() ** 2
    own = B.T @ (1.0 - inv**2)  # sum over holders of |v_i|^2
    pairs = n * (n - 1)
    return np.where(n > 1, (squared_sum - own) / np.maximum(pairs, 1), 1.0)


def skill_measures(P: Profiles) -> pl.DataFrame:
    """Holders, spread over ISCO-08 major groups, holder cohesion, breadth and genericity of
    every skill."""
    B = P.holds
    n = np.asarray(B.sum(axis=0)).ravel()
    groups = sorted({g for g in P.major if g})
    onehot = np.stack([(P.major == g).astype(np.float64) for g in groups], axis=1) if groups else np.zeros(
        (len(P.occupations), 0))
    counts = np.asarray((B.T @ onehot))  # skills x major groups
    k = len(groups)
    h = entropy(counts, k)
    n_max = max(n.max(initial=0), 1)
    breadth = np.log1p(n) / math.log1p(n_max)
    cohesion = np.clip(holder_cohesion(P), 0.0, 1.0)
    return pl.DataFrame({
        "node": P.skills,
        "n_occupations": n.astype(np.int64),
        "share_occupations": n / max(len(P.occupations), 1),
        "isco_major_entropy": h,
        "effective_isco_major_groups": np.power(float(max(k, 1)), h),
        "n_isco_major_groups": (counts > 0).sum(axis=1).astype(np.int64),
        "breadth": breadth,
        "holder_cohesion": cohesion,
        "genericity": np.sqrt(breadth * h) * (1.0 - cohesion),
    })


# --- the e-skill lists -------------------------------------------------------------------

DATA = Path(__file__).with_name("data")
EXCEPTIONS = DATA / "eskill_exceptions.csv"
LIST_COLUMNS = {"skill_id": pl.String, "label": pl.String, "groups": pl.String, "rule_e_skill": pl.Boolean,
                "is_e_skill": pl.Boolean, "reason": pl.String}

# UNSPSC classes (the first six digits of an O*NET Technology Skills commodity code) of
# general-purpose user software
ONET_E_SKILL_CLASSES = {
    "432315": "business function specific software",
    "432316": "finance accounting and enterprise resource planning ERP software",
    "432321": "content authoring and editing software",
    "432322": "content management software",
    "432323": "data management and query software",
    "432327": "network applications software",
    "432330": "operating environment software",
    "432335": "information exchange software",
}
ONET_OTHER_CLASSES = {
    "432320": "computer game or entertainment software",
    "432324": "development software",
    "432325": "educational or reference software",
    "432326": "industry specific software",
    "432328": "network management software",
    "432329": "networking software",
    "432332": "security and protection software",
    "432334": "utility and device driver software",
    "432337": "system management software",
}
# ESCO skill groups (skills pillar codes, ISCED-F codes for knowledge) of generic digital use ...
ESCO_E_SKILL_GROUPS = {
    "S5.0": "working with computers",
    "S5.5": "accessing and analysing digital data",
    "S5.6.0": "using digital tools for collaboration, content creation and problem solving",
    "S5.6.1": "using digital tools for collaboration and productivity",
    "S5.6.2": "using word processing, publishing and presentation software",
    "T1.3": "working with digital devices and applications",
    "0611": "computer use",
}
# ... and of equipment operation or one field's specialist computing
ESCO_SPECIALIST_GROUPS = {
    "S5.1": "programming computer systems",
    "S5.2": "setting up and protecting computer systems",
    "S5.6.3": "using computer aided design and drawing tools",
    "S5.6.4": "using digital tools for processing sound and images",
    "S5.7": "using digital tools to control machinery",
    "S8": "working with machinery and specialised equipment",
    "0612": "database and network design and administration",
    "0613": "software and applications development and analysis",
}


def _in_groups(codes: list[str], groups: dict[str, str]) -> list[str]:
    """The codes that fall in one of the groups (a code falls in a group it equals or starts
    with followed by a dot)."""
    return [c for c in codes if any(c == g or c.startswith(g + ".") for g in groups)]


def onet_rule(skill_id: str) -> tuple[bool, str]:
    """The O*NET rule's verdict and reason for one Technology Skills commodity.

    >>> onet_rule("technology:43232110")
    (True, 'UNSPSC class 432321 content authoring and editing software: general-purpose user software')
    >>> onet_rule("technology:43232604")[0]
    False
    """
    cls = skill_id.removeprefix("technology:")[:6]
    if cls in ONET_E_SKILL_CLASSES:
        return True, f"UNSPSC class {cls} {ONET_E_SKILL_CLASSES[cls]}: general-purpose user software"
    return False, f"UNSPSC class {cls} {ONET_OTHER_CLASSES.get(cls, 'not listed')}: not general-purpose user software"


def esco_rule(codes: list[str]) -> tuple[bool, str]:
    """The ESCO rule's verdict and reason for a skill with the given skill-group codes.

    >>> esco_rule(["T1.3", "S5.5.2"])[0], esco_rule(["S8.6.4", "S1.2.1"])[0]
    (True, False)
    """
    special = _in_groups(codes, ESCO_SPECIALIST_GROUPS)
    generic = _in_groups(codes, ESCO_E_SKILL_GROUPS)
    if special:
        return False, f"in equipment or specialist group {', '.join(special)}"
    if generic:
        return True, f"in generic digital group {', '.join(generic)}"
    return False, "in no generic digital skill group"


def exceptions(path: Path = EXCEPTIONS) -> pl.DataFrame:
    """The one-line exceptions to the rule: taxonomy, skill_id, label, is_e_skill, justification."""
    schema = {"taxonomy": pl.String, "skill_id": pl.String, "label": pl.String, "is_e_skill": pl.Boolean,
              "justification": pl.String}
    try:
        df = pl.read_csv(path, schema=schema)
    except (OSError, pl.exceptions.PolarsError) as exc:
        raise DataError(f"{path.name}: cannot read ({exc})") from None
    if df.select("taxonomy", "skill_id").is_duplicated().any():
        raise DataError(f"{path.name}: a skill is listed twice")
    if (df["justification"].fill_null("").str.strip_chars() == "").any():
        raise DataError(f"{path.name}: every exception needs a one-line justification")
    return df


def derive_list(taxonomy: str, skills: pl.DataFrame, exc: pl.DataFrame | None = None) -> pl.DataFrame:
    """The e-skill list of a taxonomy from its candidate skills and the exceptions.

    ``skills`` has ``skill_id``, ``label`` and ``groups`` (``|``-separated ESCO skill-group
    codes; empty for O*NET). Returns one row per candidate: skill_id, label, groups,
    rule_e_skill, is_e_skill, reason; sorted by skill_id.
    """
    exc = exceptions() if exc is None else exc
    exc = exc.filter(pl.col("taxonomy") == taxonomy)
    rows = []
    for r in skills.iter_rows(named=True):
        codes = [c for c in (r["groups"] or "").split("|") if c]
        verdict, why = onet_rule(r["skill_id"]) if taxonomy == "onet" else esco_rule(codes)
        rows.append({"skill_id": r["skill_id"], "label": r["label"], "groups": r["groups"] or "",
                     "rule_e_skill": verdict, "reason": f"rule: {why}"})
    df = pl.DataFrame(rows, schema={k: v for k, v in LIST_COLUMNS.items() if k != "is_e_skill"})
    unknown = set(exc["skill_id"]) - set(df["skill_id"])
    if unknown:
        raise DataError(f"{EXCEPTIONS.name}: {taxonomy} skill {sorted(unknown)[0]} is not a candidate")
    df = df.join(exc.select("skill_id", x="is_e_skill", j="justification"), on="skill_id", how="left")
    return df.select(
        "skill_id", "label", "groups", "rule_e_skill",
        is_e_skill=pl.coalesce("x", "rule_e_skill"),
        reason=pl.when(pl.col("x").is_not_null())
        .then(pl.format("exception ({}): {}", pl.when("x").then(pl.lit("e-skill")).otherwise(pl.lit("not an e-skill")),
                        pl.col("j")))
        .otherwise(pl.col("reason")),
    ).sort("skill_id")


def candidates(taxonomy: str) -> pl.DataFrame:
    """The skills the rule judges, from the imported release: O*NET, every Technology Skills
    commodity; ESCO, every skill of the digital or DigComp collection and every skill named
    in the exceptions, with its skill-group codes (from the ESCO skills file)."""
    from taxonomies import load

    sk = load("skills").filter(pl.col("taxonomy") == taxonomy)
    if taxonomy == "onet":
        return sk.filter(pl.col("skill_type") == "technology").select("skill_id", "label", groups=pl.lit(""))
    from taxonomies.esco import ESCO
    from taxonomies.sources import read

    groups = read(ESCO + "skills_en.RECONSTRUCTED.csv").select(skill_id="conceptUri", groups="skillGroupCodes")
    named = exceptions().filter(pl.col("taxonomy") == taxonomy)["skill_id"]
    return (
        sk.filter(pl.col("in_digital") | pl.col("in_digcomp") | pl.col("skill_id").is_in(named.implode()))
        .select("skill_id", "label").join(groups, on="skill_id", how="left")
    )


def list_path(taxonomy: str) -> Path:
    return DATA / f"eskills_{taxonomy}.csv"


def write_list(taxonomy: str) -> pl.DataFrame:
    """Derive a taxonomy's list from the imported release and write it to ``data/``."""
    df = derive_list(taxonomy, candidates(taxonomy))
    df.write_csv(list_path(taxonomy))
    return df


@cache
def e_skill_list(taxonomy: str) -> pl.DataFrame:
    """The committed e-skill list of ``onet`` or ``esco`` (see the module docstring)."""
    path = list_path(taxonomy)
    try:
        df = pl.read_csv(path, schema=LIST_COLUMNS)
    except (OSError, pl.exceptions.PolarsError) as exc:
        raise DataError(f"e-skill list {path.name}: cannot read ({exc})") from None
    if df["skill_id"].is_duplicated().any():
        raise DataError(f"e-skill list {path.name}: a skill is listed twice")
    return df


def _reason(r: dict, rule: EskillRule) -> str:
    spread = (f"genericity {r['genericity']:.2f}, {r['effective_isco_major_groups']:.1f} effective "
              f"ISCO major groups")
    if r["is_generic"]:
        held = f"generic ({spread})"
    else:
        why = ("genericity < %.2f" % rule.min_genericity if r["genericity"] < rule.min_genericity
               else "fewer than %g effective ISCO major groups" % rule.min_effective_groups)
        held = f"not generic ({spread}: {why})"
    kind = r["list_reason"] or "not on the e-skill list"
    verdict = "e-skill" if r["is_e_skill"] else "not an e-skill"
    return f"{verdict}: {kind}; {held}"


def classify(skills: pl.DataFrame, e_list: pl.DataFrame | None = None,
             rule: EskillRule = EskillRule()) -> pl.DataFrame:
    """Add ``is_generic``, ``is_e_skill`` and ``reason``.

    ``skills`` needs ``node``, ``skill_id``, ``genericity`` and ``effective_isco_major_groups``.
    ``e_list`` (skill_id, is_e_skill, reason) is the taxonomy's e-skill list; without one (a
    graph built by hand), a skill in an e-skill ``collection`` counts as one.
    """
    df = skills.with_columns(
        is_generic=(pl.col("genericity") >= rule.min_genericity)
        & (pl.col("effective_isco_major_groups") >= rule.min_effective_groups - 1e-9)
    )
    if e_list is None:
        e_list = df.filter(pl.col("collection").is_not_null()).select(
            "skill_id", is_e_skill=pl.lit(True), reason=pl.format("in {}", "collection"))
    df = df.join(e_list.select("skill_id", "is_e_skill", list_reason="reason"), on="skill_id", how="left")
    df = df.with_columns(pl.col("is_e_skill").fill_null(False))
    return df.with_columns(
        reason=pl.Series([_reason(r, rule) for r in df.iter_rows(named=True)], dtype=pl.String)
    ).drop("list_reason")


def skill_attributes(G: nx.Graph, nodes: list[str]) -> pl.DataFrame:
    """``node``, ``skill_id``, ``label``, ``kind``, ``collection`` of the given skill nodes."""
    rows = [{"node": n, **{k: G.nodes[n].get(k) for k in ("skill_id", "label", "kind", "collection")}}
            for n in nodes]
    for r in rows:  # graphs built by hand may leave the id to the node name
        r["skill_id"] = r["skill_id"] or r["node"].removeprefix("skill:")
    schema = {"node": pl.String, "skill_id": pl.String, "label": pl.String, "kind": pl.String,
              "collection": pl.String}
    return pl.DataFrame(rows, schema=schema)


def eskill_table(G: nx.Graph, embed_fn: Embedder | None = None, rule: EskillRule = EskillRule(),
                 e_list: pl.DataFrame | None = None) -> pl.DataFrame:
    """Every skill node with its genericity and e-skill verdict, sorted by node.

    ``e_list`` is the taxonomy's e-skill list (:func:`e_skill_list`); without it, skills in an
    e-skill collection count as e-skills (graphs built by hand). ``embed_fn`` is no longer
    used (kept so that existing calls keep working).

    >>> G = nx.Graph()
    >>> G.add_nodes_from(["occ:1", "occ:2"], bipartite=0)
    >>> G.nodes["occ:1"].update(isco08_major="1"); G.nodes["occ:2"].update(isco08_major="2")
    >>> G.add_node("skill:x", bipartite=1, label="x", collection="ESCO digital")
    >>> G.add_edges_from([("occ:1", "skill:x"), ("occ:2", "skill:x")])
    >>> eskill_table(G, embed_fn=None, rule=EskillRule(min_effective_groups=2))["is_e_skill"].to_list()
    [True]
    """
    P = profiles(G)
    measures = skill_measures(P)
    df = skill_attributes(G, P.skills).join(measures, on="node", how="left")
    return classify(df, e_list, rule).sort("node")

"""The ``exposure graph`` commands: thin wrappers over :mod:`exposure.graph`.

Registered on the main CLI with ``cli.add_command(graph)``; usable alone for testing.
Library errors become one-line ``Error: ...`` messages (exit 2 for unusable input, 1 for a
failure of the work), as in :mod:`exposure.cli`.
"""

from __future__ import annotations

import re
import time
from pathlib import Path

import click
import polars as pl

from exposure.clitools import ExposureGroup, emit, err, out, print_frame
from exposure.graph.api import manifest_fields
from exposure.graph.build import GRAPH_TAXONOMIES
from exposure.graph.export import GRAPH_FORMATS

taxonomy_option = click.option("--taxonomy", type=click.Choice(GRAPH_TAXONOMIES), default="esco", show_default=True,
                               help="Which taxonomy's graph.")
output_option = click.option("-o", "--output", type=click.Path(path_type=Path), default=None,
                             help="Output file (.csv, .parquet, .json); default: CSV on standard output.")


def _emit(df: pl.DataFrame, output: Path | None, taxonomy: str, **extra) -> None:
    emit(df, output, **manifest_fields(taxonomy, rows=df.height, **extra))


@click.group(cls=ExposureGroup)
def graph() -> None:
    """The occupation <-> skill graph: e-skills, identity measures, boundaries, transitions.

    \b
    Example:
        exposure graph build --taxonomy esco
        exposure graph identity --taxonomy esco -o outputs/esco_identity.csv
    """


@graph.command("build")
@taxonomy_option
def build(taxonomy: str) -> None:
    """Build the graph and every measure (cached), and print counts and timings.

    \b
    Example:
        exposure graph build --taxonomy onet
    """
    from exposure.graph import api

    start = time.perf_counter()
    steps = api.timed_build(taxonomy)
    G = api.base_graph(taxonomy)
    n_occ = sum(1 for _, b in G.nodes(data="bipartite") if b == 0)
    out.print(f"{taxonomy} graph: {n_occ:,} occupations, {G.number_of_nodes() - n_occ:,} skill nodes, "
              f"{G.number_of_edges():,} edges")
    out.print(f"graph {steps['graph']:.1f} s, measures {steps['measures']:.1f} s, "
              f"total {time.perf_counter() - start:.1f} s; cached in {api.folder(taxonomy)}")


@graph.command("export")
@taxonomy_option
@click.option("--format", "fmt", type=click.Choice(GRAPH_FORMATS), required=True,
              help="graphml or gexf (Gephi), json (networkx node-link, for d3).")
@click.option("-o", "--output", type=click.Path(path_type=Path), required=True, help="Output file.")
def export(taxonomy: str, fmt: str, output: Path) -> None:
    """Write the graph with every node and edge attribute, and a manifest beside it.

    \b
    Example:
        exposure graph export --taxonomy esco --format gexf -o outputs/esco_graph.gexf
    """
    from exposure.graph.api import export_with_manifest

    G = export_with_manifest(taxonomy, output, fmt)
    err.print(f"wrote {G.number_of_nodes():,} nodes and {G.number_of_edges():,} edges to {output}")


@graph.command("identity")
@taxonomy_option
@output_option
def identity(taxonomy: str, output: Path | None) -> None:
    """Per occupation: specificity, e-skill and generic shares, substitutability, identity
    dissolution and the exposure scores.

    \b
    Example:
        exposure graph identity --taxonomy onet -o outputs/onet_identity.csv
    """
    from exposure.graph import identity_table

    _emit(identity_table(taxonomy), output, taxonomy, table="identity")


@graph.command("eskills")
@taxonomy_option
@output_option
def eskills(taxonomy: str, output: Path | None) -> None:
    """Every skill node: genericity, e-skill verdict with its reason, betweenness.

    \b
    Example:
        exposure graph eskills --taxonomy esco -o outputs/esco_eskills.csv
    """
    from exposure.graph import skill_table

    _emit(skill_table(taxonomy).drop("node"), output, taxonomy, table="eskills")


@graph.command("neighbours")
@click.argument("code")
@click.option("--taxonomy", type=click.Choice(GRAPH_TAXONOMIES), default=None,
              help="Which taxonomy's graph; default: the one the code belongs to.")
@click.option("-k", "k", type=click.IntRange(min=1), default=10, show_default=True,
              help="How many occupations.")
def neighbours(code: str, taxonomy: str, k: int) -> None:
    """The occupations nearest to CODE by skill overlap and task similarity, with their
    exposure.

    \b
    Example:
        exposure graph neighbours 43-9021.00 --taxonomy onet -k 5
    """
    from exposure.graph import neighbours as nearest

    taxonomy = taxonomy or ("onet" if re.match(r"^\d{2}-\d{4}\.\d{2}$", code) else "esco")
    df = nearest(taxonomy, code, k)
    print_frame(f"Nearest {taxonomy} occupations to {code}", df)


@graph.command("boundaries")
@taxonomy_option
def boundaries(taxonomy: str) -> None:
    """Louvain communities vs ISCO-08 groups (NMI, ARI) with and without e-skills, and the
    skills that bridge the most ISCO groups.

    \b
    Example:
        exposure graph boundaries --taxonomy onet
    """
    from exposure.graph import boundaries as compute

    result = compute(taxonomy)
    print_frame(f"{taxonomy}: skill communities vs ISCO-08 groups", result["agreement"])
    print_frame("Bridging skills (betweenness in the occupation-skill graph)",
                 result["bridging"].drop("skill_id").head(15))


@graph.command("panel")
def panel() -> None:
    """The identity face-validity panel: named O*NET occupations and ISCO-08 unit groups,
    where their identity dissolution into e-skills should rank (written from the literature
    before the results), where it does, and whether the check passes.

    Exits with 1 if a check fails (the known failures are listed in docs/graph.md).

    \b
    Example:
        exposure graph panel
    """
    import sys

    from exposure.graph.panel import check_panel

    checks = check_panel()
    print_frame("Identity panel: identity_dissolution percentile within the taxonomy",
                checks.select("name", "taxonomy", "occupation_code", "title", "expect", "value", "percentile", "passed"))
    failed = checks.filter(~pl.col("passed"))
    out.print(f"{checks.height - failed.height} of {checks.height} checks pass")
    if failed.height:
        click.echo(f"Error: {failed.height} panel check(s) failed: {', '.join(failed['name'])}", err=True)
        sys.exit(1)

"""The one disk cache of the package, for tables, embeddings, scores and graphs.

It lives in the bottom layer (:mod:`taxonomies.cache`) so that the table cache can use it
without ``taxonomies`` importing ``exposure``; this is its public home for the upper layers.
"""

from taxonomies.cache import KEEP, Entry, cached_parquet, make_key, source_digest

__all__ = ["KEEP", "Entry", "cached_parquet", "make_key", "source_digest"]

"""Where data lives: the run context's data folder, else ``$EXPOSURE_DATA_DIR``, else the
``data/`` folder of the checkout. Defined in :mod:`taxonomies.base` (the bottom layer)."""

from taxonomies.base import cache_dir, data_dir, raw_dir

__all__ = ["cache_dir", "data_dir", "raw_dir"]

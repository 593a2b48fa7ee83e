"""Domain exceptions. The library raises these; the CLI turns them into one-line errors.

They are defined in the bottom layer (:mod:`taxonomies.base`) so that the data layer can
raise them without importing ``exposure``; this module is their public home.
"""

from taxonomies.base import DataError, ExposureError, InputError

__all__ = ["DataError", "ExposureError", "InputError"]

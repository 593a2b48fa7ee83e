"""Domain exceptions. The library raises these; the CLI turns them into one-line errors."""


class ExposureError(Exception):
    """Base class: a failure the user can act on. The message is shown as it is."""


class DataError(ExposureError):
    """A data release is missing, damaged, of another release, or cannot be fetched."""


class InputError(ExposureError):
    """The user's input (a file, a code, an option) cannot be used."""

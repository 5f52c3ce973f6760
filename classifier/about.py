"""The package's version and the one exception base every user-facing error shares."""

__version__ = "0.2.0"


class HypefactError(Exception):
    """Base of every error hypefact reports to its user: the message is meant to be read
    as it is (it names the file, line or model and what to do), no traceback needed."""


class InputError(HypefactError):
    """An input that cannot be read as an article; the message is meant for the user."""

"""The error the pure-Python layer raises for a bad argument (the others
come from the native module)."""

from __future__ import annotations

from ._native import OrdinanceError

__all__ = ["ArgumentError"]


class ArgumentError(OrdinanceError, TypeError, ValueError):
    """An argument of an ordinance call is of the wrong type or out of range
    (a rule id that is not a string, ``numbers="bogus"``, a negative
    ``max_steps``). It is also a ``TypeError`` and a ``ValueError``, so code
    written against Python's own conventions still catches it."""

    code = "argument"

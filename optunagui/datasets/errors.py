"""The one error the datasets package raises."""

from __future__ import annotations

__all__ = ["DatasetError"]


class DatasetError(ValueError):
    """A dataset cannot be loaded or used; the message says which file, what is wrong and
    what would be valid."""

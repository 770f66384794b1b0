"""Excel imports of supervised objects and of 分包 responsibilities (see ``objects`` and
``responsibilities``), run through an ``ImportJob`` so that long imports show their progress."""

from envgrid.sources.imports.base import FileRefused, ImportResult, RowError

__all__ = ["FileRefused", "ImportResult", "RowError"]

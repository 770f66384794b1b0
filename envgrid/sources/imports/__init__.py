"""Excel imports of supervised objects and of 分包 responsibilities (see ``objects`` and
``responsibilities``), run through an ``ImportJob`` so that long imports show their progress. The machinery
(columns, readers, row errors, results, jobs) is ``envgrid.core.spreadsheets``."""

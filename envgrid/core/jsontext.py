"""JSON text from outside (API bodies, form fields, uploaded files) parsed without letting it crash a request.

Python's parser meets deep nesting (``[[[[…]]]]`` a few thousand levels down) with ``RecursionError``, which no
caller expects from a parse and which became a 500, even before sign-in. Here it is the ``JSONDecodeError`` (a
``ValueError``) every caller already turns into a clear 400.
"""

from __future__ import annotations

import json
from typing import Any


def loads(text: str | bytes, **kwargs: Any) -> Any:
    """``json.loads``, with too deep a nesting refused as a ``json.JSONDecodeError``."""
    try:
        return json.loads(text, **kwargs)
    except RecursionError:
        doc = text if isinstance(text, str) else text.decode("utf-8", "replace")
        raise json.JSONDecodeError("JSON nested too deeply", doc[:100], 0) from None


def load(stream, **kwargs: Any) -> Any:
    """``json.load`` with the same refusal."""
    return loads(stream.read(), **kwargs)

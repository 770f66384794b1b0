"""The API's JSON parser: DRF's, with too deep a nesting answered 400 instead of 500."""

from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser


class SafeJSONParser(JSONParser):
    """Refuses JSON nested deeper than Python's parser goes (a ``RecursionError`` there) with a 400."""

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError("JSON parse error - nested too deeply") from None

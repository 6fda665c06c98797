"""CQL2 to SQL: the ``cql2`` library parses (text or JSON), this module binds every value.

The parsed expression is CQL2-JSON. Properties are looked up in the collection's fixed
column map; every literal becomes a bound parameter, so no client text reaches the SQL.
"""

import re
from collections.abc import Callable, Mapping
from datetime import date
from typing import Any

import cql2
import orjson
from sqlalchemy import ColumnElement, Date, Text, and_, cast, func, literal, not_, or_
from sqlalchemy.dialects.postgresql import ARRAY, array

from app.errors import InvalidParameterValue
from app.schemas.query import parse_date

Columns = Mapping[str, ColumnElement[Any]]
Span = tuple[ColumnElement[Any], ColumnElement[Any]]

COMPARISONS: dict[str, Callable[[Any, Any], ColumnElement[bool]]] = {
    "=": lambda a, b: a == b,
    "<>": lambda a, b: a != b,
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
    ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b,
}
ARITHMETIC: dict[str, Callable[[Any, Any], ColumnElement[Any]]] = {
    "+": lambda a, b: a + b,
    "-": lambda a, b: a - b,
    "*": lambda a, b: a * b,
    "/": lambda a, b: a / b,
}
SPATIAL = {
    "s_intersects": func.ST_Intersects,
    "s_disjoint": func.ST_Disjoint,
    "s_contains": func.ST_Contains,
    "s_within": func.ST_Within,
    "s_touches": func.ST_Touches,
    "s_crosses": func.ST_Crosses,
    "s_overlaps": func.ST_Overlaps,
    "s_equals": func.ST_Equals,
}
# Allen's relations on closed intervals [as, ae] and [bs, be] (OGC 21-065, section 6.6).
TEMPORAL: dict[str, Callable[[Span, Span], ColumnElement[bool]]] = {
    "t_after": lambda a, b: a[0] > b[1],
    "t_before": lambda a, b: a[1] < b[0],
    "t_contains": lambda a, b: and_(a[0] < b[0], a[1] > b[1]),
    "t_disjoint": lambda a, b: or_(a[1] < b[0], a[0] > b[1]),
    "t_during": lambda a, b: and_(a[0] > b[0], a[1] < b[1]),
    "t_equals": lambda a, b: and_(a[0] == b[0], a[1] == b[1]),
    "t_finishedby": lambda a, b: and_(a[0] < b[0], a[1] == b[1]),
    "t_finishes": lambda a, b: and_(a[0] > b[0], a[1] == b[1]),
    "t_intersects": lambda a, b: and_(a[0] <= b[1], a[1] >= b[0]),
    "t_meets": lambda a, b: a[1] == b[0],
    "t_metby": lambda a, b: a[0] == b[1],
    "t_overlappedby": lambda a, b: and_(a[0] > b[0], a[0] < b[1], a[1] > b[1]),
    "t_overlaps": lambda a, b: and_(a[0] < b[0], a[1] > b[0], a[1] < b[1]),
    "t_startedby": lambda a, b: and_(a[0] == b[0], a[1] > b[1]),
    "t_starts": lambda a, b: and_(a[0] == b[0], a[1] < b[1]),
}
ARRAYS: dict[str, Callable[[Any, Any], ColumnElement[bool]]] = {
    "a_equals": lambda a, b: a == b,
    "a_contains": lambda a, b: a.contains(b),
    "a_containedby": lambda a, b: a.contained_by(b),
    "a_overlaps": lambda a, b: a.overlap(b),
}


MAX_LENGTH = 8192  # characters of a filter
# The parser is native code: deep nesting overflows its stack and kills the process. Nesting
# comes from brackets and from chains of unary signs ("- - -1"), so both are bounded.
MAX_DEPTH = 64  # brackets deep
MAX_SIGNS = 8  # unary signs in a row
SIGN_RUN = re.compile(rf"[-+](?:\s*[-+]){{{MAX_SIGNS},}}")


def _depth(text: str) -> int:
    depth = deepest = 0
    for char in text:
        if char in "([{":
            depth += 1
            deepest = max(deepest, depth)
        elif char in ")]}":
            depth -= 1
    return deepest


def parse(text: str, language: str) -> Any:
    """CQL2 text or JSON as a CQL2-JSON expression, or a 400 saying where it went wrong."""
    if len(text) > MAX_LENGTH:
        raise InvalidParameterValue(f"filter is longer than {MAX_LENGTH} characters")
    if _depth(text) > MAX_DEPTH:
        raise InvalidParameterValue(f"filter nests brackets deeper than {MAX_DEPTH} levels")
    if SIGN_RUN.search(text):
        raise InvalidParameterValue(f"filter has more than {MAX_SIGNS} signs in a row")
    try:
        expression = cql2.parse_json(text) if language == "cql2-json" else cql2.parse_text(text)
        return expression.to_json()
    except Exception as exc:  # the library raises bare Exception too (an EMPTY geometry, say)
        message = " ".join(str(exc).split())
        raise InvalidParameterValue(f"filter is not valid {language}: {message}") from None


class Translator:
    """Turn one CQL2-JSON expression into a SQLAlchemy condition over fixed columns."""

    def __init__(self, columns: Columns, geometry: ColumnElement[Any]) -> None:
        self.columns = columns
        self.geometry = geometry

    def condition(self, node: Any) -> ColumnElement[bool]:
        """A boolean expression."""
        if isinstance(node, bool):
            return literal(node)
        if not isinstance(node, dict) or "op" not in node:
            raise InvalidParameterValue(f"filter: expected a predicate, got {_show(node)}")
        op = str(node["op"]).lower()
        args = node.get("args", [])
        if op in ("and", "or"):
            parts = [self.condition(arg) for arg in args]
            return and_(*parts) if op == "and" else or_(*parts)
        if op == "not":
            return not_(self.condition(args[0]))
        if op in COMPARISONS:
            return self.comparison(op, args[0], args[1])
        if op == "like":
            return self.value(args[0]).like(self.value(args[1]))
        if op == "between":
            return self.value(args[0]).between(self.value(args[1]), self.value(args[2]))
        if op == "in":
            return self.value(args[0]).in_([self.value(item) for item in args[1]])
        if op == "isnull":
            return self.value(args[0]).is_(None)
        if op in SPATIAL:
            return SPATIAL[op](self.value(args[0]), self.value(args[1]))
        if op in TEMPORAL:
            return TEMPORAL[op](self.span(args[0]), self.span(args[1]))
        if op in ARRAYS:
            return ARRAYS[op](self.value(args[0]), self.value(args[1]))
        raise InvalidParameterValue(f"filter: the operator {node['op']!r} is not supported")

    def comparison(self, op: str, first: Any, second: Any) -> ColumnElement[bool]:
        """A comparison; a text compared with a date or an array property is read as clients
        such as GDAL mean it: ``recorded_on >= '2022-01-01'`` (even '2022-01-01T'), and
        ``contamination = 'uxo'`` (the array holds the value)."""
        left, right = self.value(first), self.value(second)
        for column, text, other in ((left, second, "right"), (right, first, "left")):
            if not isinstance(text, str):
                continue
            if isinstance(column.type, Date):
                typed = literal(_date(text.rstrip("Tt")), Date)
                left, right = (left, typed) if other == "right" else (typed, right)
            elif isinstance(column.type, ARRAY) and op in ("=", "<>"):
                holds: ColumnElement[bool] = column.any(text)
                return holds if op == "=" else not_(holds)
        return COMPARISONS[op](left, right)

    def value(self, node: Any) -> ColumnElement[Any]:
        """A scalar, array, geometry or date operand."""
        if isinstance(node, dict):
            return self._object(node)
        if isinstance(node, list):
            return cast(array([literal(item, Text) for item in node]), ARRAY(Text))
        return literal(node)

    def _object(self, node: dict[str, Any]) -> ColumnElement[Any]:
        if "property" in node:
            return self.column(node["property"])
        if "date" in node:
            return literal(_date(node["date"]), Date)
        if "timestamp" in node:
            return literal(_date(node["timestamp"]), Date)
        if "bbox" in node:
            box = [float(number) for number in node["bbox"]]
            half = len(box) // 2
            return func.ST_MakeEnvelope(box[0], box[1], box[half], box[half + 1], 4326)
        if ("type" in node and "coordinates" in node) or node.get("type") == "GeometryCollection":
            return func.ST_SetSRID(func.ST_GeomFromGeoJSON(orjson.dumps(node).decode()), 4326)
        if "op" in node:
            op = str(node["op"]).lower()
            args = node.get("args", [])
            if op in ARITHMETIC:
                return ARITHMETIC[op](self.value(args[0]), self.value(args[1]))
            if op == "casei":
                return func.lower(self.value(args[0]))
            return self.condition(node)
        raise InvalidParameterValue(f"filter: cannot use {_show(node)} as a value")

    def column(self, name: str) -> ColumnElement[Any]:
        """The column of a queryable property; any other name is a 400."""
        if name in ("geometry", "geom"):
            return self.geometry
        if name not in self.columns:
            raise InvalidParameterValue(
                f"filter names an unknown property {name!r}; see the queryables"
            )
        return self.columns[name]

    def span(self, node: Any) -> Span:
        """A temporal operand as a closed interval; an open or null end is infinite."""
        if isinstance(node, dict) and "interval" in node:
            start, end = node["interval"]
        else:
            start = end = node
        return self._bound(start, "-infinity"), self._bound(end, "infinity")

    def _bound(self, node: Any, infinity: str) -> ColumnElement[Any]:
        if node == "..":
            return cast(literal(infinity), Date)
        if isinstance(node, str):
            return literal(_date(node), Date)
        return func.coalesce(self.value(node), cast(literal(infinity), Date))


def _date(text: str) -> date:
    return parse_date(text, "filter", time_allowed=True)


def _show(node: Any) -> str:
    return orjson.dumps(node).decode()[:80]

"""Validation by shape: a new text of a known shape has only its literals checked, and
every verdict is the one graphql-core's full validation gives."""

from __future__ import annotations

import json

from graphql import (
    GraphQLArgument,
    GraphQLError,
    GraphQLField,
    GraphQLFormattedError,
    GraphQLInt,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLScalarType,
    GraphQLSchema,
    Undefined,
    build_schema,
    parse,
)
from graphql.validation import specified_rules
from hypothesis import example, given, settings
from hypothesis import strategies as st
from strawberry.schema.schema import validate_document

from calendar_gateway.graphql.admission import Admission
from calendar_gateway.graphql.limits import limits
from calendar_gateway.graphql.schema import create_schema
from calendar_gateway.graphql.shapes import Rules, Shape, ShapeCache, TypeRecording
from tests.conftest import settings_for

SETTINGS = settings_for("http://127.0.0.1:1", max_query_depth=1, max_aliases=1, max_id_length=8)
SCHEMA = create_schema(SETTINGS)._schema

BOOKING = 'query { booking(id: "{id}") { id start } }'
RANGE = 'query { bookingsInRange(company: "3", from: "{day}", to: "2030-01-01") { id } }'


class Counted:
    """A fresh ShapeCache as the limits make it, counting full validations."""

    def __init__(self) -> None:
        admission = next(
            extension.admission
            for extension in (factory() for factory in limits(SETTINGS))
            if isinstance(extension, Admission)
        )
        self.cache = admission.shapes
        self.rules: Rules = (*specified_rules, *admission.rules)
        self.full_validations = 0

    def validate(self, query: str) -> list[GraphQLError]:
        if not self.cache.passes(_shape(query), self.rules):
            self.full_validations += 1
        return _validated(self.cache, query, self.rules)

    def full(self, query: str) -> list[GraphQLFormattedError]:
        """What graphql-core's validation alone says of the query."""
        errors = validate_document(SCHEMA, parse(query), self.rules)
        return [error.formatted for error in errors]


def _validated(cache: ShapeCache, query: str, rules: Rules) -> list[GraphQLError]:
    """What admission does: the shape's verdict if it passed, else full validation."""
    shape = _shape(query)
    if cache.passes(shape, rules):
        return []
    document, recording = parse(query), TypeRecording()
    errors = validate_document(SCHEMA, document, (*rules, recording.rule))
    if not errors:
        cache.remember(shape, rules, recording, document)
    return errors


def _shape(query: str) -> Shape:
    shape = Shape.of(query, max_tokens=SETTINGS.max_query_tokens)
    assert shape is not None
    return shape


def _messages(errors: list[GraphQLError]) -> list[GraphQLFormattedError]:
    return [error.formatted for error in errors]


def test_documents_differing_only_in_literals_share_one_validation() -> None:
    cache = Counted()
    for booking_id in ("1", "22", "333", "4444"):
        assert cache.validate(BOOKING.replace("{id}", booking_id)) == []
    assert cache.full_validations == 1


def test_a_bad_literal_of_a_known_shape_fails_with_full_validations_errors() -> None:
    cache = Counted()
    assert cache.validate(RANGE.replace("{day}", "2020-01-01")) == []
    bad = RANGE.replace("{day}", "the first of May")
    errors = cache.validate(bad)
    assert errors, "a Date that is no date passed"
    assert _messages(errors) == cache.full(bad)
    # A good literal again: the shape is still known.
    assert cache.validate(RANGE.replace("{day}", "2021-02-03")) == []
    assert cache.full_validations == 2


def test_a_number_where_an_id_string_was_is_another_shape() -> None:
    cache = Counted()
    assert cache.validate(BOOKING.replace('"{id}"', "12")) == []
    assert cache.validate(BOOKING.replace("{id}", "12")) == []
    assert cache.full_validations == 2
    wrong = BOOKING.replace('"{id}"', "1.5")
    assert _messages(cache.validate(wrong)) == cache.full(wrong) != []


def test_the_depth_limit_applies_to_every_document_of_a_shape() -> None:
    cache = Counted()
    assert cache.validate(BOOKING.replace("{id}", "1")) == []
    too_deep = 'query { booking(id: "{id}") { resource { id } } }'
    for booking_id in ("1", "2"):
        query = too_deep.replace("{id}", booking_id)
        errors = cache.validate(query)
        assert any("exceeds maximum operation depth of 1" in e.message for e in errors)
        assert _messages(errors) == cache.full(query)


def test_limits_refuse_each_document_of_a_refused_shape_with_the_same_message() -> None:
    cache = Counted()
    two_aliases = 'query { a: booking(id: "{id}") { id } b: booking(id: "9") { id } }'
    for booking_id in ("1", "2"):
        query = two_aliases.replace("{id}", booking_id)
        errors = cache.validate(query)
        assert [error.message for error in errors] == ["2 aliases found. Allowed: 1"]
        assert _messages(errors) == cache.full(query)
    # A refused shape is not remembered: each new text is validated in full.
    assert cache.full_validations == 2


def test_equal_literals_are_part_of_the_shape() -> None:
    cache = Counted()
    same = 'query { booking(id: "1") { id } booking(id: "1") { id } }'
    assert cache.validate(same) == []
    differing = 'query { booking(id: "1") { id } booking(id: "2") { id } }'
    errors = cache.validate(differing)
    assert errors, "fields with differing arguments under one response key passed"
    assert _messages(errors) == cache.full(differing)
    assert _shape(same).key != _shape(differing).key


def test_booleans_enums_and_nulls_stay_in_the_shape() -> None:
    def key(query: str) -> object:
        return _shape(query).key

    assert key('{ a(x: "1") }') == key('{ a(x: "2") }')
    assert key('{ a(x: "1") }') != key("{ a(x: 1) }")
    assert key("{ a(x: true) }") != key("{ a(x: false) }")
    assert key("{ a(x: RED) }") != key("{ a(x: BLUE) }")
    assert key("{ a(x: null) }") != key('{ a(x: "null") }')
    assert key('{ a(x: ["1"]) }') != key('{ a(x: ["1", "2"]) }')


def test_the_shapes_kept_are_bounded() -> None:
    cache = ShapeCache(max_shapes=1)
    rules: Rules = tuple(specified_rules)
    booking, in_range = BOOKING.replace("{id}", "1"), RANGE.replace("{day}", "2020-01-01")
    assert _validated(cache, booking, rules) == []
    assert cache.passes(_shape(BOOKING.replace("{id}", "2")), rules)
    assert _validated(cache, in_range, rules) == []
    # The booking's shape made room for the range's.
    assert not cache.passes(_shape(BOOKING.replace("{id}", "3")), rules)


def test_whitespace_and_comments_are_not_part_of_the_shape() -> None:
    cache = Counted()
    assert cache.validate(BOOKING.replace("{id}", "1")) == []
    spaced = "# request 2\n" + BOOKING.replace("{id}", "2").replace(" {", "\n  {")
    assert cache.validate(spaced) == []
    assert cache.full_validations == 1


def test_the_size_caps_apply_to_the_literals_of_a_known_shape() -> None:
    cache = Counted()
    assert cache.validate(BOOKING.replace("{id}", "12345678")) == []
    too_long = BOOKING.replace("{id}", "123456789")
    errors = cache.validate(too_long)
    assert [e.message for e in errors] == ["id: An id of 9 characters; at most 8 are allowed."]
    assert _messages(errors) == cache.full(too_long)
    assert cache.full_validations == 2


def test_an_admitted_document_of_a_known_shape_needs_no_new_validation() -> None:
    cache = Counted()
    for booking_id in ("1", "2"):
        assert cache.validate(BOOKING.replace("{id}", booking_id)) == []
    assert cache.full_validations == 1


def test_the_shapes_kept_are_bounded_in_size() -> None:
    rules: Rules = tuple(specified_rules)
    booking, in_range = BOOKING.replace("{id}", "1"), RANGE.replace("{day}", "2020-01-01")
    booking_size = _shape(booking).size()
    cache = ShapeCache(max_size=booking_size)
    assert _validated(cache, booking, rules) == []
    assert cache.passes(_shape(BOOKING.replace("{id}", "2")), rules)
    # A larger shape does not fit, and it evicts none to try.
    assert _shape(in_range).size() > booking_size
    assert _validated(cache, in_range, rules) == []
    assert not cache.passes(_shape(RANGE.replace("{day}", "2021-01-01")), rules)
    assert cache.passes(_shape(BOOKING.replace("{id}", "3")), rules)


def test_a_known_shape_makes_the_document_of_a_new_text() -> None:
    cache = Counted()
    assert cache.validate(BOOKING.replace("{id}", "1")) == []
    text = "# 2\n" + BOOKING.replace("{id}", "22")
    made = cache.cache.document(text, _shape(text), cache.rules)
    assert made == parse(text)
    too_long = BOOKING.replace("{id}", "123456789")  # over max_id_length: not vouched for
    assert cache.cache.document(too_long, _shape(too_long), cache.rules) is None


LEAVES = build_schema(
    """
    scalar Date
    type Query {
      id(x: ID): Int
      nid(x: ID!): Int
      s(x: String): Int
      ns(x: String!): Int
      ids(x: [ID!]): Int
      i(x: Int): Int
      f(x: Float): Int
      d(x: Date): Int
    }
    """
)
LEAF_FIELDS = ["id", "nid", "s", "ns", "ids", "i", "f", "d"]
literals = st.one_of(
    st.text(alphabet=st.characters(exclude_categories=["Cs"]), max_size=6).map(json.dumps),
    st.integers(-(2**40), 2**40).map(str),
    st.sampled_from(["1.5", "-0.0", "1e400", '""""""', '"""a\\"""b"""', '"\\u{1F600}"']),
)


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(LEAF_FIELDS), literals, literals)
@example("i", "1", "4294967296")  # an int of the kind an Int was, out of its range
@example("f", "1.5", "1e400")
@example("ids", '"1"', '"2"')  # a single id at a list: the list's test
def test_a_literal_at_an_id_or_string_passes_by_shape_as_in_full_validation(
    field: str, first: str, other: str
) -> None:
    # ID and String take any string (ID any int too) untested: graphql-core's verdict
    # still, for every literal of every type, next to the types whose values it tests.
    cache, rules = ShapeCache(), tuple(specified_rules)
    texts = [f"{{ {field}(x: {literal}) }}" for literal in (first, other)]
    for text in texts:
        shape = _shape(text)
        full = validate_document(LEAVES, parse(text), rules)
        if cache.passes(shape, rules):
            assert full == [], text
            continue
        recording = TypeRecording()
        assert validate_document(LEAVES, parse(text), (*rules, recording.rule)) == full
        if not full:
            cache.remember(shape, rules, recording, parse(text))


def test_only_graphql_cores_own_id_and_string_literal_tests_are_skipped() -> None:
    own = GraphQLScalarType(
        "OwnId", coerce_input_value=str, coerce_input_literal=lambda _node: Undefined
    )
    schema = GraphQLSchema(
        GraphQLObjectType(
            "Query", {"a": GraphQLField(GraphQLInt, {"id": GraphQLArgument(GraphQLNonNull(own))})}
        )
    )
    cache, rules = ShapeCache(), tuple(specified_rules)
    recording = TypeRecording()
    text = '{ a(id: "1") }'
    # Remembered as though it had passed: the scalar's own test still runs on the next.
    assert validate_document(schema, parse(text), (*rules, recording.rule)) != []
    cache.remember(_shape(text), rules, recording, parse(text))
    assert not cache.passes(_shape('{ a(id: "2") }'), rules)

"""Validation by shape: a new text of a known shape has only its literals checked, and
every verdict is the one graphql-core's full validation gives."""

from __future__ import annotations

from graphql import GraphQLError, GraphQLFormattedError, parse
from graphql.validation import specified_rules
from strawberry.extensions import AddValidationRules
from strawberry.schema.schema import validate_document

from calendar_gateway.graphql.limits import limits
from calendar_gateway.graphql.schema import create_schema
from calendar_gateway.graphql.shapes import Rules, Shape, ShapeCache
from tests.conftest import settings_for

SETTINGS = settings_for("http://127.0.0.1:1", max_query_depth=1, max_aliases=1)
SCHEMA = create_schema(SETTINGS)._schema
LIMITS = next(
    extension.validation_rules
    for extension in (factory() for factory in limits(SETTINGS))
    if isinstance(extension, AddValidationRules)
)
RULES: Rules = (*specified_rules, *LIMITS)

BOOKING = 'query { booking(id: "{id}") { id start } }'
RANGE = 'query { bookingsInRange(company: "3", from: "{day}", to: "2030-01-01") { id } }'


def _validated(cache: ShapeCache, query: str) -> list[GraphQLError]:
    return cache.validate(SCHEMA, query, parse(query), RULES)


def _full(query: str) -> list[GraphQLFormattedError]:
    return [error.formatted for error in validate_document(SCHEMA, parse(query), RULES)]


def _messages(errors: list[GraphQLError]) -> list[GraphQLFormattedError]:
    return [error.formatted for error in errors]


def test_documents_differing_only_in_literals_share_one_validation() -> None:
    cache = ShapeCache()
    for booking_id in ("1", "22", "333", "4444"):
        assert _validated(cache, BOOKING.replace("{id}", booking_id)) == []
    assert cache.full_validations == 1


def test_a_repeated_text_is_validated_once() -> None:
    cache = ShapeCache()
    query = BOOKING.replace("{id}", "7")
    for _ in range(3):
        assert _validated(cache, query) == []
    assert cache.full_validations == 1


def test_a_bad_literal_of_a_known_shape_fails_with_full_validations_errors() -> None:
    cache = ShapeCache()
    assert _validated(cache, RANGE.replace("{day}", "2020-01-01")) == []
    bad = RANGE.replace("{day}", "the first of May")
    errors = _validated(cache, bad)
    assert errors, "a Date that is no date passed"
    assert _messages(errors) == _full(bad)
    # A good literal again: the shape is still known.
    assert _validated(cache, RANGE.replace("{day}", "2021-02-03")) == []
    assert cache.full_validations == 2


def test_a_number_where_an_id_string_was_is_another_shape() -> None:
    cache = ShapeCache()
    assert _validated(cache, BOOKING.replace('"{id}"', "12")) == []
    assert _validated(cache, BOOKING.replace("{id}", "12")) == []
    assert cache.full_validations == 2
    wrong = BOOKING.replace('"{id}"', "1.5")
    assert _messages(_validated(cache, wrong)) == _full(wrong) != []


def test_the_depth_limit_applies_to_every_document_of_a_shape() -> None:
    cache = ShapeCache()
    assert _validated(cache, BOOKING.replace("{id}", "1")) == []
    too_deep = 'query { booking(id: "{id}") { resource { id } } }'
    for booking_id in ("1", "2"):
        query = too_deep.replace("{id}", booking_id)
        errors = _validated(cache, query)
        assert any("exceeds maximum operation depth of 1" in e.message for e in errors)
        assert _messages(errors) == _full(query)


def test_limits_refuse_each_document_of_a_refused_shape_with_the_same_message() -> None:
    cache = ShapeCache()
    two_aliases = 'query { a: booking(id: "{id}") { id } b: booking(id: "9") { id } }'
    for booking_id in ("1", "2"):
        query = two_aliases.replace("{id}", booking_id)
        errors = _validated(cache, query)
        assert [error.message for error in errors] == ["2 aliases found. Allowed: 1"]
        assert _messages(errors) == _full(query)
    # A refused shape is not remembered: each new text is validated in full.
    assert cache.full_validations == 2


def test_equal_literals_are_part_of_the_shape() -> None:
    cache = ShapeCache()
    same = 'query { booking(id: "1") { id } booking(id: "1") { id } }'
    assert _validated(cache, same) == []
    differing = 'query { booking(id: "1") { id } booking(id: "2") { id } }'
    errors = _validated(cache, differing)
    assert errors, "fields with differing arguments under one response key passed"
    assert _messages(errors) == _full(differing)
    assert Shape(parse(same)).key != Shape(parse(differing)).key


def test_booleans_enums_and_nulls_stay_in_the_shape() -> None:
    def key(query: str) -> object:
        return Shape(parse(query)).key

    assert key('{ a(x: "1") }') == key('{ a(x: "2") }')
    assert key('{ a(x: "1") }') != key("{ a(x: 1) }")
    assert key("{ a(x: true) }") != key("{ a(x: false) }")
    assert key("{ a(x: RED) }") != key("{ a(x: BLUE) }")
    assert key("{ a(x: null) }") != key('{ a(x: "null") }')
    assert key('{ a(x: ["1"]) }') != key('{ a(x: ["1", "2"]) }')


def test_the_caches_are_bounded() -> None:
    cache = ShapeCache(max_texts=2, max_shapes=1)
    for booking_id in range(5):
        assert _validated(cache, BOOKING.replace("{id}", str(booking_id))) == []
    assert _validated(cache, RANGE.replace("{day}", "2020-01-01")) == []
    # The booking shape was pushed out by the range's: validated in full again.
    assert _validated(cache, BOOKING.replace("{id}", "99")) == []
    assert cache.full_validations == 3


def test_whitespace_and_comments_are_not_part_of_the_shape() -> None:
    cache = ShapeCache()
    assert _validated(cache, BOOKING.replace("{id}", "1")) == []
    spaced = "# request 2\n" + BOOKING.replace("{id}", "2").replace(" {", "\n  {")
    assert _validated(cache, spaced) == []
    assert cache.full_validations == 1


def test_known_answers_without_full_validation_only_what_it_knows() -> None:
    cache = ShapeCache()
    first, second = BOOKING.replace("{id}", "1"), BOOKING.replace("{id}", "2")
    assert cache.known(first, parse(first), RULES) is None
    assert cache.checked(SCHEMA, first, parse(first), RULES) == []
    assert cache.known(second, parse(second), RULES) == []
    bad = RANGE.replace("{day}", "never")
    assert cache.known(bad, parse(bad), RULES) is None
    assert cache.full_validations == 1

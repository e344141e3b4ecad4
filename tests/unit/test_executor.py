"""An operation's objects are freed when it ends, not left to the cyclic garbage collector."""

from __future__ import annotations

import gc
import weakref

from calendar_gateway.graphql.schema import create_schema


class RequestContext:
    """Stands for what a request hands the schema: its context, loaders and answers."""


async def test_an_operation_frees_its_context_without_the_garbage_collector() -> None:
    schema = create_schema()
    context = RequestContext()
    freed = weakref.ref(context)
    gc.disable()
    try:
        result = await schema.execute("query Probe { __typename }", context_value=context)
        assert result.errors is None
        del context
        assert freed() is None
    finally:
        gc.enable()

"""The ``@idempotent(key:)`` directive: reading a mutation field's key, and what each key first answered."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from graphql import GraphQLError, GraphQLResolveInfo
from graphql.execution.values import get_directive_values

Payload = dict[str, Any]
# Observed replies of Shopify 2026-04+ (third-party live transcripts; docs/reference/shopify-inventory.md).
MISSING = "The @idempotent directive is required for this mutation but was not provided."
MISMATCH = "The request with this idempotency key has different parameters than the original request."


def idempotency_key(info: GraphQLResolveInfo) -> str:
    """The ``key`` of ``@idempotent`` on the field being resolved; a missing (or empty) key is the
    top-level ``BAD_REQUEST`` error Shopify answers with (the field is then ``null``)."""
    directive = info.schema.get_directive("idempotent")
    assert directive is not None, "schema.graphql declares @idempotent"
    values = get_directive_values(directive, info.field_nodes[0], info.variable_values) or {}
    key = values.get("key")
    if not key:
        raise GraphQLError(MISSING, extensions={"code": "BAD_REQUEST"})
    return str(key)


def fingerprint(field_name: str, arguments: dict[str, Any]) -> str:
    """What makes two requests "the same": the mutation and its (coerced) arguments, not the selection."""
    return json.dumps({"field": field_name, "arguments": arguments}, sort_keys=True, default=str)


@dataclass
class _Recorded:
    fingerprint: str
    payload: Payload


class IdempotencyBook:
    """Each key's first request and its answer, kept as long as the sandbox runs.

    ``replay`` (default ``True``, Shopify's documented behaviour) answers a repeat of the same request
    with the first answer and writes nothing; ``False`` runs the repeat again (and so fails its
    compare-and-swap), as one third-party live test observed. Either way a key reused with other
    arguments is refused.
    """

    def __init__(self) -> None:
        """Create an empty book."""
        self._keys: dict[str, _Recorded] = {}
        self.replay = True

    def run(
        self, key: str, request: str, execute: Callable[[], Payload], mismatch: Callable[[], Payload]
    ) -> Payload:
        """The answer to ``request`` (a :func:`fingerprint`) under ``key``: replayed, refused or executed."""
        earlier = self._keys.get(key)
        if earlier is not None and earlier.fingerprint != request:
            return mismatch()
        if earlier is not None and self.replay:
            return earlier.payload
        payload = execute()
        if earlier is None:
            self._keys[key] = _Recorded(request, payload)
        return payload

    def __len__(self) -> int:
        """How many keys are recorded."""
        return len(self._keys)

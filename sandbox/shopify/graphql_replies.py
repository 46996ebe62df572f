"""Shopify-shaped error bodies: parse errors, bad variables, cost limit, internal and HTTP-level errors."""

from __future__ import annotations

import itertools
import json
import logging
import re
import uuid
from typing import Any

from graphql import GraphQLError, GraphQLSyntaxError, OperationDefinitionNode, print_ast

from sandbox.shopify.errors import error_json

log = logging.getLogger(__name__)
INVALID_TOKEN = "[API] Invalid API key or access token (unrecognized login or wrong password)"
RATE_DOCS = "https://shopify.dev/api/usage/rate-limits"
_REQUEST_IDS = itertools.count(1)  # deterministic request ids, unlike Shopify's random ones
_TOKENS = {"}": "RCURLY", "{": "LCURLY", ")": "RPAREN", "(": "LPAREN", ":": "COLON", "<EOF>": "EOF"}


def parse_error(error: GraphQLSyntaxError) -> dict[str, Any]:
    """graphql-ruby-style ``Parse error on "}" (RCURLY) at [1, 7]`` (exact wording unconfirmed)."""
    found = re.search(r"(?:found|Unexpected) (?P<tok><EOF>|'[^']*'|\S+?)\.?$", error.message)
    token = found["tok"].strip("'") if found else "?"
    line, column = (error.locations[0].line, error.locations[0].column) if error.locations else (1, 1)
    kind = _TOKENS.get(token, "NAME" if token.isidentifier() else "TOKEN")
    return error_json(f'Parse error on "{token}" ({kind}) at [{line}, {column}]', error)


def variable_error(error: GraphQLError, operation: OperationDefinitionNode) -> dict[str, Any]:
    """graphql-ruby's ``Variable $x of type T was provided invalid value`` with its ``problems``."""
    found = re.search(r"Variable '\$(?P<name>\w+)'", error.message)
    name = found["name"] if found else "?"
    kinds = {d.variable.name.value: print_ast(d.type) for d in operation.variable_definitions or ()}
    explanation = error.message.split("; ", 1)[-1]
    if "was not provided" in error.message or "to be provided" in error.message:
        explanation = "Expected value to not be null"
    return error_json(
        f"Variable ${name} of type {kinds.get(name, '?')} was provided invalid value",
        error,
        value=None,
        problems=[{"path": [], "explanation": explanation}],
    )


def max_cost_exceeded(cost: int, limit: int = 1000) -> dict[str, Any]:
    """MAX_COST_EXCEEDED as observed in third-party fixtures."""
    message = (
        f"Query cost is {cost}, which exceeds the single query max cost limit ({limit}).\n\n"
        "See https://shopify.dev/concepts/about-apis/rate-limits for more information on how the\n"
        "cost of a query is calculated.\n\n"
        "To query larger amounts of data with fewer limits, bulk operations should be used instead.\n"
        "See https://shopify.dev/tutorials/perform-bulk-operations-with-admin-api for usage details.\n"
    )
    return error_json(message, code="MAX_COST_EXCEEDED", cost=cost, maxCost=limit, documentation=RATE_DOCS)


def internal_error(error: GraphQLError | None = None) -> dict[str, Any]:
    """Shopify's GraphQL internal error (``INTERNAL_SERVER_ERROR`` with a request id)."""
    request_id = str(uuid.UUID(int=next(_REQUEST_IDS)))
    message = (
        "Internal error. Looks like something went wrong on our end.\n"
        f"Request ID: {request_id} (include this in support requests)."
    )
    return error_json(message, error, code="INTERNAL_SERVER_ERROR", requestId=request_id)


def http_error_body(status: int) -> tuple[str, str]:
    """(content type, body) of an HTTP-level error as Shopify's edge sends it."""
    if status == 500:
        return "application/json", json.dumps({"errors": [internal_error()]})
    if status == 429:
        message = "Exceeded 2 calls per second for api client. "
        message += "Reduce request rates to resume uninterrupted service."
        return "application/json", json.dumps({"errors": message})
    titles = {502: "502 Bad Gateway", 503: "503 Service Unavailable", 504: "504 Gateway Time-out"}
    title = titles.get(status, f"{status} Error")
    return "text/html", f"<html><head><title>{title}</title></head><body><h1>{title}</h1></body></html>"


def throttled() -> dict[str, Any]:
    """The THROTTLED error (HTTP 200, no data)."""
    return error_json(
        "Throttled", code="THROTTLED", documentation="https://shopify.dev/api/usage/rate-limits"
    )


def execution_error(error: GraphQLError) -> dict[str, Any]:
    """A resolver error as sent; an unexpected exception becomes Shopify's internal error (and is logged)."""
    if error.original_error is not None and not isinstance(error.original_error, GraphQLError):
        log.exception("resolver failed", exc_info=error.original_error)
        return internal_error(error)
    return dict(error.formatted)

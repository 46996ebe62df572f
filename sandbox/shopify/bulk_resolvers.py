"""GraphQL resolvers of bulk operations: run, cancel, ``bulkOperation``, ``node``, current and the list."""

from __future__ import annotations

from datetime import UTC
from typing import Any

from graphql import GraphQLResolveInfo

from sandbox.shopify.access import RequestContext
from sandbox.shopify.bulk import BulkBook, BulkOperation, group_objects_default
from sandbox.shopify.bulk_query import compile_bulk_query
from sandbox.shopify.bulk_worker import start_worker
from sandbox.shopify.connections import SortValue, paginate
from sandbox.shopify.filters import date_field, id_field, set_field
from sandbox.shopify.ids import parse_gid
from sandbox.shopify.root import by_gid
from sandbox.shopify.search import compile_query

Node = dict[str, Any]
IN_PROGRESS = "A bulk query operation for this app and shop is already in progress: {gid}."
_STATUSES: dict[str, frozenset[str] | None] = {
    s.lower(): frozenset({s})
    for s in ("CANCELED", "CANCELING", "COMPLETED", "CREATED", "EXPIRED", "FAILED", "RUNNING")
}
_TYPES: dict[str, frozenset[str] | None] = {
    "query": frozenset({"QUERY"}),
    "mutation": frozenset({"MUTATION"}),
}


def _parts(info: GraphQLResolveInfo) -> tuple[RequestContext, BulkBook]:
    context: RequestContext = info.context
    assert context.bulk is not None
    return context, context.bulk


def _view(info: GraphQLResolveInfo, op: BulkOperation | None) -> Node | None:
    context, book = _parts(info)
    return None if op is None else book.view(op, context.base_url)


def resolve_run_query(
    _: Any, info: GraphQLResolveInfo, query: str, groupObjects: bool | None = None
) -> dict[str, Any]:
    """``bulkOperationRunQuery(query, groupObjects)``: check, create, start the worker."""
    context, book = _parts(info)
    plan = compile_bulk_query(query, context, info.schema)
    if isinstance(plan, list):
        errors = [{"field": ["query"], "message": m, "code": "INVALID"} for m in plan]
        return {"bulkOperation": None, "userErrors": errors}
    group = group_objects_default(context.api_version) if groupObjects is None else groupObjects
    op = book.create(query, group, context.api_version)
    if isinstance(op, str):
        error = {"field": None, "message": IN_PROGRESS.format(gid=op), "code": "OPERATION_IN_PROGRESS"}
        return {"bulkOperation": None, "userErrors": [error]}
    rule = context.bulk_fault
    if rule is not None and rule.kind == "bulk_fail":
        op.fail_after, op.fail_code = rule.after_objects, rule.error_code
    elif rule is not None and rule.kind == "bulk_stuck":
        op.stuck_after = rule.after_objects
    view = book.view(op, context.base_url)  # before the worker starts: the reply says CREATED
    start_worker(book, op, None if plan.missing_scopes else plan, context)
    return {"bulkOperation": view, "userErrors": []}


def resolve_cancel(_: Any, info: GraphQLResolveInfo, id: str) -> dict[str, Any]:
    """``bulkOperationCancel(id)`` (userError wordings unconfirmed)."""
    _, book = _parts(info)
    op = book.get(by_gid(id, "BulkOperation"))
    if op is None:
        return {
            "bulkOperation": None,
            "userErrors": [{"field": ["id"], "message": "Bulk operation does not exist"}],
        }
    if not book.request_cancel(op):
        message = f"A bulk operation cannot be canceled when it is {op.status.lower()}"
        return {"bulkOperation": _view(info, op), "userErrors": [{"field": ["id"], "message": message}]}
    return {"bulkOperation": _view(info, op), "userErrors": []}


def resolve_bulk_operation(_: Any, info: GraphQLResolveInfo, id: str) -> Node | None:
    """``bulkOperation(id)``."""
    return _view(info, _parts(info)[1].get(by_gid(id, "BulkOperation")))


def resolve_node(_: Any, info: GraphQLResolveInfo, id: str) -> Node | None:
    """``node(id)``: a bulk operation (the only ``Node`` here); other well-formed gids are ``null``."""
    parsed = parse_gid(id)
    if parsed is None:
        by_gid(id, "BulkOperation")  # raises Shopify's "Invalid global id"
    if parsed is None or parsed[0] != "BulkOperation":
        return None
    return _view(info, _parts(info)[1].get(id))


def resolve_current(_: Any, info: GraphQLResolveInfo, type: str = "QUERY") -> Node | None:
    """``currentBulkOperation(type)``: the newest operation of that type."""
    ops = _parts(info)[1].all() if type == "QUERY" else []
    return _view(info, ops[-1] if ops else None)


def _sort(key: str | None) -> Any:
    def value(view: Node) -> SortValue:
        if key == "COMPLETED_AT":
            return (0, "") if view["completedAt"] is None else (1, view["completedAt"])
        return (1, view["createdAt"]) if key in (None, "CREATED_AT") else (1, 0)

    return value


def resolve_list(_: Any, info: GraphQLResolveInfo, **args: Any) -> dict[str, Any]:
    """``bulkOperations(first, after, …, sortKey, query)``: filters ``status``, ``operation_type``,
    ``created_at``, ``id``."""
    context, book = _parts(info)
    fields = {
        "status": set_field(lambda v: {v["status"]}, _STATUSES),
        "operation_type": set_field(lambda v: {v["type"]}, _TYPES),
        "created_at": date_field(lambda v: v["createdAt"], UTC),
        "id": id_field,
    }
    compiled = compile_query(args.get("query"), fields, lambda term: None)
    views = [v for v in (book.view(op, context.base_url) for op in book.all()) if compiled.predicate(v)]
    return paginate(views, args, _sort(args.get("sortKey")))

"""Validation errors reworded into graphql-ruby's shapes (Shopify's GraphQL server is graphql-ruby).

Each graphql-core rule runs on its own so every error is known by rule; texts and ``extensions.code``
follow graphql-ruby's static validation (``undefinedField``, ``argumentLiteralsIncompatible``...).
"""

from __future__ import annotations

import re
from typing import Any

from graphql import (
    ArgumentNode,
    DocumentNode,
    FieldNode,
    GraphQLError,
    GraphQLSchema,
    TypeInfo,
    TypeInfoVisitor,
    VariableNode,
    Visitor,
    print_ast,
    specified_rules,
    validate,
    visit,
)

from sandbox.shopify.error_texts import REWRITES, Shape

_MISMATCH = re.compile(
    r"'\$(?P<var>\w+)' of type '(?P<vt>[^']+)' used in position expecting type '(?P<at>[^']+)'"
)


class _Arguments(Visitor):
    """Where each argument sits (field, name, expected type), for value and variable errors."""

    def __init__(self, type_info: TypeInfo) -> None:
        super().__init__()
        self.type_info = type_info
        self.fields: list[str] = []
        self.spans: list[tuple[int, int, str, str, str]] = []

    def enter_field(self, node: FieldNode, *_: Any) -> None:
        self.fields.append(node.name.value)

    def leave_field(self, *_: Any) -> None:
        self.fields.pop()

    def enter_argument(self, node: ArgumentNode, *_: Any) -> None:
        argument = self.type_info.get_argument()
        if node.loc is not None and self.fields:
            kind = str(argument.type) if argument else "?"
            self.spans.append((node.loc.start, node.loc.end, self.fields[-1], node.name.value, kind))

    def around(self, error: GraphQLError) -> tuple[str, str, str]:
        """(field, argument, expected type) of the argument that encloses the error's node."""
        located = [n for n in error.nodes or [] if n.loc is not None]
        usage = [n for n in located if isinstance(n, VariableNode)] or located
        position = usage[-1].loc.start if usage and usage[-1].loc else -1
        for start, end, field, argument, kind in self.spans:
            if start <= position < end:
                return field, argument, kind
        return "?", "?", "?"


def _shape(rule: str, error: GraphQLError, arguments: _Arguments) -> Shape:
    if rule == "ValuesOfCorrectTypeRule":
        field, argument, kind = arguments.around(error)
        value = print_ast(error.nodes[0]) if error.nodes else "?"
        text = f"Argument '{argument}' on Field '{field}' has an invalid value ({value}). "
        text += f"Expected type '{kind}'."
        return text, {"code": "argumentLiteralsIncompatible", "typeName": "Field", "argumentName": argument}
    if rule == "VariablesInAllowedPositionRule" and (m := _MISMATCH.search(error.message)):
        _, argument, _ = arguments.around(error)
        text = f"Type mismatch on variable ${m['var']} and argument {argument} ({m['vt']} / {m['at']})"
        return text, {
            "code": "variableMismatch",
            "variableName": m["var"],
            "typeName": m["vt"],
            "argumentName": argument,
        }
    if rule in REWRITES and (m := re.search(REWRITES[rule][0], error.message)):
        return REWRITES[rule][1](m)
    return error.message, {"code": "validationError"}


def error_json(message: str, error: GraphQLError | None = None, **extensions: Any) -> dict[str, Any]:
    """One entry of ``errors`` with ``locations`` (and ``path``) taken from ``error`` when given."""
    shaped: dict[str, Any] = {"message": message}
    if error is not None and error.locations:
        shaped["locations"] = [{"line": loc.line, "column": loc.column} for loc in error.locations]
    if error is not None and error.path:
        shaped["path"] = list(error.path)
    if extensions:
        shaped["extensions"] = extensions
    return shaped


def validation_errors(schema: GraphQLSchema, document: DocumentNode) -> list[dict[str, Any]]:
    """Every validation error of ``document`` in graphql-ruby's shape (empty when valid)."""
    if not validate(schema, document, hide_suggestions=True):
        return []
    type_info = TypeInfo(schema)
    arguments = _Arguments(type_info)
    visit(document, TypeInfoVisitor(type_info, arguments))
    out = []
    for rule in specified_rules:
        for error in validate(schema, document, [rule], hide_suggestions=True):
            message, extensions = _shape(rule.__name__, error, arguments)
            out.append(error_json(message, error, **extensions))
    return out

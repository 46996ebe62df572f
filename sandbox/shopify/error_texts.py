"""graphql-ruby's static-validation messages, keyed by the graphql-core rule that found the problem."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

Shape = tuple[str, dict[str, Any]]
Match = re.Match[str]


def _undefined_field(m: Match) -> Shape:
    return f"Field '{m['field']}' doesn't exist on type '{m['type']}'", {
        "code": "undefinedField",
        "typeName": m["type"],
        "fieldName": m["field"],
    }


def _selections(m: Match) -> Shape:
    name = m["field"]
    if m["leaf"]:
        leaf = m["leaf"].strip("[]!")
        return f"Selections can't be made on scalars (field '{name}' returns {leaf} but has selections)", {
            "code": "selectionMismatch",
            "nodeName": f"field '{name}'",
            "typeName": leaf,
        }
    kind = m["object"].strip("[]!")
    text = (
        f"Field must have selections (field '{name}' returns {kind} but has no selections. "
        f"Did you mean '{name} {{ ... }}'?)"
    )
    return text, {"code": "selectionMismatch", "nodeName": f"field '{name}'", "typeName": kind}


def _missing_argument(m: Match) -> Shape:
    kind, name = ("Directive", m["directive"]) if m["directive"] else ("Field", m["field"])
    return f"{kind} '{name}' is missing required arguments: {m['arg']}", {
        "code": "missingRequiredArguments",
        "className": kind,
        "name": name,
        "arguments": m["arg"],
    }


def _unknown_argument(m: Match) -> Shape:
    return f"Field '{m['field']}' doesn't accept argument '{m['arg']}'", {
        "code": "argumentNotAccepted",
        "name": m["field"],
        "typeName": "Field",
        "argumentName": m["arg"],
    }


def _unused_variable(m: Match) -> Shape:
    return f"Variable ${m['var']} is declared by {m['op'] or 'anonymous query'} but not used", {
        "code": "variableNotUsed",
        "variableName": m["var"],
    }


def _undefined_variable(m: Match) -> Shape:
    return f"Variable ${m['var']} is used by {m['op'] or 'anonymous query'} but not declared", {
        "code": "variableNotDefined",
        "variableName": m["var"],
    }


def _fragment_undefined(m: Match) -> Shape:
    return f"Fragment {m['name']} was used, but not defined", {
        "code": "useAndDefineFragment",
        "fragmentName": m["name"],
    }


def _fragment_unused(m: Match) -> Shape:
    return f"Fragment {m['name']} was defined, but not used", {
        "code": "useAndDefineFragment",
        "fragmentName": m["name"],
    }


def _unknown_type(m: Match) -> Shape:
    return f"No such type {m['name']}, so it can't be a fragment condition", {
        "code": "undefinedType",
        "typeName": m["name"],
    }


def _non_input(m: Match) -> Shape:
    return f"{m['type']} isn't a valid input type (on ${m['var']})", {
        "code": "variableRequiresValidType",
        "typeName": m["type"],
        "variableName": m["var"],
    }


def _non_composite(m: Match) -> Shape:
    return f"Invalid fragment on type {m['type']} (must be Union, Interface or Object)", {
        "code": "fragmentOnNonCompositeType",
        "typeName": m["type"],
    }


def _bad_spread(m: Match) -> Shape:
    return f"Fragment on {m['type']} can't be spread inside {m['parent']}", {
        "code": "cannotSpreadFragment",
        "typeName": m["type"],
    }


def _cycle(m: Match) -> Shape:
    return f"Fragment {m['name']} contains an infinite loop", {
        "code": "infiniteLoop",
        "fragmentName": m["name"],
    }


def _duplicate_operation(m: Match) -> Shape:
    return f'Operation name "{m["name"]}" must be unique', {
        "code": "operationNotUnique",
        "operationName": m["name"],
    }


def _anonymous(_: Match) -> Shape:
    return "Operation name is required when multiple operations are present", {
        "code": "operationNameRequired"
    }


_PLACES = {"query": "queries", "mutation": "mutations", "field": "fields"}
_ALLOWED = {"idempotent": "fields", "skip": "fields, fragment spreads, inline fragments"}


def _directive(m: Match) -> Shape:
    if m["name"]:
        extensions = {"code": "undefinedDirective", "directiveName": m["name"]}
        return f"Directive @{m['name']} is not defined", extensions
    name, place = m["placed"], _PLACES.get(m["where"], m["where"] + "s")
    allowed = _ALLOWED.get(name, _ALLOWED["skip"])
    # Observed for @idempotent on a mutation: "'@idempotent' can't be applied to mutations (allowed: fields)"
    return f"'@{name}' can't be applied to {place} (allowed: {allowed})", {
        "code": "directiveCannotBeApplied",
        "targetName": place,
        "name": name,
    }


def _operation_type(m: Match) -> Shape:
    return f"Schema is not configured for {m['op']}s", {"code": f"missing{m['op'].title()}Configuration"}


REWRITES: dict[str, tuple[str, Callable[[Match], Shape]]] = {
    "FieldsOnCorrectTypeRule": (
        r"Cannot query field '(?P<field>\w+)' on type '(?P<type>\w+)'",
        _undefined_field,
    ),
    "ScalarLeafsRule": (
        r"Field '(?P<field>\w+)' (?:must not have a selection since type '(?P<leaf>[^']+)'"
        r"|of type '(?P<object>[^']+)' must have)",
        _selections,
    ),
    "ProvidedRequiredArgumentsRule": (
        r"Argument '(?:\w+\.(?P<field>\w+)|@(?P<directive>\w+))\((?P<arg>\w+):\)'",
        _missing_argument,
    ),
    "KnownArgumentNamesRule": (
        r"Unknown argument '(?P<arg>\w+)' on field '\w+\.(?P<field>\w+)'",
        _unknown_argument,
    ),
    "NoUnusedVariablesRule": (
        r"Variable '\$(?P<var>\w+)' is never used(?: in operation '(?P<op>\w+)')?",
        _unused_variable,
    ),
    "NoUndefinedVariablesRule": (
        r"Variable '\$(?P<var>\w+)' is not defined(?: by operation '(?P<op>\w+)')?",
        _undefined_variable,
    ),
    "KnownFragmentNamesRule": (r"Unknown fragment '(?P<name>\w+)'", _fragment_undefined),
    "NoUnusedFragmentsRule": (r"Fragment '(?P<name>\w+)' is never used", _fragment_unused),
    "KnownTypeNamesRule": (r"Unknown type '(?P<name>\w+)'", _unknown_type),
    "VariablesAreInputTypesRule": (
        r"Variable '\$(?P<var>\w+)' cannot be non-input type '(?P<type>[^']+)'",
        _non_input,
    ),
    "FragmentsOnCompositeTypesRule": (r"non composite type '(?P<type>\w+)'", _non_composite),
    "PossibleFragmentSpreadsRule": (
        r"type '(?P<parent>\w+)' can never be of type '(?P<type>\w+)'",
        _bad_spread,
    ),
    "NoFragmentCyclesRule": (r"Cannot spread fragment '(?P<name>\w+)'", _cycle),
    "UniqueOperationNamesRule": (r"named '(?P<name>\w+)'", _duplicate_operation),
    "LoneAnonymousOperationRule": (r".", _anonymous),
    "KnownDirectivesRule": (
        r"Unknown directive '@(?P<name>\w+)'"
        r"|Directive '@(?P<placed>\w+)' may not be used on (?P<where>[\w ]+)\.",
        _directive,
    ),
    "KnownOperationTypesRule": (r"The (?P<op>\w+) operation", _operation_type),
}

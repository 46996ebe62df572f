"""Schema, validation errors in Shopify's shapes, auth, scopes, the 60-day gate, versions, deprecations."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tests.sandbox.conftest import Shop

ORDER_IDS = "query Ids($first: Int!) { orders(first: $first) { nodes { id createdAt } } }"


def test_unknown_field_is_a_graphql_ruby_undefined_field_error(shared_shop: Shop) -> None:
    body = shared_shop.gql("{ orders(first: 1) {\n nodes { id foo } } }")
    assert "data" not in body
    (error,) = body["errors"]
    assert error["message"] == "Field 'foo' doesn't exist on type 'Order'"
    assert error["locations"] == [{"line": 2, "column": 13}]
    assert error["extensions"] == {"code": "undefinedField", "typeName": "Order", "fieldName": "foo"}


@pytest.mark.parametrize(
    ("query", "message", "code"),
    [
        ("{ order { id } }", "Field 'order' is missing required arguments: id", "missingRequiredArguments"),
        (
            "{ orders(frist: 2) { nodes { id } } }",
            "Field 'orders' doesn't accept argument 'frist'",
            "argumentNotAccepted",
        ),
        (
            '{ orders(first: "two") { nodes { id } } }',
            "Argument 'first' on Field 'orders' has an invalid value (\"two\"). Expected type 'Int'.",
            "argumentLiteralsIncompatible",
        ),
        (
            "{ orders(first: 1, sortKey: NEWEST) { nodes { id } } }",
            "Argument 'sortKey' on Field 'orders' has an invalid value (NEWEST). "
            "Expected type 'OrderSortKeys'.",
            "argumentLiteralsIncompatible",
        ),
        (
            "query Q($n: String) { orders(first: $n) { nodes { id } } }",
            "Type mismatch on variable $n and argument first (String / Int)",
            "variableMismatch",
        ),
        (
            "query Q($n: Int) { shop { name } }",
            "Variable $n is declared by Q but not used",
            "variableNotUsed",
        ),
        (
            "query Q { orders(first: $n) { nodes { id } } }",
            "Variable $n is used by Q but not declared",
            "variableNotDefined",
        ),
        (
            "{ shop }",
            "Field must have selections (field 'shop' returns Shop but has no selections. "
            "Did you mean 'shop { ... }'?)",
            "selectionMismatch",
        ),
        (
            "{ shop { name { x } } }",
            "Selections can't be made on scalars (field 'name' returns String but has selections)",
            "selectionMismatch",
        ),
        ("{ ...Missing }", "Fragment Missing was used, but not defined", "useAndDefineFragment"),
        (
            "{ shop { name } } fragment F on Shop { name }",
            "Fragment F was defined, but not used",
            "useAndDefineFragment",
        ),
        (
            "{ shop { ... on Nope { name } } }",
            "No such type Nope, so it can't be a fragment condition",
            "undefinedType",
        ),
    ],
)
def test_validation_errors_have_shopify_shapes(
    shared_shop: Shop, query: str, message: str, code: str
) -> None:
    body = shared_shop.gql(query)
    assert "data" not in body
    assert [e["message"] for e in body["errors"]] == [message]
    assert body["errors"][0]["extensions"]["code"] == code
    assert body["errors"][0]["locations"]


def test_parse_error_names_the_token_and_position(shared_shop: Shop) -> None:
    body = shared_shop.gql("{ shop { name } }}")
    (error,) = body["errors"]
    assert error["message"] == 'Parse error on "}" (RCURLY) at [1, 18]'
    assert error["locations"] == [{"line": 1, "column": 18}]


def test_bad_variable_value_is_reported_with_problems(shared_shop: Shop) -> None:
    body = shared_shop.gql(ORDER_IDS, {"first": "lots"})
    (error,) = body["errors"]
    assert error["message"] == "Variable $first of type Int! was provided invalid value"
    assert error["extensions"]["problems"][0]["explanation"]
    missing = shared_shop.gql(ORDER_IDS, {})["errors"][0]
    assert missing["extensions"]["problems"] == [{"path": [], "explanation": "Expected value to not be null"}]


def test_missing_or_wrong_token_is_http_401(shared_shop: Shop) -> None:
    for token in ("", "shpat_not_a_real_token"):
        response = shared_shop.post("{ shop { name } }", token=token)
        assert response.status_code == 401
        assert response.json() == {
            "errors": "[API] Invalid API key or access token (unrecognized login or wrong password)"
        }


def test_field_outside_token_scopes_is_access_denied(shared_shop: Shop) -> None:
    token = shared_shop.admin("POST", "/tokens", {"scopes": ["read_locations"]})["token"]
    body = shared_shop.gql('{ order(id: "gid://shopify/Order/1") { id } shop { name } }', token=token)
    (error,) = body["errors"]
    assert error["message"] == "Access denied for order field. Required access: `read_orders` access scope."
    assert error["extensions"]["code"] == "ACCESS_DENIED"
    assert error["extensions"]["requiredAccess"] == "`read_orders` access scope."
    assert error["path"] == ["order"]
    assert body["data"] == {"order": None, "shop": {"name": "Shoplines Demo"}}
    scopes = shared_shop.data("{ currentAppInstallation { accessScopes { handle } } }", token=token)
    assert scopes["currentAppInstallation"]["accessScopes"] == [{"handle": "read_locations"}]


def test_nested_field_scope_is_checked_too(shared_shop: Shop) -> None:
    token = shared_shop.admin("POST", "/tokens", {"scopes": ["read_orders", "read_all_orders"]})["token"]
    body = shared_shop.gql(
        "{ orders(first: 1) { nodes { id lineItems(first: 1) { nodes { product { id } } } } } }", token=token
    )
    assert {e["extensions"]["code"] for e in body["errors"]} == {"ACCESS_DENIED"}
    assert body["data"]["orders"]["nodes"][0]["lineItems"]["nodes"][0]["product"] is None


def test_orders_older_than_60_days_need_read_all_orders(shared_shop: Shop) -> None:
    truth = shared_shop.orders_truth()
    now = shared_shop.clock.now()
    old = [o for o in truth if (now - _instant(o["createdAt"])).days >= 61]
    assert old, "the generated store has orders older than 60 days"
    narrow = shared_shop.admin("POST", "/tokens", {"scopes": ["read_orders"]})["token"]
    query = "query($id: ID!) { order(id: $id) { id } }"
    assert shared_shop.data(query, {"id": old[0]["id"]}, token=narrow) == {"order": None}
    assert shared_shop.data(query, {"id": old[0]["id"]}) == {"order": {"id": old[0]["id"]}}
    count = "{ ordersCount(limit: null) { count } }"
    assert shared_shop.data(count, token=narrow)["ordersCount"]["count"] == len(truth) - len(old)
    assert shared_shop.data(count)["ordersCount"]["count"] == len(truth)
    ids = {n["id"] for n in shared_shop.data(ORDER_IDS, {"first": 250}, token=narrow)["orders"]["nodes"]}
    assert ids == {o["id"] for o in truth} - {o["id"] for o in old}


def test_orders_count_limit_and_precision(shared_shop: Shop) -> None:
    total = len(shared_shop.orders_truth())
    assert shared_shop.data("{ ordersCount { count precision } }")["ordersCount"] == {
        "count": total,
        "precision": "EXACT",
    }
    capped = shared_shop.data("{ ordersCount(limit: 10) { count precision } }")["ordersCount"]
    assert capped == {"count": 10, "precision": "AT_LEAST"}
    exact = shared_shop.data(f"{{ ordersCount(limit: {total}) {{ count precision }} }}")["ordersCount"]
    assert exact == {"count": total, "precision": "EXACT"}


@pytest.mark.parametrize("args", ["", "first: 251", "last: 300"])
def test_page_size_is_required_and_capped_at_250(shared_shop: Shop, args: str) -> None:
    body = shared_shop.gql(f"{{ orders{f'({args})' if args else ''} {{ nodes {{ id }} }} }}")
    assert body["data"] is None
    (error,) = body["errors"]
    assert error["path"] == ["orders"]
    if not args:
        assert error["message"] == "you must provide one of first or last"
    else:
        assert "250" in error["message"]


def test_invalid_gid_is_a_coercion_error(shared_shop: Shop) -> None:
    body = shared_shop.gql('{ order(id: "12345") { id } }')
    assert body["errors"][0]["message"] == "Invalid global id '12345'"
    assert body["errors"][0]["extensions"]["code"] == "argumentLiteralsIncompatible"


def test_unsupported_version_falls_forward_to_oldest_supported(shared_shop: Shop) -> None:
    assert (
        shared_shop.post("{ shop { name } }", version="2026-04").headers["X-Shopify-API-Version"] == "2026-04"
    )
    assert (
        shared_shop.post("{ shop { name } }", version="2023-01").headers["X-Shopify-API-Version"] == "2025-10"
    )
    assert shared_shop.post("{ shop { name } }", version="latest").status_code == 404


def test_deprecated_fields_are_named_in_a_header(shared_shop: Shop) -> None:
    fresh = shared_shop.post(
        "{ orders(first: 1) { nodes { customer { defaultEmailAddress { emailAddress } } } } }"
    )
    assert "X-Shopify-API-Deprecated-Reason" not in fresh.headers
    old = shared_shop.post(
        "{ orders(first: 1) { nodes { customer { email } shippingAddress { countryCode } } } }"
    )
    assert old.headers["X-Shopify-API-Deprecated-Reason"] == "Customer.email, MailingAddress.countryCode"


def test_fragments_resolve_everywhere(shared_shop: Shop) -> None:
    query = """
    query F { orders(first: 2) { ...Conn } }
    fragment Conn on OrderConnection { nodes { ...O } pageInfo { hasNextPage } }
    fragment O on Order { id ... on Order { name totalPriceSet { ...M } } }
    fragment M on MoneyBag { shopMoney { amount currencyCode } }
    """
    body = shared_shop.gql(query)
    nodes = body["data"]["orders"]["nodes"]
    assert len(nodes) == 2
    assert all(n["totalPriceSet"]["shopMoney"]["currencyCode"] == "ZAR" for n in nodes)
    plain = shared_shop.gql(
        "{ orders(first: 2) { nodes { id name totalPriceSet { shopMoney { amount currencyCode } } } "
        "pageInfo { hasNextPage } } }"
    )
    assert (
        body["extensions"]["cost"]["requestedQueryCost"] == plain["extensions"]["cost"]["requestedQueryCost"]
    )


def test_shop_and_locations(shared_shop: Shop) -> None:
    data = shared_shop.data(
        "{ shop { name myshopifyDomain currencyCode ianaTimezone } "
        "locations(first: 10, includeInactive: true) { nodes { id name isActive } } }"
    )
    assert data["shop"] == {
        "name": "Shoplines Demo",
        "myshopifyDomain": "shoplines-demo.myshopify.com",
        "currencyCode": "ZAR",
        "ianaTimezone": "Africa/Johannesburg",
    }
    names = {n["name"] for n in data["locations"]["nodes"]}
    assert names == {"Cape Town 3PL Warehouse", "Johannesburg Retail Store", "Durban Pop-up"}
    warehouse = shared_shop.running.state.store.warehouse_location_id
    assert {"id": warehouse, "name": "Cape Town 3PL Warehouse", "isActive": True} in data["locations"][
        "nodes"
    ]


def _instant(text: str):
    from sandbox.clock import parse_instant

    return parse_instant(text)


def test_inventory_items_levels_and_quantities(shared_shop: Shop) -> None:
    query = """{ inventoryItems(first: 5, query: "sku:RB-TEA-250") { nodes { id sku tracked
      unitCost { amount currencyCode } variant { sku product { title } }
      inventoryLevels(first: 5) { nodes { id location { name }
        quantities(names: ["available", "committed", "on_hand", "reserved", "damaged", "quality_control",
                           "safety_stock", "incoming"]) { name quantity } } } } } }"""
    (item,) = shared_shop.data(query)["inventoryItems"]["nodes"]
    assert item["sku"] == "RB-TEA-250"
    assert item["tracked"] is True
    assert item["unitCost"] == {"amount": "38.00", "currencyCode": "ZAR"}
    assert item["variant"] == {"sku": "RB-TEA-250", "product": {"title": "Rooibos Tea 250g"}}
    levels = item["inventoryLevels"]["nodes"]
    assert {lvl["location"]["name"] for lvl in levels} == {
        "Cape Town 3PL Warehouse",
        "Johannesburg Retail Store",
        "Durban Pop-up",
    }
    for lvl in levels:
        q = {x["name"]: x["quantity"] for x in lvl["quantities"]}
        assert (
            q["on_hand"]
            == q["available"]
            + q["committed"]
            + q["reserved"]
            + q["damaged"]
            + q["quality_control"]
            + q["safety_stock"]
        )
        assert "?inventory_item_id=" in lvl["id"]
        again = shared_shop.data("query($id: ID!) { inventoryLevel(id: $id) { id } }", {"id": lvl["id"]})
        assert again == {"inventoryLevel": {"id": lvl["id"]}}
    bad = shared_shop.gql(
        "{ inventoryItems(first: 1) { nodes { inventoryLevels(first: 1) { nodes { "
        'quantities(names: ["nope"]) { quantity } } } } } }'
    )
    assert "nope" in bad["errors"][0]["message"]


def test_fulfillment_order_by_id(shared_shop: Shop) -> None:
    order = next(o for o in shared_shop.orders_truth() if o["fulfillmentOrders"]["nodes"])
    fo = order["fulfillmentOrders"]["nodes"][0]
    got = shared_shop.data(
        "query($id: ID!) { fulfillmentOrder(id: $id) { id status orderId orderName "
        "assignedLocation { location { id name } } } }",
        {"id": fo["id"]},
    )["fulfillmentOrder"]
    assert got["id"] == fo["id"]
    assert got["status"] == fo["status"]
    assert (got["orderId"], got["orderName"]) == (order["id"], order["name"])
    assert got["assignedLocation"]["location"]["id"] == fo["assignedLocation"]["location"]["id"]


def test_body_forms(shared_shop: Shop) -> None:
    url = shared_shop.running.graphql_url()
    headers = {"X-Shopify-Access-Token": shared_shop.running.token}
    raw = shared_shop.http.post(
        url, content=b"{ shop { name } }", headers={**headers, "Content-Type": "application/graphql"}
    )
    assert raw.json()["data"] == {"shop": {"name": "Shoplines Demo"}}
    broken = shared_shop.http.post(
        url, content=b"{not json", headers={**headers, "Content-Type": "application/json"}
    )
    assert broken.status_code == 400
    assert broken.json() == {"errors": {"query": "Required parameter missing or invalid"}}
    two = "query A { shop { name } } query B { shop { currencyCode } }"
    assert shared_shop.data(two, operation_name="B") == {"shop": {"currencyCode": "ZAR"}}
    assert shared_shop.gql(two)["errors"][0]["message"] == "An operation name is required"


def test_discounted_total_leaves_code_discounts_out_unless_asked(shared_shop: Shop) -> None:
    """Shopify's default since 2024-04: `discountedTotalSet` excludes discount-code allocations."""
    coded = next(
        li
        for order in shared_shop.orders_truth()
        for li in order["lineItems"]["nodes"]
        if any((a.get("discountApplication") or {}).get("code") for a in li["discountAllocations"])
    )
    query = """query($id: ID!) { order(id: $id) { lineItems(first: 50) { nodes { id
        plain: discountedTotalSet { shopMoney { amount } }
        coded: discountedTotalSet(withCodeDiscounts: true) { shopMoney { amount } }
        originalTotalSet { shopMoney { amount } } } } } }"""
    owner = next(o for o in shared_shop.orders_truth() if coded in o["lineItems"]["nodes"])
    line = next(
        n
        for n in shared_shop.data(query, {"id": owner["id"]})["order"]["lineItems"]["nodes"]
        if n["id"] == coded["id"]
    )
    allocated = sum(
        Decimal(a["allocatedAmountSet"]["shopMoney"]["amount"]) for a in coded["discountAllocations"]
    )
    original = Decimal(line["originalTotalSet"]["shopMoney"]["amount"])
    assert Decimal(line["coded"]["shopMoney"]["amount"]) == original - allocated
    assert Decimal(line["plain"]["shopMoney"]["amount"]) == original

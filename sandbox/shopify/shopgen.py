"""Set up the demo shop itself: shop record, three locations, products, inventory items and levels."""

from __future__ import annotations

import random
from datetime import datetime
from typing import Any

from sandbox.clock import iso
from sandbox.shopify import catalog
from sandbox.shopify.ids import legacy_id
from sandbox.shopify.inventory import new_level
from sandbox.shopify.store import Store

DEFAULT_SHOP = "shoplines-demo.myshopify.com"


def shop_record(domain: str = DEFAULT_SHOP) -> dict[str, Any]:
    """The ``Shop`` object of the demo shop."""
    return {
        "name": "Shoplines Demo",
        "myshopifyDomain": domain,
        "currencyCode": "ZAR",
        "ianaTimezone": "Africa/Johannesburg",
        "email": "hello@shoplines-demo.co.za",
        "taxesIncluded": True,
    }


def add_locations(store: Store, at: datetime) -> None:
    """The 3PL warehouse (first, and ``store.warehouse_location_id``), a retail store and a pop-up."""
    for name, street, city, province, postal in catalog.LOCATIONS:
        gid = store.ids.new("Location")
        store.locations[gid] = {
            "id": gid,
            "legacyResourceId": legacy_id(gid),
            "name": name,
            "isActive": True,
            "fulfillsOnlineOrders": True,
            "isFulfillmentService": False,
            "createdAt": iso(at),
            "updatedAt": iso(at),
            "address": {
                "address1": street,
                "city": city,
                "provinceCode": province,
                "zip": postal,
                "countryCode": "ZA",
                "country": "South Africa",
            },
        }
    store.warehouse_location_id = next(iter(store.locations))


def add_products(store: Store, at: datetime) -> None:
    """Products, variants and their inventory items from the catalogue."""
    by_title: dict[str, dict[str, Any]] = {}
    for item in catalog.PRODUCTS:
        product = by_title.get(item.title)
        if product is None:
            pid = store.ids.new("Product")
            product = {
                "id": pid,
                "legacyResourceId": legacy_id(pid),
                "title": item.title,
                "vendor": item.vendor,
                "isGiftCard": item.gift_card,
                "createdAt": iso(at),
                "updatedAt": iso(at),
                "variants": [],
            }
            by_title[item.title] = product
            store.products[pid] = product
        vid, iid = store.ids.new("ProductVariant"), store.ids.new("InventoryItem")
        store.variants[vid] = {
            "id": vid,
            "legacyResourceId": legacy_id(vid),
            "title": item.variant or "Default Title",
            "sku": item.sku,
            "price": item.price,
            "requiresShipping": item.requires_shipping,
            "taxable": item.taxable,
            "product": {"id": product["id"]},
            "inventoryItem": {"id": iid},
        }
        product["variants"].append({"id": vid})
        store.inventory_items[iid] = {
            "id": iid,
            "legacyResourceId": legacy_id(iid),
            "sku": item.sku,
            "tracked": item.requires_shipping,
            "requiresShipping": item.requires_shipping,
            "unitCost": {"amount": item.cost, "currencyCode": "ZAR"},
            "countryCodeOfOrigin": "ZA",
            "harmonizedSystemCode": None,
            "createdAt": iso(at),
            "updatedAt": iso(at),
            "variant": {"id": vid},
        }


def add_inventory(store: Store, rng: random.Random, at: datetime) -> None:
    """Opening stock of every tracked item at every location (orders then move it)."""
    ranges = ((60, 240), (0, 30), (0, 12))
    for item in store.inventory_items.values():
        if not item["tracked"]:
            continue
        for (low, high), location_id in zip(ranges, store.locations, strict=False):
            quantities = {
                "available": rng.randint(low, high),
                "incoming": rng.choice((0, 0, 24, 48)),
                "reserved": rng.choice((0, 0, 1)),
                "damaged": rng.choice((0, 0, 0, 2)),
                "safety_stock": 5 if location_id == store.warehouse_location_id else 0,
            }
            store.inventory.add(new_level(location_id, item["id"], at, quantities))

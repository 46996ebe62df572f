"""Fixed reference data for the South African demo shop: locations, products, people, places, shipping."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True)
class Product:
    """One sellable variant (the sandbox keeps one product per variant title group)."""

    title: str
    variant: str | None
    sku: str
    price: str
    cost: str
    requires_shipping: bool = True
    taxable: bool = True
    gift_card: bool = False
    vendor: str = "Shoplines Demo"

    @property
    def unit_price(self) -> Decimal:
        """VAT-inclusive unit price in ZAR."""
        return Decimal(self.price)


PRODUCTS: tuple[Product, ...] = (
    Product("Rooibos Tea 250g", None, "RB-TEA-250", "89.00", "38.00"),
    Product("Rooibos Tea 250g", "Honeybush blend", "RB-TEA-250-HB", "95.00", "41.00"),
    Product("Beef Biltong Snack Pack", "100g", "BLT-100", "69.90", "31.50"),
    Product("Beef Biltong Snack Pack", "500g", "BLT-500", "299.00", "140.00"),
    Product("Protea Print T-Shirt", "S", "TSH-PRO-S", "349.00", "120.00"),
    Product("Protea Print T-Shirt", "M", "TSH-PRO-M", "349.00", "120.00"),
    Product("Protea Print T-Shirt", "L", "TSH-PRO-L", "349.00", "120.00"),
    Product("Hand-woven Ilala Basket", None, "BSK-ILA-01", "649.00", "260.00"),
    Product("Crème Rooibos Soap", None, "SOP-RB-01", "59.95", "18.00"),
    Product("Ndebele Pattern Cushion", None, "CSH-NDB-45", "459.00", "170.00"),
    Product("Merino Beanie", "Charcoal", "BNE-MER-CH", "279.00", "95.00"),
    Product("Ceramic Mug — Table Mountain", None, "MUG-TBL-01", "159.00", "52.00"),
    Product("Amarula Fudge", None, "FDG-AMA-200", "74.50", "29.00"),
    Product("Springbok Supporter Scarf", None, "SCF-SPR-01", "219.99", "80.00"),
    Product("Gift Card", "R500", "GC-500", "500.00", "0.00", False, False, True, "Shoplines Demo"),
    Product("Digital Recipe Book: Cape Malay Kitchen", None, "EBK-CMK-01", "149.00", "0.00", False, True),
)


@dataclass(frozen=True)
class Place:
    """A delivery place: city, province name/code, postal code, country code."""

    city: str
    province: str | None
    province_code: str | None
    zip: str
    country: str
    country_code: str


SA_PLACES: tuple[Place, ...] = (
    Place("Cape Town", "Western Cape", "WC", "8001", "South Africa", "ZA"),
    Place("Stellenbosch", "Western Cape", "WC", "7600", "South Africa", "ZA"),
    Place("Johannesburg", "Gauteng", "GP", "2196", "South Africa", "ZA"),
    Place("Pretoria", "Gauteng", "GP", "0181", "South Africa", "ZA"),
    Place("Durban", "KwaZulu-Natal", "KZN", "4001", "South Africa", "ZA"),
    Place("Gqeberha", "Eastern Cape", "EC", "6001", "South Africa", "ZA"),
    Place("Bloemfontein", "Free State", "FS", "9301", "South Africa", "ZA"),
    Place("Polokwane", "Limpopo", "LP", "0699", "South Africa", "ZA"),
    Place("Mbombela", "Mpumalanga", "MP", "1200", "South Africa", "ZA"),
    Place("Kimberley", "Northern Cape", "NC", "8301", "South Africa", "ZA"),
    Place("Mahikeng", "North West", "NW", "2745", "South Africa", "ZA"),
)

EXPORT_PLACES: tuple[Place, ...] = (
    Place("Windhoek", None, None, "10005", "Namibia", "NA"),
    Place("Gaborone", None, None, "00267", "Botswana", "BW"),
    Place("Maseru", None, None, "100", "Lesotho", "LS"),
)

FIRST_NAMES = (
    "Thandiwe",
    "Zoë",
    "Sipho",
    "Anél",
    "Nomvula",
    "Pieter-Jan",
    "Lerato",
    "Renée",
    "Kagiso",
    "Siyabonga",
    "Chloé",
    "Mohammed",
    "Ayanda",
    "Élise",
    "Tshepo",
    "Naledi",
)
LAST_NAMES = (
    "Nkosi",
    "van der Merwe",
    "Dlamini",
    "Botha",
    "Mthembu",
    "du Plessis",
    "Mokoena",
    "Pillay",
    "Naidoo",
    "Khumalo",
    "Müller",
    "Ndlovu",
    "Jacobs",
    "O'Reilly",
    "Sithole",
    "Govender",
)
STREETS = (
    "Long Street",
    "Jan Smuts Avenue",
    "Florida Road",
    "Church Street",
    "Main Road",
    "Voortrekker Road",
    "Nelson Mandela Drive",
    "Bree Street",
    "Oxford Road",
    "Beach Road",
)

# Free text that spreadsheet software would read as a formula (downstream must neutralise it).
FORMULA_TEXTS = (
    '=HYPERLINK("x","y")',
    "+27 leave at gate",
    "-fragile-",
    "@reception desk",
    "=1+1",
    "+SUM(A1:A2)",
)

GATEWAYS = ("PayFast", "Yoco", "Peach Payments", "Ozow")
TEST_GATEWAY = "bogus"

DOMESTIC_SHIPPING = (
    ("The Courier Guy — Door to Door", "TCG-D2D", "99.00"),
    ("Pargo Pickup Point", "PARGO", "65.00"),
    ("PostNet to PostNet", "PN2PN", "109.00"),
)
EXPORT_SHIPPING = ("DHL Express International", "DHL-INTL", "450.00")
FREE_SHIPPING_CODE = "FREESHIP"
PERCENT_CODES = (("WELCOME10", Decimal("0.10")), ("HERITAGE15", Decimal("0.15")))

LOCATIONS = (
    ("Cape Town 3PL Warehouse", "Unit 4, Epping Industria 2", "Cape Town", "WC", "7460"),
    ("Johannesburg Retail Store", "The Zone, Oxford Road", "Johannesburg", "GP", "2196"),
    ("Durban Pop-up", "Gateway Theatre of Shopping", "Umhlanga", "KZN", "4319"),
)

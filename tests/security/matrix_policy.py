"""Who may use each URL of the marketplace: the policy ``test_url_matrix`` holds the code to.

One row per route (the readable form of its pattern: ``/accounts/addresses/<int:pk>/``, regex
groups shown as ``<name>``). A new route without a row fails the matrix test: add the row here,
deciding who may use it.

Columns of a row: the route, the roles allowed, the URL arguments (``name=object``, objects built
by ``test_url_matrix.world_build``; ``{m}`` is the merchant whose objects are used) and flags:

    post      POST-only: a GET may answer 405 to anyone; the refused roles' POSTs must be refused
    fresh     request with a client of its own (sign-out pages: the shared client stays signed in)
    ok=503    also accept this status from an allowed role (``/readyz`` without a worker)
    no=redirect  also accept a redirect (elsewhere than a sign-in page) for a refused role
    as=a,b    request it as these roles only (a page that does not look at the user and is slow)
    ?a=b      a query string for the GET

Roles: anonymous, customer (a plain signed-in buyer who owns the storefront objects: addresses,
orders, wish lists, e-mails), merchant_a and merchant_b (staff of partners A and B), customs
(customs officer), finance (municipal finance), municipal (municipal staff: reviewers), admin
(superuser). Shorthands: ``all``, ``signed_in`` (all but anonymous), ``staff`` (the is_staff
users: customs, finance, municipal, admin), ``own`` (the merchant whose objects fill the URL),
``merchants`` (both), ``nobody`` (everyone refused: URLs with an invalid token or hash).

Admin pages are generated from ``ADMIN_ACCESS`` and ``ADMIN_SUPERUSER_ONLY``: every model
registered in the admin must be listed in one of them (a new model fails the test). Staff see a
model's changelist, change form and history with its view or change permission, the add form with
the add permission and the delete page with the delete permission (``marketplace.core.roles``);
superusers everything but adding what ``ADMIN_NO_ADD`` lists and deleting what ``ADMIN_NO_DELETE``
lists (records only services write).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Final

ROLES: Final = (
    "anonymous",
    "customer",
    "merchant_a",
    "merchant_b",
    "customs",
    "finance",
    "municipal",
    "admin",
)

GROUPS: Final[dict[str, tuple[str, ...]]] = {
    "all": ROLES,
    "signed_in": ROLES[1:],
    "staff": ("customs", "finance", "municipal", "admin"),
    "merchants": ("merchant_a", "merchant_b"),
    "nobody": (),
}


@dataclass(frozen=True)
class Rule:
    route: str
    roles: tuple[str, ...]  # role names, group names and "own"
    args: str = ""
    post_only: bool = False
    fresh: bool = False
    extra_ok: frozenset[str] = frozenset()
    extra_no: frozenset[str] = frozenset()
    only_as: tuple[str, ...] = ()
    query: str = ""
    admin_model: str = ""  # "app_label.model": object_id is one of its rows

    @property
    def per_merchant(self) -> bool:
        return "{m}" in self.args or "own" in self.roles

    def roles_for(self, merchant: str) -> frozenset[str]:
        result: set[str] = set()
        for token in self.roles:
            if token == "own":
                result.add(f"merchant_{merchant}")
            elif token in GROUPS:
                result.update(GROUPS[token])
            else:
                assert token in ROLES, f"{self.route}: unknown role {token!r}"
                result.add(token)
        return frozenset(result)

    def values(self, objects: dict[str, Any], merchant: str, route: str) -> dict[str, Any]:
        values: dict[str, Any] = {}
        for item in self.args.split():
            name, key = item.split("=", 1)
            if key.startswith("'"):
                values[name] = key.strip("'")
            else:
                values[name] = objects[key.format(m=merchant)]
        if self.admin_model:
            values.setdefault("object_id", objects["admin_ids"][self.admin_model])
        return values


def _rows(text: str) -> dict[str, Rule]:
    """Parse ``route | roles | args | flags`` lines (``#`` starts a comment)."""
    rules = {}
    for raw in text.splitlines():
        line = raw.split(" #", 1)[0].strip()
        if not line or line.startswith("#"):
            continue
        parts = [p.strip() for p in line.split("|")] + ["", "", ""]
        route, roles, args, flags = parts[:4]
        post = "post" in flags.split()
        fresh = "fresh" in flags.split()
        extra = frozenset(f[3:] for f in flags.split() if f.startswith("ok="))
        extra_no = frozenset(f[3:] for f in flags.split() if f.startswith("no="))
        only_as = next((tuple(f[3:].split(",")) for f in flags.split() if f.startswith("as=")), ())
        query = next((f for f in flags.split() if f.startswith("?")), "")
        assert route not in rules, f"two rows for {route}"
        rules[route] = Rule(
            route, tuple(roles.split()), args, post, fresh, extra, extra_no, only_as, query
        )
    return rules


# fmt: off
RULES: Final[dict[str, Rule]] = _rows(r"""
# --- platform --------------------------------------------------------------------------------------------
/healthz                                              | all
/readyz                                               | all                    |                                    | ok=503 as=anonymous,admin
/i18n/setlang/                                        | all
/currency/                                            | all

# --- storefront: catalogue, search, offers, basket, checkout (Oscar) -------------------------------------
/                                                     | all
/catalogue/                                           | all
/catalogue/<product_slug>_<pk>/                       | all                    | product_slug=product_slug pk=product_a
/catalogue/category/<category_slug>_<pk>/             | all                    | category_slug=category_slug pk=category
/catalogue/ranges/<slug>/                             | all                    | slug=range_slug
/catalogue/<product_slug>_<product_pk>/reviews/       | all                    | product_slug=product_slug product_pk=product_a
/catalogue/<product_slug>_<product_pk>/reviews/<int:pk>/ | all                 | product_slug=product_slug product_pk=product_a pk=review
/catalogue/<product_slug>_<product_pk>/reviews/add/   | all                    | product_slug=product_slug product_pk=product_a
/catalogue/<product_slug>_<product_pk>/reviews/<int:pk>/vote/ | signed_in      | product_slug=product_slug product_pk=product_a pk=review | post
/search/                                              | all                    |                                    | ?q=saffron
/offers/                                              | all
/offers/<slug>/                                       | all                    | slug=offer_slug
/wishlists/<str:key>/                                 | customer               | key=wishlist_key
/basket/                                              | all
/basket/add/<int:pk>/                                 | all                    | pk=product_a                       | post
/basket/vouchers/add/                                 | all                    |                                    | post
/basket/vouchers/<int:pk>/remove/                     | all                    | pk=voucher                         | post
/basket/saved/                                        | signed_in              |                                    | post
/checkout/                                            | all
/checkout/shipping-address/                           | all
/checkout/shipping-method/                            | all
/checkout/payment-method/                             | all
/checkout/payment-details/                            | all
/checkout/preview/                                    | all
/checkout/thank-you/                                  | all
/checkout/user-address/edit/<int:pk>/                 | customer               | pk=address
/checkout/user-address/delete/<int:pk>/               | customer               | pk=address
/checkout/payment-return/<int:pk>/<str:token>/        | nobody                 | pk=merchant_order_a token='not-the-token'

# --- storefront: the customer's account (Oscar); their objects are theirs only ---------------------------
/accounts/login/                                      | all
/accounts/logout/                                     | all                    |                                    | fresh
/accounts/register/                                   | all
/accounts/                                            | signed_in
/accounts/change-password/                            | signed_in
/accounts/profile/                                    | signed_in
/accounts/profile/edit/                               | signed_in
/accounts/profile/delete/                             | signed_in
/accounts/orders/                                     | signed_in
/accounts/orders/<str:order_number>/                  | customer               | order_number=customer_order
/accounts/orders/<str:order_number>/<int:line_id>/    | customer               | order_number=customer_order line_id=customer_line
/accounts/order-status-form/<order_number>/<hash>/    | all                    | order_number=customer_order hash='not-the-hash'   # asks for the e-mail; shows nothing
/accounts/order-status/<order_number>/<hash>/         | nobody                 | order_number=customer_order hash='not-the-hash' | no=redirect   # to the e-mail form
/accounts/addresses/                                  | signed_in
/accounts/addresses/add/                              | signed_in
/accounts/addresses/<int:pk>/                         | customer               | pk=address
/accounts/addresses/<int:pk>/delete/                  | customer               | pk=address
/accounts/addresses/<pk>/<action>/                    | customer               | pk=address action='default_for_shipping' | post
/accounts/emails/                                     | signed_in
/accounts/emails/<int:email_id>/                      | customer               | email_id=email
/accounts/notifications/                              | all                    # a redirect to the inbox
/accounts/notifications/inbox/                        | signed_in
/accounts/notifications/archive/                      | signed_in
/accounts/notifications/update/                       | signed_in              |                                    | post
/accounts/notifications/<int:pk>/                     | customer               | pk=notification
/accounts/alerts/                                     | signed_in
/accounts/alerts/create/<int:pk>/                     | all                    | pk=product_a                       | post
/accounts/alerts/confirm/<str:key>/                   | nobody                 | key='not-a-key'
/accounts/alerts/cancel/key/<str:key>/                | nobody                 | key='not-a-key'
/accounts/alerts/cancel/<int:pk>/                     | customer               | pk=product_alert                   | post
/accounts/wishlists/                                  | signed_in
/accounts/wishlists/create/                           | signed_in
/accounts/wishlists/create/with-product/<int:product_pk>/ | signed_in          | product_pk=product_a
/accounts/wishlists/add/<int:product_pk>/             | signed_in              | product_pk=product_a               | post
/accounts/wishlists/<str:key>/                        | customer               | key=wishlist_key
/accounts/wishlists/<str:key>/add/<int:product_pk>/   | customer               | key=wishlist_key product_pk=product_b | post
/accounts/wishlists/<str:key>/update/                 | customer               | key=wishlist_key
/accounts/wishlists/<str:key>/delete/                 | customer               | key=wishlist_key
/accounts/wishlists/<str:key>/lines/<int:line_pk>/delete/ | customer           | key=wishlist_key line_pk=wishlist_line
/accounts/wishlists/<str:key>/products/<int:product_pk>/delete/ | customer     | key=wishlist_key product_pk=product_a
/accounts/wishlists/<str:key>/lines/<int:line_pk>/move-to/<str:to_key>/ | customer | key=wishlist_key line_pk=wishlist_line_2 to_key=wishlist_key_2   # Oscar moves on GET
# Oscar forbids these to signed-in users (403): they change their password on /accounts/.
/password-reset/                                      | anonymous
/password-reset/done/                                 | anonymous
/password-reset/confirm/<str:uidb64>/<str:token>/     | anonymous                   | uidb64='MQ' token='not-a-token'    # "invalid link" page
/password-reset/complete/                             | anonymous

# --- merchants: applying, municipal review, licence scans, public pages ---------------------------------
/merchants/apply/                                     | signed_in
/merchants/review/                                    | municipal admin
/merchants/review/<int:pk>/                           | municipal admin        | pk=application_{m}
/merchants/applications/<int:pk>/licence/             | own municipal admin    | pk=application_{m}
/merchants/<slug:slug>/                               | all                    | slug=slug_{m}

# --- customs officers' workspace; a declaration's files also to its merchant's staff --------------------
/customs/                                             | customs
/customs/declarations/<int:pk>/                       | customs                | pk=declaration_{m}
/customs/declarations/<int:pk>/ecn23.json             | customs own            | pk=declaration_{m}
/customs/declarations/<int:pk>/cn23.pdf               | customs own            | pk=declaration_{m}
/customs/declarations/<int:pk>/invoice.pdf            | customs own            | pk=declaration_{m}
/customs/declarations/<int:pk>/documents/<int:document_pk>/ | customs own      | pk=declaration_{m} document_pk=document_{m}
/customs/declarations/<int:pk>/<slug:action>/         | customs                | pk=declaration_{m} action='release' | post
/customs/rules/                                       | customs admin
/customs/hooks/status/                                | all                    |                                    | post   # signed by the customs system
/customs/hooks/dead-letters/                          | admin

# --- payments: webhooks (signed), the sandbox bank's 3-D Secure page (token), refunds -------------------
/payments/webhooks/<str:provider>/                    | all                    | provider='sandbox'                 | post
/payments/stripe/webhook/                             | all                    |                                    | post
/payments/sandbox/3ds/<str:token>/                    | nobody                 | token='not-a-token'
/payments/refunds/merchant-order/<int:pk>/            | own admin              | pk=merchant_order_{m}

# --- municipal finance --------------------------------------------------------------------------------
/finance/                                             | finance admin
/finance/fees/                                        | finance admin
/finance/fees/new/                                    | finance admin
/finance/fees/<int:pk>/                               | finance admin          | pk=fee_rule
/finance/fees/<int:pk>/change/                        | finance admin          | pk=fee_rule
/finance/fees/<int:pk>/end/                           | finance admin          | pk=fee_rule                        | post
/finance/fees/<int:pk>/delete/                        | finance admin          | pk=fee_rule                        | post
/finance/reconciliation/                              | finance admin
/finance/reconciliation/runs/<int:pk>/                | finance admin          | pk=reconciliation_run
/finance/reconciliation/items/<int:pk>/resolve/       | finance admin          | pk=reconciliation_item             | post
/finance/remittance/                                  | finance admin
/finance/remittance/statement/                        | finance admin
/finance/remittance/statement/<str:fmt>/              | finance admin          | fmt='csv'
/finance/remittance/record/                           | finance admin          |                                    | post
/finance/audit/                                       | finance admin          # who changed what: staff sign-ins, fee rules, payouts
/transparency/                                        | all

# --- Oscar's dashboard: administrators; merchant staff for their own goods and orders only ------------
/dashboard/                                           | merchants admin
/dashboard/login/                                     | all
/dashboard/logout/                                    | all                    |                                    | post fresh
/dashboard/catalogue/                                 | merchants admin
/dashboard/catalogue/products/<int:pk>/               | own admin              | pk=product_{m}
/dashboard/catalogue/products/<int:pk>/delete/        | own admin              | pk=product_{m}
/dashboard/catalogue/products/create/                 | merchants admin
/dashboard/catalogue/products/create/<product_class_slug>/ | merchants admin   | product_class_slug=product_class_slug
/dashboard/catalogue/products/<int:parent_pk>/create-variant/ | admin          | parent_pk=parent_{m}
/dashboard/catalogue/products/bulk-action/            | merchants admin
/dashboard/catalogue/product-lookup/                  | merchants admin
/dashboard/catalogue/stock-alerts/                    | merchants admin
/dashboard/catalogue/categories/                      | admin
/dashboard/catalogue/categories/<int:pk>/             | admin                  | pk=category
/dashboard/catalogue/categories/create/               | admin
/dashboard/catalogue/categories/create/<int:parent>/  | admin                  | parent=category
/dashboard/catalogue/categories/<int:pk>/update/      | admin                  | pk=category
/dashboard/catalogue/categories/<int:pk>/delete/      | admin                  | pk=category
/dashboard/catalogue/product-types/                   | admin
/dashboard/catalogue/product-type/create/             | admin
/dashboard/catalogue/product-type/<int:pk>/update/    | admin                  | pk=product_class
/dashboard/catalogue/product-type/<int:pk>/delete/    | admin                  | pk=product_class
/dashboard/catalogue/attribute-option-group/          | admin
/dashboard/catalogue/attribute-option-group/create/   | admin
/dashboard/catalogue/attribute-option-group/<str:pk>/update/ | admin           | pk=option_group
/dashboard/catalogue/attribute-option-group/<str:pk>/delete/ | admin           | pk=option_group
/dashboard/catalogue/option/                          | admin
/dashboard/catalogue/option/create/                   | admin
/dashboard/catalogue/option/<str:pk>/update/          | admin                  | pk=option
/dashboard/catalogue/option/<str:pk>/delete/          | admin                  | pk=option
/dashboard/orders/                                    | merchants admin
/dashboard/orders/statistics/                         | merchants admin
/dashboard/orders/<str:number>/                       | own admin              | number=order_{m}
/dashboard/orders/<str:number>/notes/<int:note_id>/   | own admin              | number=order_{m} note_id=note_{m}
/dashboard/orders/<str:number>/lines/<int:line_id>/   | own admin              | number=order_{m} line_id=line_{m}
/dashboard/orders/<str:number>/shipping-address/      | own admin              | number=order_{m}
/dashboard/reports/                                   | admin
/dashboard/users/                                     | admin
/dashboard/users/<pk>/                                | admin                  | pk=buyer
/dashboard/users/<pk>/password-reset/                 | admin                  | pk=buyer                           | post
/dashboard/users/alerts/                              | admin
/dashboard/users/alerts/<pk>/delete/                  | admin                  | pk=product_alert
/dashboard/users/alerts/<pk>/update/                  | admin                  | pk=product_alert
/dashboard/pages/                                     | admin
/dashboard/pages/create/                              | admin
/dashboard/pages/update/<str:pk>/                     | admin                  | pk=page
/dashboard/pages/delete/<str:pk>/                     | admin                  | pk=page
/dashboard/partners/                                  | admin
/dashboard/partners/create/                           | admin
/dashboard/partners/<int:pk>/                         | admin                  | pk=partner_{m}
/dashboard/partners/<int:pk>/delete/                  | admin                  | pk=partner_{m}
/dashboard/partners/<int:partner_pk>/users/add/       | admin                  | partner_pk=partner_{m}
/dashboard/partners/<int:partner_pk>/users/select/    | admin                  | partner_pk=partner_{m}
/dashboard/partners/<int:partner_pk>/users/<int:user_pk>/link/ | admin         | partner_pk=partner_{m} user_pk=staff_{m} | post
/dashboard/partners/<int:partner_pk>/users/<int:user_pk>/unlink/ | admin       | partner_pk=partner_{m} user_pk=staff_{m} | post
/dashboard/partners/<int:partner_pk>/users/<int:user_pk>/update/ | admin       | partner_pk=partner_{m} user_pk=staff_{m}
/dashboard/offers/                                    | admin
/dashboard/offers/new/metadata/                       | admin
/dashboard/offers/new/condition/                      | admin
/dashboard/offers/new/incentive/                      | admin
/dashboard/offers/new/restrictions/                   | admin
/dashboard/offers/<int:pk>/                           | admin                  | pk=offer
/dashboard/offers/<int:pk>/metadata/                  | admin                  | pk=offer
/dashboard/offers/<int:pk>/condition/                 | admin                  | pk=offer
/dashboard/offers/<int:pk>/incentive/                 | admin                  | pk=offer
/dashboard/offers/<int:pk>/restrictions/              | admin                  | pk=offer
/dashboard/offers/<int:pk>/delete/                    | admin                  | pk=offer
/dashboard/ranges/                                    | admin
/dashboard/ranges/create/                             | admin
/dashboard/ranges/<int:pk>/                           | admin                  | pk=range
/dashboard/ranges/<int:pk>/delete/                    | admin                  | pk=range
/dashboard/ranges/<int:pk>/products/                  | admin                  | pk=range
/dashboard/ranges/<int:pk>/reorder/                   | admin                  | pk=range                           | post
/dashboard/reviews/                                   | admin
/dashboard/reviews/<int:pk>/                          | admin                  | pk=review
/dashboard/reviews/<int:pk>/delete/                   | admin                  | pk=review
/dashboard/vouchers/                                  | admin
/dashboard/vouchers/create/                           | admin
/dashboard/vouchers/update/<int:pk>/                  | admin                  | pk=voucher
/dashboard/vouchers/delete/<int:pk>/                  | admin                  | pk=voucher
/dashboard/vouchers/stats/<int:pk>/                   | admin                  | pk=voucher
/dashboard/vouchers/sets/                             | admin
/dashboard/vouchers/sets/create/                      | admin
/dashboard/vouchers/sets/update/<int:pk>/             | admin                  | pk=voucher_set
/dashboard/vouchers/sets/detail/<int:pk>/             | admin                  | pk=voucher_set
/dashboard/vouchers/sets/download/<int:pk>/           | admin                  | pk=voucher_set
/dashboard/vouchers/sets/delete/<int:pk>/             | admin                  | pk=voucher_set
/dashboard/comms/                                     | admin
/dashboard/comms/<slug>/                              | admin                  | slug=comms_code
/dashboard/shipping/weight-based/                     | admin
/dashboard/shipping/weight-based/create/              | admin
/dashboard/shipping/weight-based/<int:pk>/            | admin                  | pk=shipping_method
/dashboard/shipping/weight-based/<int:pk>/edit/       | admin                  | pk=shipping_method
/dashboard/shipping/weight-based/<int:pk>/delete/     | admin                  | pk=shipping_method
/dashboard/shipping/weight-based/<int:method_pk>/bands/<int:pk>/ | admin       | method_pk=shipping_method pk=shipping_band
/dashboard/shipping/weight-based/<int:method_pk>/bands/<int:pk>/delete/ | admin | method_pk=shipping_method pk=shipping_band

# --- ours in the dashboard: catalogue imports, customs data, money, customs declarations --------------
/dashboard/imports/                                   | merchants
/dashboard/imports/<int:pk>/                          | own                    | pk=import_job_{m}
/dashboard/imports/<int:pk>/progress/                 | own                    | pk=import_job_{m}
/dashboard/imports/<int:pk>/file/                     | own admin              | pk=import_job_{m}                  | ok=404   # no file on disk in this world
/dashboard/merchant/products/<int:pk>/customs/        | own customs admin      | pk=product_{m}
/dashboard/merchant/hs-codes/                         | merchants customs admin |                                   | ?q=0910
/dashboard/merchant/money/                            | merchants admin
/dashboard/merchant/money/statement.csv               | merchants              # administrators choose a merchant first (404 without one)
/dashboard/merchant/customs/                          | merchants
/dashboard/merchant/customs/<int:pk>/                 | own                    | pk=declaration_{m}
/dashboard/merchant/customs/<int:pk>/queries/<int:query_pk>/answer/ | own      | pk=declaration_{m} query_pk=query_{m} | post

# --- the Django admin: the pages that are not a model's ------------------------------------------------
/admin/                                               | staff
/admin/login/                                         | all
/admin/logout/                                        | all                    |                                    | post fresh
/admin/password_change/                               | staff
/admin/password_change/done/                          | staff
/admin/jsi18n/                                        | staff
/admin/autocomplete/                                  | nobody                 # no field named: 403 even to admins
/admin/r/<path:content_type_id>/<path:object_id>/     | staff                  | content_type_id=product_content_type object_id=product_a
/admin/<app_label>/                                   | customs admin          | app_label='customs'
/admin/<url>                                          | nobody                 | url='no-such-page/'
/admin/auth/user/<id>/password/                       | admin                  | id=buyer
/admin/catalogue/category/children/<str:parent_id>/   | admin                  | parent_id=category
/admin/catalogue/category/jsi18n/                     | all                    # translations for the tree widget
/admin/catalogue/category/move/                       | admin                  |                                    | post ok=400
/admin/otp_totp/totpdevice/<int:pk>/config/           | admin                  | pk=totp_device
/admin/otp_totp/totpdevice/<int:pk>/qrcode/           | admin                  | pk=totp_device

# --- staff two-factor sign-in (accounts_security) ------------------------------------------------------
/two-factor/verify/                                   | signed_in
/two-factor/setup/                                    | signed_in
""")
# fmt: on

#: Models in the admin that some staff role reaches, by action (view also opens the change form
#: read-only and the history). Everything else in the admin is for superusers only.
ADMIN_ACCESS: Final[dict[str, dict[str, tuple[str, ...]]]] = {
    "catalogue.product": {"view": ("customs",)},
    "customs.hscode": {"view": ("customs",)},
    "customs.productcustomsinfo": {"view": ("customs",), "change": ("customs",)},
    "customs.declaration": {"view": ("customs",)},
    "customs.destinationrule": {"view": ("customs",)},
    "customs.hsrule": {"view": ("customs",)},
    "customs.riskrule": {"view": ("customs",)},
    "merchants.merchant": {"view": ("finance", "municipal")},
    "merchants.merchantapplication": {"view": ("municipal",)},
    "partner.partner": {"view": ("finance",)},
    "partner.stockrecord": {"view": ("finance",)},
    "fees.feerule": {"view": ("finance",), "change": ("finance",)},
}

#: Records only services write: nobody adds them in the admin, not even superusers (append-only
#: ledgers and event logs, processor records, declarations; fee rules go through /finance/fees/).
ADMIN_NO_ADD: Final = frozenset(
    [
        "axes.accessattempt",
        "axes.accessfailurelog",
        "axes.accesslog",
        "catalogue_imports.importjob",
        "customs.declaration",
        "customs.declarationevent",
        "customs.hscode",
        "customs.inboundevent",
        "customs.outbounddelivery",
        "fees.feerule",
        "fees.orderlinefees",
        "ledger.account",
        "ledger.transaction",
        "merchants.merchantapplication",
        "outbox.outboxmessage",
        "payments.payment",
        "payments.providerevent",
        "payments.refund",
        "settlement.merchantordersettlement",
        "settlement.merchantpayoutaccount",
        "settlement.payout",
    ]
)
#: ... and nobody deletes these.
ADMIN_NO_DELETE: Final = frozenset(
    [
        "customs.declaration",
        "customs.declarationevent",
        "customs.hscode",
        "customs.inboundevent",
        "customs.outbounddelivery",
        "fees.feerule",
        "fees.orderlinefees",
        "ledger.account",
        "ledger.transaction",
        "merchants.merchantapplication",
        "payments.payment",
        "payments.providerevent",
        "payments.refund",
        "settlement.merchantordersettlement",
        "settlement.merchantpayoutaccount",
        "settlement.payout",
    ]
)

ADMIN_SUPERUSER_ONLY: Final = frozenset(
    [
        "axes.accessattempt",
        "axes.accessfailurelog",
        "axes.accesslog",
        "otp_static.staticdevice",
        "otp_totp.totpdevice",
        "outbox.outboxmessage",
        "address.country",
        "address.useraddress",
        "analytics.productrecord",
        "analytics.userproductview",
        "analytics.userrecord",
        "analytics.usersearch",
        "auth.group",
        "auth.user",
        "basket.basket",
        "basket.line",
        "basket.lineattribute",
        "catalogue.attributeoptiongroup",
        "catalogue.category",
        "catalogue.option",
        "catalogue.productattribute",
        "catalogue.productattributevalue",
        "catalogue.productcategory",
        "catalogue.productclass",
        "catalogue.productimage",
        "catalogue_imports.importjob",
        "communication.communicationeventtype",
        "communication.email",
        "communication.notification",
        "currencies.exchangerate",
        "customer.productalert",
        "customs.declarationevent",
        "customs.inboundevent",
        "customs.merchantwebhooksubscription",
        "customs.outbounddelivery",
        "fees.orderlinefees",
        "flatpages.flatpage",
        "ledger.account",
        "ledger.transaction",
        "offer.benefit",
        "offer.condition",
        "offer.conditionaloffer",
        "offer.range",
        "order.billingaddress",
        "order.communicationevent",
        "order.line",
        "order.lineattribute",
        "order.lineprice",
        "order.order",
        "order.orderdiscount",
        "order.ordernote",
        "order.orderstatuschange",
        "order.paymentevent",
        "order.paymenteventtype",
        "order.shippingaddress",
        "order.shippingevent",
        "order.shippingeventtype",
        "order.surcharge",
        "payment.bankcard",
        "payment.source",
        "payment.sourcetype",
        "payment.transaction",
        "payments.payment",
        "payments.providerevent",
        "payments.refund",
        "reviews.productreview",
        "reviews.vote",
        "settlement.merchantordersettlement",
        "settlement.merchantpayoutaccount",
        "settlement.payout",
        "shipping.orderanditemcharges",
        "shipping.weightbased",
        "sites.site",
        "voucher.voucher",
        "voucher.voucherapplication",
        "wishlists.line",
        "wishlists.wishlist",
        "wishlists.wishlistsharedemail",
    ]
)

_ADMIN_MODEL_ROUTE = re.compile(
    r"^/admin/(?P<app>\w+)/(?P<model>\w+)/(?P<rest>|add/|<path:object_id>/(?:|history/|delete/|change/))$"
)


def _admin_rule(route: str) -> Rule | None:
    match = _ADMIN_MODEL_ROUTE.match(route)
    if match is None:
        return None
    label = f"{match['app']}.{match['model']}"
    if label in ADMIN_ACCESS:
        access = ADMIN_ACCESS[label]
    elif label in ADMIN_SUPERUSER_ONLY:
        access = {}
    else:
        return None  # a model nobody has classified
    viewers = ("admin", *access.get("view", ()), *access.get("change", ()))
    roles = {
        "": viewers,
        "add/": () if label in ADMIN_NO_ADD else ("admin", *access.get("add", ())),
        "<path:object_id>/": ("staff",),  # a redirect to the change form, which decides
        "<path:object_id>/history/": viewers,
        "<path:object_id>/delete/": () if label in ADMIN_NO_DELETE else ("admin",),
        "<path:object_id>/change/": viewers,
    }[match["rest"]]
    # The history page looks the object up before the permission: for a model with no rows
    # (object "0") it redirects everyone to the admin index, which shows nothing of it.
    extra_no = frozenset({"redirect"}) if match["rest"].endswith("history/") else frozenset()
    return Rule(route, roles, admin_model=label, extra_no=extra_no)


def rule_for(route: str) -> Rule | None:
    """The policy row of a readable route, or None when it has none."""
    return RULES.get(route) or _admin_rule(route)


def stale_rules(routes: set[str]) -> list[str]:
    """Rows and admin models that match no route."""
    stale = sorted(set(RULES) - routes)
    admin_models = {
        f"{m['app']}.{m['model']}" for r in routes if (m := _ADMIN_MODEL_ROUTE.match(r))
    }
    stale += sorted((set(ADMIN_ACCESS) | ADMIN_SUPERUSER_ONLY) - admin_models)
    return stale

from django import http
from django.conf import settings
from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext as _
from django.views import generic
from oscar.apps.checkout import exceptions, views
from oscar.apps.payment.exceptions import PaymentError, RedirectRequired, UnableToTakePayment
from oscar.core.loading import get_model

from customs.exceptions import DestinationNotSupported
from customs.selectors.checkout import merchant_orders_landed_cost
from marketplace.core.money import Money
from marketplace.oscar_apps.checkout.forms import CardForm, TokenForm
from payments.exceptions import (
    CurrencyNotSupported,
    PaymentDeclined,
    PaymentNotPlaceable,
    PaymentUnavailable,
    PlacementFailed,
)
from payments.gateways import gateway_get
from payments.messages import decline_message
from payments.models import Payment, PaymentStatus
from payments.selectors import payment_for_purchase
from payments.services import (
    basket_thaw_if_abandoned,
    checkout_snapshot,
    payment_authorize,
    payment_complete,
    payment_status_sync,
)
from purchases.models import Purchase
from purchases.quotes import LandedQuote, purchase_quote_landed
from purchases.selectors import purchase_with_parts
from purchases.shipping import Repository

Basket = get_model("basket", "Basket")

OrderPlacementMixin = views.OrderPlacementMixin


def payment_return_token(payment_id: int) -> str:
    """The secret part of a payment's return URL: only the buyer's browser is ever given it."""
    return salted_hmac("checkout.payment-return", str(payment_id), algorithm="sha256").hexdigest()[
        :32
    ]


def payment_return_url(request, payment: Payment) -> str:
    path = reverse(
        "checkout:payment-return",
        kwargs={"pk": payment.pk, "token": payment_return_token(payment.pk)},
    )
    return request.build_absolute_uri(path)


def blocked_messages(basket, landed: LandedQuote, country: str) -> list[str]:
    """One message per basket line customs does not let through: which line, and why."""
    lines = {line.pk: line for line in basket.all_lines()}
    result = []
    for pk, reasons in landed.blocked.items():
        line = lines.get(pk)
        title = line.product.get_title() if line is not None else str(pk)
        result.append(
            _("“%(title)s” cannot be shipped to %(country)s: %(reasons)s")
            % {"title": title, "country": country, "reasons": " ".join(reasons)}
        )
    return result


class ShippingMethodView(views.ShippingMethodView):
    def get_available_shipping_methods(self):
        return Repository().get_shipping_methods(
            basket=self.request.basket,
            user=self.request.user,
            shipping_addr=self.get_shipping_address(self.request.basket),
            request=self.request,
        )


class PaymentDetailsView(views.PaymentDetailsView):
    """Card details (sandbox) or Stripe's Payment Element, then the preview, then payment.

    Card fields are posted from the payment-details page to the preview and re-submitted from
    hidden inputs there (Oscar's recommended way); they are never stored in the session.
    ``handle_payment`` authorises the purchase total (``purchase_quote_landed``: abroad, with
    the duty and import VAT customs says to collect under DDP) through
    ``payments.services.payment_authorize``; Oscar then calls ``handle_order_placement`` (our
    ``purchase_place``, which builds the same quote, under the payment's lock), after which the
    payment is captured. Goods customs does not let through to the address are refused before
    the card step (``check_customs_allows_delivery``), each line with its reason.
    """

    # Customs comes right after the address: prohibited goods never reach the card step.
    pre_conditions = [*views.PaymentDetailsView.pre_conditions, "check_customs_allows_delivery"]

    def card_form_class(self):
        return TokenForm if settings.STRIPE_PUBLISHABLE_KEY else CardForm

    def _country(self, basket):
        shipping_address = self.get_shipping_address(basket)
        return getattr(shipping_address, "country_id", None) if shipping_address else None

    def _landed(self, basket) -> LandedQuote:
        """The basket's quote to the shipping address with customs' view of it
        (``purchases.quotes.purchase_quote_landed``), computed once per request and basket.
        Raises ``DestinationNotSupported``."""
        country = self._country(basket)
        cache = basket.__dict__.setdefault("_landed_quotes", {})
        if country not in cache:
            cache[country] = purchase_quote_landed(basket=basket, country_code=country)
        return cache[country]

    def _quote(self, basket):
        """What the card is charged for: the purchase total, duties included under DDP."""
        return self._landed(basket).quote

    def check_customs_allows_delivery(self, request):
        """Back to the shipping address, with a message per line and why, when customs does not
        let a line through to the chosen country (or we do not ship there). Nothing is charged."""
        basket = request.basket
        if basket.is_empty:
            return
        country = self._country(basket)
        try:
            landed = self._landed(basket)
        except DestinationNotSupported as exc:
            raise exceptions.FailedPreCondition(
                url=reverse("checkout:shipping-address"), message=str(exc)
            ) from exc
        if not landed.allowed:
            raise exceptions.FailedPreCondition(
                url=reverse("checkout:shipping-address"),
                messages=[
                    *blocked_messages(basket, landed, str(country)),
                    _("Remove these from your basket, or choose another delivery address."),
                ],
            )

    def _payment_required(self, basket) -> bool:
        return not basket.is_empty and self._quote(basket).total_minor > 0

    def check_payment_data_is_captured(self, request):
        # The preview is reached by posting the card form; a bare GET has no card to charge.
        if request.method != "POST" and self._payment_required(request.basket):
            raise exceptions.FailedPreCondition(
                url=reverse("checkout:payment-details"),
                message=_("Please enter your card details."),
            )

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx.setdefault("card_form", self.card_form_class()())
        ctx["stripe_publishable_key"] = settings.STRIPE_PUBLISHABLE_KEY
        basket = ctx.get("basket")
        if basket is not None and not basket.is_empty:
            landed = self._landed(basket)
            quote = landed.quote
            charge = Money(quote.total_minor, quote.currency)
            ctx["charge"] = charge
            ctx["charge_supported"] = charge.currency in gateway_get().currencies
            # The preview's merchant parts, with each part's landed cost (duty and import VAT).
            ctx["quote"] = quote
            ctx["landed_costs"] = {
                part.partner.pk: landed.landed_cost_for(part.partner.pk) for part in quote.merchants
            }
        return ctx

    def handle_payment_details_submission(self, request):
        form = self.card_form_class()(request.POST)
        if form.is_valid():
            return self.render_preview(request, card_form=form)
        return self.render_payment_details(request, card_form=form)

    def handle_place_order_submission(self, request):
        submission = self.build_submission()
        if self._payment_required(submission["basket"]):
            form = self.card_form_class()(request.POST)
            if not form.is_valid():
                return self.render_payment_details(
                    request, card_form=form, error=_("Please check your card details.")
                )
            submission["payment_kwargs"]["card_form"] = form
        return self.submit(**submission)

    def handle_payment(self, order_number, total, **kwargs):
        """Authorise the purchase total; RedirectRequired for 3-D Secure (or to follow a payment an
        earlier submit of this basket already started), UnableToTakePayment with the buyer's-language
        reason for a refused card (the basket is restored, nothing is placed), PaymentError when
        the processor is unavailable."""
        self._payment_id = None
        basket = self.request.basket
        try:
            landed = self._landed(basket)
        except DestinationNotSupported as exc:
            raise UnableToTakePayment(str(exc)) from exc
        if not landed.allowed:
            raise UnableToTakePayment(
                " ".join(blocked_messages(basket, landed, str(self._country(basket))))
            )
        quote = landed.quote
        if quote.total_minor == 0:
            return
        form = kwargs.get("card_form")
        if form is None or not form.is_valid():
            raise UnableToTakePayment(_("Please enter your card details."))
        shipping_address = self.get_shipping_address(basket)
        shipping_method = self.get_shipping_method(basket, shipping_address)
        guest_email = self.checkout_session.get_guest_email() or ""
        user = self.request.user
        snapshot = checkout_snapshot(
            user=user,
            guest_email=guest_email,
            shipping_address=shipping_address,
            billing_address=self.get_billing_address(shipping_address),
            shipping_method_code=shipping_method.code if shipping_method else None,
            order_status=self.get_initial_order_status(basket),
        )
        try:
            outcome = payment_authorize(
                basket=basket,
                reference=str(order_number),
                amount=Money(quote.total_minor, quote.currency),
                payment_method=form.payment_method_input(),
                return_url=lambda payment: payment_return_url(self.request, payment),
                user=user,
                checkout=snapshot,
                customer_email=user.email if user.is_authenticated else guest_email,
            )
        except PaymentDeclined as exc:
            code = "incorrect_number" if exc.param == "number" else exc.decline_code
            raise UnableToTakePayment(
                decline_message(code=code, fallback=exc.user_message)
            ) from exc
        except CurrencyNotSupported as exc:
            raise UnableToTakePayment(
                _("Card payments in %(currency)s are not available at the moment.")
                % {"currency": exc.currency}
            ) from exc
        except PaymentUnavailable as exc:
            raise PaymentError(str(exc)) from exc
        payment = outcome.payment
        if not outcome.called_gateway:
            raise RedirectRequired(payment_return_url(self.request, payment))
        if payment.status == PaymentStatus.REQUIRES_ACTION and payment.action_url:
            raise RedirectRequired(payment.action_url)
        if payment.status in (PaymentStatus.AUTHORIZED, PaymentStatus.CAPTURED):
            self._payment_id = payment.pk
            return
        raise RedirectRequired(payment_return_url(self.request, payment))


class PaymentReturnView(OrderPlacementMixin, generic.View):
    """Where the buyer lands after 3-D Secure, or after a second submit of a basket whose payment
    is already under way: ask the processor, then place the purchase from the frozen basket and
    capture (``payments.services.payment_complete``), or reopen the basket and say why not.

    The URL carries a token only the buyer's browser was given. Safe to reload: a placed purchase
    is shown again, never placed twice.
    """

    pre_conditions = []
    skip_conditions = []
    processing_template = "oscar/checkout/payment_processing.html"

    def get(self, request, pk, token):
        if not constant_time_compare(token, payment_return_token(pk)):
            raise http.Http404("no such payment")
        payment = get_object_or_404(Payment, pk=pk)
        in_flight = payment.in_flight_until is not None and payment.in_flight_until > timezone.now()
        if (
            payment.purchase_id is None
            and not in_flight
            and payment.status
            in (
                PaymentStatus.CREATED,
                PaymentStatus.REQUIRES_ACTION,
            )
        ):
            payment = payment_status_sync(payment_id=pk, source="checkout:return")
        if payment.purchase_id is not None or payment.status in (
            PaymentStatus.AUTHORIZED,
            PaymentStatus.CAPTURED,
        ):
            try:
                purchase = payment_complete(payment_id=pk, source="checkout:return")
            except PlacementFailed as exc:
                return self._failed(payment, str(exc))
            except PaymentNotPlaceable:
                payment.refresh_from_db()
                return self._failed(payment, self._reason(payment))
            return self.handle_successful_purchase(purchase)
        if payment.status == PaymentStatus.REQUIRES_ACTION and payment.action_url:
            return redirect(payment.action_url)
        if payment.status == PaymentStatus.CREATED:
            return render(request, self.processing_template, {"payment": payment})
        return self._failed(payment, self._reason(payment))

    def _reason(self, payment):
        if payment.status in (PaymentStatus.EXPIRED, PaymentStatus.CANCELED):
            return decline_message(code=payment.status)
        return decline_message(code=payment.decline_code, fallback=payment.decline_message)

    def _failed(self, payment, message):
        """Reopen the basket (as Oscar's ``restore_frozen_basket`` does) and go back to the card."""
        basket_thaw_if_abandoned(basket_id=payment.basket_id)
        basket = Basket.objects.get(pk=payment.basket_id)
        if basket.status == Basket.OPEN and self.request.basket.id != basket.id:
            if self.request.basket.id:
                basket.merge(self.request.basket)
            basket.strategy = self.request.strategy
            self.request.basket = basket
        messages.error(self.request, message)
        return redirect("checkout:payment-details")


class ThankYouView(views.ThankYouView):
    """Shows the whole purchase: one confirmation with each merchant's part, and the payment."""

    template_name = "oscar/checkout/thank_you.html"

    def get_context_data(self, *args, **kwargs):
        ctx = super().get_context_data(*args, **kwargs)
        purchase_id = self.request.session.get("checkout_purchase_id")
        merchant_order = getattr(self.object, "merchant_order", None)
        if merchant_order is not None:
            purchase_id = merchant_order.purchase_id
        if purchase_id is not None:
            try:
                purchase = purchase_with_parts(purchase_id=purchase_id)
            except Purchase.DoesNotExist:
                return ctx
            ctx["purchase"] = purchase
            ctx["parts"] = list(purchase.merchant_orders.all())
            ctx["payment"] = payment_for_purchase(purchase_id=purchase.pk)
            ctx["landed_costs"] = merchant_orders_landed_cost(merchant_orders=ctx["parts"])
        return ctx

from django.contrib import messages
from django.db import transaction
from django.db.models import QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404
from oscar.apps.dashboard.orders import views
from oscar.core.loading import get_class

from customs.exceptions import ShipmentNotAllowed
from customs.selectors import order_shipment_check
from merchants.dashboard.selectors import dashboard_order_lines, dashboard_orders

ShippingAddress = views.ShippingAddress
EventHandler = get_class("order.processing", "EventHandler")


def _orders_for(user) -> QuerySet:
    """Oscar's ``queryset_orders_for_user`` (its joins and prefetches), narrowed by our rule."""
    return dashboard_orders(user=user, queryset=views.queryset_orders_for_user(user))


def _order_for_user_or_404(user, number):
    return get_object_or_404(_orders_for(user), number=number)


class AtomicStatusEventHandler(EventHandler):
    """Oscar's handler, with a status change and what its ``order_status_changed`` receivers
    record (settlement starts a delivered order's hold) committed together or not at all.

    A cross-border merchant order is refused "Shipped" (and "Delivered") until customs released
    its declaration (``customs.selectors.order_shipment_check``): raises
    ``customs.exceptions.ShipmentNotAllowed`` and nothing is changed."""

    def handle_order_status_change(self, order, new_status, note_msg=None):
        with transaction.atomic():
            order_shipment_check(order_id=order.pk, new_status=new_status)
            super().handle_order_status_change(order, new_status, note_msg=note_msg)


class OrderStatsView(views.OrderStatsView):
    def get_stats(self, filters):
        visible = dashboard_orders(user=self.request.user).values("pk")
        return super().get_stats({**filters, "pk__in": visible})


class OrderListView(views.OrderListView):
    handler_class = AtomicStatusEventHandler

    def change_order_status(self, request, order):
        # Oscar catches only payment errors; a refused shipment is said per order, the others
        # in a bulk change still go ahead.
        try:
            return super().change_order_status(request, order)
        except ShipmentNotAllowed as exc:
            messages.error(request, str(exc))
            return None

    def dispatch(self, request, *args, **kwargs):
        # Oscar's dispatch only sets base_queryset (from queryset_orders_for_user) before handing
        # over; set ours and skip it. Listing, search, CSV and bulk status changes all read it.
        self.base_queryset = _orders_for(request.user).order_by("-date_placed")
        return super(views.OrderListView, self).dispatch(request, *args, **kwargs)


class OrderDetailView(views.OrderDetailView):
    handler_class = AtomicStatusEventHandler

    def change_order_status(self, request, order):
        try:
            return super().change_order_status(request, order)
        except ShipmentNotAllowed as exc:
            messages.error(request, str(exc))
            return self.reload_page()

    def get_object(self, queryset=None):
        return _order_for_user_or_404(self.request.user, self.kwargs["number"])

    def get_order_lines(self):
        """The lines shown and acted on (status changes, shipping and payment events)."""
        return dashboard_order_lines(user=self.request.user, order=self.object)


class LineDetailView(views.LineDetailView):
    def get_object(self, queryset=None):
        order = _order_for_user_or_404(self.request.user, self.kwargs["number"])
        try:
            return dashboard_order_lines(user=self.request.user, order=order).get(
                pk=self.kwargs["line_id"]
            )
        except self.model.DoesNotExist as exc:
            raise Http404 from exc


class ShippingAddressUpdateView(views.ShippingAddressUpdateView):
    def get_object(self, queryset=None):
        order = _order_for_user_or_404(self.request.user, self.kwargs["number"])
        return get_object_or_404(ShippingAddress, order=order)

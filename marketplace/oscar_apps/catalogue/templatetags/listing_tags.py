"""``{% recently_viewed_listing current_product=product %}``: Oscar's recently viewed products,
loaded in a fixed number of queries and rendered with Oscar's own partial."""

from django import template
from oscar.core.loading import get_class

from marketplace.oscar_apps.catalogue.views import products_in_order

CustomerHistoryManager = get_class("customer.history", "CustomerHistoryManager")

register = template.Library()

RECENTLY_VIEWED_SHOWN = 6  # what Oscar's recently_viewed_products.html shows


@register.inclusion_tag("oscar/customer/history/recently_viewed_products.html", takes_context=True)
def recently_viewed_listing(context, current_product=None):
    request = context["request"]
    ids = list(reversed(CustomerHistoryManager.extract(request)))
    if current_product is not None:
        ids = [pk for pk in ids if pk != current_product.pk]
    # the partial shows the six most recent; load no more than that
    return {"products": products_in_order(ids[:RECENTLY_VIEWED_SHOWN]), "request": request}

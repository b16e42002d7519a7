from merchants.dashboard.selectors import dashboard_products_q


def partner_product_visibility_q(user):
    """The products a non-staff dashboard user may see, select and change.

    Oscar's version matches any product one of the user's partners stocks, including products
    another merchant stocks too (so merchant A could rename or delete merchant B's goods). Ours
    also excludes those; see ``merchants.dashboard.selectors``.
    """
    return dashboard_products_q(user=user)

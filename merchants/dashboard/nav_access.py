"""Oscar navigation ``access_fn`` for our merchant pages, importable from settings (no models).

Oscar's default access function only knows the URLs of its own dashboard apps.
"""

from typing import Any


def merchant_nav_access(user: Any, url_name: str, url_args=None, url_kwargs=None) -> bool:
    """Show the entry to merchant staff (the rule of ``merchants.dashboard.access``)."""
    from merchants.dashboard.access import user_is_merchant_staff

    return user_is_merchant_staff(user)

"""Oscar's partner app, forked only to replace ``strategy.py``.

Why: a merchant that is not trading (suspended, or never approved) must not sell, even to a
basket filled before the suspension. Oscar's seam for "can this be bought" is the strategy's
availability policy (``strategy.Default``). Models are Oscar's, unchanged (``models.py``); the
migrations are Oscar's, copied by ``oscar_fork_app`` (the app label stays ``partner``, so the
migration history of existing databases is unchanged).
"""

import oscar.apps.partner.apps as apps


class PartnerConfig(apps.PartnerConfig):
    name = "marketplace.oscar_apps.partner"

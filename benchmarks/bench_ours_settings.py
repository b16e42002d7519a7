"""The marketplace's production settings for ``bench_shop.py``, with one difference: static files
are stored without the hashed-name manifest.

Why: ``collectstatic`` with the production storage (whitenoise's CompressedManifestStaticFilesStorage)
stops on ``static/vendor/chart.js/chart.umd.min.js``, whose ``sourceMappingURL`` names a
``.map`` file that is not vendored. The benchmark fetches HTML only, so the compressed storage
without the manifest serves the same pages.
"""

from marketplace.settings.production import *  # noqa: F403

STORAGES["staticfiles"] = {  # noqa: F405
    "BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"
}

"""Static files as production serves them: collected into whitenoise's hashed, compressed manifest
storage. Any file that references a file we do not ship (a source map, a font) fails here."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_collectstatic_builds_the_production_manifest(tmp_path):
    # Given the production settings (whitenoise's manifest storage), collecting into a new folder
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "marketplace.settings.production",
        "SECRET_KEY": "collectstatic-test-" + "x" * 50,
        "ALLOWED_HOSTS": "market.example",
        "STATIC_ROOT": str(tmp_path),
    }

    # When every static file is collected and post-processed
    result = subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )

    # Then it succeeds and the vendored assets are listed in the manifest under hashed names
    assert result.returncode == 0, result.stderr
    paths = json.loads((tmp_path / "staticfiles.json").read_text())["paths"]
    assert paths["vendor/chart.js/chart.umd.min.js"].startswith("vendor/chart.js/chart.umd.min.")
    assert "vendor/vazirmatn/fonts/Vazirmatn-Regular.ttf" in paths
    assert "finance/dashboard.js" in paths

#!/usr/bin/env bash
# Refresh static/vendor/ from the npm registry (versions pinned in package.json). The copies are
# committed, so running the marketplace needs no Node.js; run this only to upgrade an asset.
set -euo pipefail
cd "$(dirname "$0")/.."
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp package.json "$work/"
(cd "$work" && npm install --no-audit --no-fund --silent)
m="$work/node_modules"
mkdir -p static/vendor/chart.js static/vendor/vazirmatn/fonts
cp "$m/chart.js/dist/chart.umd.min.js" "$m/chart.js/LICENSE.md" static/vendor/chart.js/
# The source map is not vendored; its reference would fail collectstatic's manifest storage.
sed -i '/^\/\/# sourceMappingURL=/d' static/vendor/chart.js/chart.umd.min.js
cp "$m/vazirmatn/fonts/ttf/Vazirmatn-Regular.ttf" "$m/vazirmatn/fonts/ttf/Vazirmatn-Bold.ttf" \
    static/vendor/vazirmatn/fonts/
cp "$m/vazirmatn/OFL.txt" static/vendor/vazirmatn/
echo "static/vendor refreshed from npm"

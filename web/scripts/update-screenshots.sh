#!/usr/bin/env bash
# Copies the documented subset of the Playwright screenshots (written by
# scripts/test/test-web.sh to web/e2e/.out/screenshots) to docs/screenshots/.
set -euo pipefail
cd "$(dirname "$0")/../.."
src=web/e2e/.out/screenshots
dst=docs/screenshots
mkdir -p "$dst"
for name in admin-jobs-desktop admin-job-detail-desktop admin-job-new-desktop admin-statuses-desktop \
  admin-jobs-mobile worker-jobs-mobile worker-job-mobile customer-job-desktop share-mobile share-revoked-mobile login-mobile; do
  cp "$src/$name.png" "$dst/$name.png"
done
du -ch "$dst"/*.png | tail -1

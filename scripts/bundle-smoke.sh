#!/usr/bin/env bash
# Build the PyInstaller bundle from installer.spec and smoke-test it: `dso --version`, the
# offscreen start-up self-check, the launcher. Prints the compressed release archive size.
# Usage: scripts/bundle-smoke.sh [OUT_DIR]   (default: build/ and dist/ in the checkout)
# DSO_BUNDLE_SMOKE=1 skips packing the release archive (xz takes a few minutes).
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PY:-.venv/bin/python}
OUT=${1:-.}
DIST="$OUT/dist"
WORK="$OUT/build"
export QT_QPA_PLATFORM=offscreen

"$PY" -m PyInstaller --noconfirm --clean --distpath "$DIST" --workpath "$WORK" installer.spec
VERSION=$("$PY" -c 'import dso_desktop; print(dso_desktop.__version__)')
ROOT="$DIST/dso-desktop"
APP="$ROOT/versions/$VERSION"
EXE=""
[ -f "$APP/dso.exe" ] && EXE=".exe"

"$APP/dso$EXE" --version | grep -qx "dso $VERSION"
# A throw-away data folder: the self-check must not need (or touch) the user's data.
DATA=$(mktemp -d)
trap 'rm -rf "$DATA"' EXIT
DSO_DATA_DIR="$DATA" "$APP/dso$EXE" update self-check --gui
"$ROOT/dso-launcher$EXE" --root "$ROOT" --status
DSO_DATA_DIR="$DATA" "$ROOT/dso-launcher$EXE" --root "$ROOT" --cli -- --version

du -sh "$ROOT"
ls -l "$DIST"/dso-desktop-"$VERSION"-*.tar.xz 2>/dev/null || true
echo "bundle smoke test passed"

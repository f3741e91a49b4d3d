#!/usr/bin/env bash
# Rebuilds the front-end assets the app serves from pwa/static/:
#   css/portal.css       KERN UX (only the components used) + portal layer
#   fonts/*.woff2        Latin subsets of KERN's Fira Sans (400; 600 also serves 500 and 700)
#   vendor/htmx.min.js   htmx 2.x
#   vendor/idb-keyval.js idb-keyval (IndexedDB key-value store) for the drafts, UMD build
#   vendor/barcode-detector/  BarcodeDetector ponyfill (zxing-wasm) + its .wasm, for the QR scanner
#   vendor/altcha/       ALTCHA proof-of-work widget (strict-CSP build), its CSS and PBKDF2 worker
#   icons/*              app icons, redrawn by make_icons.py if Pillow is installed
#   service-icons/*.svg  the start page's tile icons (Material Symbols, outlined, weight 400)
#
# Idempotent; runnable from any working directory. Needs node/npm and the
# project venv (.venv with fonttools + brotli) or a python3 with fontTools.
set -euo pipefail

FRONTEND_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT_DIR="$(cd "${FRONTEND_DIR}/.." && pwd)"
STATIC_DIR="${ROOT_DIR}/pwa/static"
NM="${FRONTEND_DIR}/node_modules"

log() { printf '==> %s\n' "$*"; }

# --- 1. exact dependencies from package-lock.json ----------------------------
log "npm ci"
(cd "${FRONTEND_DIR}" && npm ci --no-audit --no-fund --loglevel=error)

mkdir -p "${STATIC_DIR}/css" "${STATIC_DIR}/fonts" "${STATIC_DIR}/vendor"

# --- 2. CSS ----------------------------------------------------------------
log "sass scss/portal.scss -> pwa/static/css/portal.css"
tmp_css="$(mktemp)"
trap 'rm -f "${tmp_css}"' EXIT
# --quiet: KERN's own sources trigger Sass deprecation warnings (if(), etc.)
"${NM}/.bin/sass" --no-source-map --style=compressed --quiet \
  --load-path="${NM}" \
  "${FRONTEND_DIR}/scss/portal.scss" "${tmp_css}"
node "${FRONTEND_DIR}/tools/slim-css.mjs" "${tmp_css}" "${STATIC_DIR}/css/portal.css"

# --- 3. fonts ----------------------------------------------------------------
if [[ -x "${ROOT_DIR}/.venv/bin/pyftsubset" ]]; then
  PYFTSUBSET=("${ROOT_DIR}/.venv/bin/pyftsubset")
elif [[ -x "${ROOT_DIR}/.venv/bin/python" ]]; then
  PYFTSUBSET=("${ROOT_DIR}/.venv/bin/python" -m fontTools.subset)
else
  PYFTSUBSET=(python3 -m fontTools.subset)
fi

FONT_SRC="${NM}/@kern-ux/native/dist/fonts/fira-sans"
# Basic Latin, Latin-1 Supplement, Latin Extended-A, capital sharp s (ẞ),
# general punctuation (‐ – — ‘ ’ ‚ “ ” „ † ‡ • … ‰ ‹ ›, narrow no-break space),
# € ™ ← ↑ → ↓ −
UNICODES="U+0020-007E,U+00A0-00FF,U+0100-017F,U+1E9E,U+2010-2027,U+202F,U+2030,U+2039-203A,U+20AC,U+2122,U+2190-2193,U+2212"

log "pyftsubset Fira Sans -> pwa/static/fonts/"
for pair in 400:Regular 600:SemiBold; do
  weight="${pair%%:*}"
  style="${pair#*:}"
  # Default pyftsubset layout features (kern, liga, calt, locl, mark, ...);
  # hinting is kept (Windows rendering), name table keeps copyright+licence.
  if ! out="$("${PYFTSUBSET[@]}" "${FONT_SRC}/FiraSans-${style}.woff2" \
    --unicodes="${UNICODES}" \
    --name-IDs=0,1,2,3,4,5,6,13,14 \
    --flavor=woff2 \
    --output-file="${STATIC_DIR}/fonts/fira-sans-latin-${weight}.woff2" 2>&1)"; then
    printf '%s\n' "${out}" >&2
    exit 1
  fi
  # fontTools warns about the source font's OS/2 fsSelection bits; harmless.
  grep -v 'fsSelection bits 7, 8 and 9' <<<"${out}" >&2 || true
done
# Remove font files of an earlier build that are no longer produced.
find "${STATIC_DIR}/fonts" -maxdepth 1 -name '*.woff2' \
  ! -name 'fira-sans-latin-400.woff2' ! -name 'fira-sans-latin-600.woff2' -delete

# --- 4. htmx -----------------------------------------------------------------
log "htmx -> pwa/static/vendor/htmx.min.js"
cp "${NM}/htmx.org/dist/htmx.min.js" "${STATIC_DIR}/vendor/htmx.min.js"

# --- 4a. idb-keyval -----------------------------------------------------------
# The UMD build (defines self.idbKeyval): the pages and the service worker (importScripts) share
# js/draft-store.js, which needs the same classic script in both.
log "idb-keyval -> pwa/static/vendor/idb-keyval.js"
cp "${NM}/idb-keyval/dist/umd.js" "${STATIC_DIR}/vendor/idb-keyval.js"
cp "${NM}/idb-keyval/LICENCE" "${STATIC_DIR}/vendor/LICENSE-idb-keyval.txt"

# --- 4b. QR scanner decoder ---------------------------------------------------
# barcode-detector's self-contained IIFE ponyfill (defines window.BarcodeDetectionAPI) and the
# zxing-wasm reader binary it was built against. scanner.js points the decoder at the local
# .wasm (prepareZXingModule + locateFile), so nothing is fetched from a CDN.
log "barcode-detector -> pwa/static/vendor/barcode-detector/"
BD_DIR="${NM}/barcode-detector"
if [[ -d "${BD_DIR}/node_modules/zxing-wasm" ]]; then
  ZXING_DIR="${BD_DIR}/node_modules/zxing-wasm"
else
  ZXING_DIR="${NM}/zxing-wasm"
fi
BD_OUT="${STATIC_DIR}/vendor/barcode-detector"
mkdir -p "${BD_OUT}"
cp "${BD_DIR}/dist/iife/ponyfill.js" "${BD_OUT}/barcode-detector.js"
cp "${ZXING_DIR}/dist/reader/zxing_reader.wasm" "${BD_OUT}/zxing_reader.wasm"
cp "${BD_DIR}/LICENSE" "${BD_OUT}/LICENSE-barcode-detector.txt"
cp "${ZXING_DIR}/LICENSE" "${BD_OUT}/LICENSE-zxing-wasm.txt"
# The glue code and the binary must come from the same zxing-wasm build.
expected_sha="$(cd "${FRONTEND_DIR}" && node -e '
  const fs = require("fs"), vm = require("vm");
  const sandbox = {};
  vm.createContext(sandbox);
  vm.runInContext(fs.readFileSync(process.argv[1], "utf8") + ";globalThis.api = BarcodeDetectionAPI;", sandbox);
  process.stdout.write(sandbox.api.ZXING_WASM_SHA256);
' "${BD_OUT}/barcode-detector.js")"
actual_sha="$(sha256sum "${BD_OUT}/zxing_reader.wasm" | cut -d' ' -f1)"
if [[ "${expected_sha}" != "${actual_sha}" ]]; then
  echo "ERROR: zxing_reader.wasm (${actual_sha}) is not the build barcode-detector expects (${expected_sha})" >&2
  exit 1
fi
# Remove files of an earlier build that are no longer produced.
find "${BD_OUT}" -maxdepth 1 -type f ! -name barcode-detector.js ! -name zxing_reader.wasm \
  ! -name LICENSE-barcode-detector.txt ! -name LICENSE-zxing-wasm.txt -delete

# --- 4c. ALTCHA proof-of-work widget -------------------------------------------
# The "external" build: no inline styles or blob: workers, so it runs under the strict CSP. Its
# stylesheet is linked, and js/altcha.js registers the PBKDF2 worker from its static URL.
log "altcha -> pwa/static/vendor/altcha/"
ALTCHA_OUT="${STATIC_DIR}/vendor/altcha"
mkdir -p "${ALTCHA_OUT}"
cp "${NM}/altcha/dist/external/altcha.min.js" "${ALTCHA_OUT}/altcha.min.js"
cp "${NM}/altcha/dist/external/altcha.css" "${ALTCHA_OUT}/altcha.css"
cp "${NM}/altcha/dist/workers/pbkdf2.js" "${ALTCHA_OUT}/pbkdf2-worker.js"
cp "${NM}/altcha/LICENSE.txt" "${ALTCHA_OUT}/LICENSE-altcha.txt"
find "${ALTCHA_OUT}" -maxdepth 1 -type f ! -name altcha.min.js ! -name altcha.css \
  ! -name pbkdf2-worker.js ! -name LICENSE-altcha.txt -delete

# --- 5. icons ---------------------------------------------------------------
# The PNG/SVG/ICO icons are committed; they are redrawn only where Pillow is
# installed (.venv/bin/pip install pillow). Output is deterministic.
if [[ -x "${ROOT_DIR}/.venv/bin/python" ]]; then PY="${ROOT_DIR}/.venv/bin/python"; else PY=python3; fi
if "${PY}" -c 'import PIL' 2>/dev/null; then
  log "make_icons.py -> pwa/static/icons/"
  "${PY}" "${FRONTEND_DIR}/make_icons.py" >/dev/null
else
  log "icons: Pillow not installed, keeping the committed pwa/static/icons/"
fi

# --- 5b. service icons -------------------------------------------------------
# One Material Symbol per service tile (server/web/catalogue.py names them); the server inlines
# them into the start page, so only these few are kept.
SERVICE_ICONS=(directions_car euro description calendar_month child_care mail upload_file report
  how_to_vote id_card local_parking account_circle pets delete_sweep chat)
ICONS_OUT="${STATIC_DIR}/service-icons"
log "Material Symbols -> pwa/static/service-icons/"
rm -rf "${ICONS_OUT}" && mkdir -p "${ICONS_OUT}"
for name in "${SERVICE_ICONS[@]}"; do
  cp "${NM}/@material-symbols/svg-400/outlined/${name}.svg" "${ICONS_OUT}/${name}.svg"
done
cp "${NM}/@material-symbols/svg-400/LICENSE" "${ICONS_OUT}/LICENSE-material-symbols.txt"

# --- 6. sizes ----------------------------------------------------------------
gz() { gzip -9 -c "$1" | wc -c; }
echo
printf '%-44s %9s %9s\n' "file (pwa/static/)" "raw" "gzip -9"
for f in css/portal.css vendor/htmx.min.js vendor/idb-keyval.js vendor/barcode-detector/barcode-detector.js \
  vendor/barcode-detector/zxing_reader.wasm vendor/altcha/altcha.min.js vendor/altcha/pbkdf2-worker.js; do
  printf '%-44s %9d %9d\n' "$f" "$(wc -c <"${STATIC_DIR}/$f")" "$(gz "${STATIC_DIR}/$f")"
done
for f in "${STATIC_DIR}"/fonts/*.woff2 "${STATIC_DIR}"/icons/*; do
  printf '%-44s %9d %9s\n' "${f#"${STATIC_DIR}/"}" "$(wc -c <"$f")" "-"
done

css_gz="$(gz "${STATIC_DIR}/css/portal.css")"
if ((css_gz > 12288)); then
  echo "WARNING: portal.css is ${css_gz} bytes gzipped, over the 12 KB budget" >&2
fi
for f in "${STATIC_DIR}"/fonts/*.woff2; do
  if (($(wc -c <"$f") > 25600)); then
    echo "WARNING: $(basename "$f") is over the 25 KB budget" >&2
  fi
done

#!/usr/bin/env bash
# Picture check of a master workbook: every printed page as a PNG.
#
# Usage: scripts/render_master.sh MASTER.xlsx [OUT_DIR] [DPI]
#   MASTER.xlsx  the workbook to look at (e.g. written by `bench/bench_master.py --sample`)
#   OUT_DIR      folder for the pictures (default: MASTER's name without .xlsx, + "_pages")
#   DPI          resolution of the pictures (default 80)
# It converts the workbook with LibreOffice (`soffice --headless --convert-to pdf`, which
# honours the print setup: A4 landscape, one page wide, repeated header rows) and splits the
# PDF into OUT_DIR/page-01.png, page-02.png … with `pdftoppm`. Then open each picture and
# check: Vietnamese diacritics, no cut columns, fills and words visible on every sheet.
set -euo pipefail

if [[ $# -lt 1 || ! -f "$1" ]]; then
    sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//'
    exit 2
fi
master=$(realpath "$1")
out=${2:-"${master%.xlsx}_pages"}
dpi=${3:-80}
mkdir -p "$out"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# A private LibreOffice profile, so a running office or another check does not interfere.
soffice --headless -env:UserInstallation="file://$work/profile" \
    --convert-to pdf --outdir "$work" "$master" >/dev/null
pdf="$work/$(basename "${master%.*}").pdf"
rm -f "$out"/page-*.png
pdftoppm -png -r "$dpi" "$pdf" "$out/page"
cp "$pdf" "$out/"
ls "$out"

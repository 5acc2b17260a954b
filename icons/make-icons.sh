#!/usr/bin/env bash
# Regenerates every icon in this folder with ImageMagick (apt: imagemagick). No fonts needed:
# the mark (a rounded blue card with a white "D") is drawn from vector paths, so the output is
# the same on any machine. Run from anywhere: bash icons/make-icons.sh
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")"
command -v convert >/dev/null || { echo "make-icons: ImageMagick 'convert' not found (apt-get install imagemagick)" >&2; exit 1; }

BLUE='#2563eb'
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

# Master mark at 1024 px (drawn big, scaled down for clean anti-aliasing).
# Card: rounded square. "D": outer bowl minus inner counter (even-odd fill).
convert -size 1024x1024 xc:none \
  -fill "$BLUE" -draw 'roundrectangle 64,64 959,959 192,192' \
  -fill white -draw "fill-rule evenodd path 'M 320,256 L 512,256 A 256,256 0 0 1 512,768 L 320,768 Z M 432,368 L 512,368 A 144,144 0 0 1 512,656 L 432,656 Z'" \
  PNG32:"$TMP/master.png"

for size in 16 24 32 48 64 128 256 512; do
  convert "$TMP/master.png" -filter Lanczos -resize "${size}x${size}" PNG32:"$TMP/$size.png"
done
cp "$TMP/32.png" 32x32.png
cp "$TMP/128.png" 128x128.png
cp "$TMP/256.png" 128x128@2x.png
cp "$TMP/512.png" icon.png
convert "$TMP/256.png" "$TMP/128.png" "$TMP/64.png" "$TMP/48.png" "$TMP/32.png" "$TMP/24.png" "$TMP/16.png" icon.ico

# Tray variants (32x32): the mark with a status dot, white-ringed, in the lower-right corner.
tray() { # name colour
  convert "$TMP/master.png" \
    -fill white -draw 'circle 784,784 784,1000' \
    -fill "$2" -draw 'circle 784,784 784,960' \
    -filter Lanczos -resize 32x32 PNG32:"tray-$1.png"
}
tray idle      '#9ca3af'   # grey: nothing to do
tray working   '#0ea5e9'   # sky blue: generating
tray paused    '#f59e0b'   # amber: paused
tray attention '#dc2626'   # red: errors need a look

echo "make-icons: wrote $(ls -1 *.png *.ico | tr '\n' ' ')"

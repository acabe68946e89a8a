#!/usr/bin/env bash
# The first-run demo: install, index a real clip, take a JPEG "screenshot" of one frame, find it.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
export ASHEN_HOME=${ASHEN_HOME:-$PWD/.ashen}
CLIP=tests/fixtures/sintel-26s-848x480.mp4
AT=${1:-17.5}
.venv/bin/ashen index "$CLIP" --title "Sintel"
SHOT=$(mktemp --suffix=.jpg)
trap 'rm -f "$SHOT"' EXIT
FFMPEG=$(.venv/bin/python -c "import imageio_ffmpeg; print(imageio_ffmpeg.get_ffmpeg_exe())")
"$FFMPEG" -v error -y -ss "$AT" -i "$CLIP" -frames:v 1 -vf scale=640:-2 -q:v 5 "$SHOT"
echo "screenshot taken at ${AT} s, searching:"
.venv/bin/ashen search "$SHOT"

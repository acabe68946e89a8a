#!/usr/bin/env bash
# The first-run demo: install, index a real clip, take a JPEG "screenshot" of one frame, find it.
# The demo's store is ./.ashen (not your library in ~/.ashen) unless ASHEN_HOME says otherwise;
# the last lines say how to search it again. `scripts/demo.sh 3.2` takes the screenshot at 3.2 s.
set -euo pipefail
own=${ASHEN_HOME:+ (from your ASHEN_HOME)}
[ -z "${ASHEN_HOME:-}" ] || ASHEN_HOME=$(realpath -m -- "$ASHEN_HOME")  # relative to where you ran it
cd "$(dirname "$0")/.."
scripts/setup.sh
export ASHEN_HOME=${ASHEN_HOME:-$PWD/.ashen}
CLIP=tests/fixtures/sintel-26s-848x480.mp4
AT=${1:-17.5}
.venv/bin/ashen index "$CLIP" --title "Sintel"
mkdir -p "$ASHEN_HOME"
SHOT=$ASHEN_HOME/demo-shot.jpg
FFMPEG=$(.venv/bin/python -c "import imageio_ffmpeg; print(imageio_ffmpeg.get_ffmpeg_exe())")
"$FFMPEG" -v error -y -ss "$AT" -i "$CLIP" -frames:v 1 -vf scale=640:-2 -q:v 5 "$SHOT"
echo "screenshot taken at ${AT} s, searching:"
.venv/bin/ashen search "$SHOT"
echo
echo "The demo's store is $ASHEN_HOME${own:- (not your library in ~/.ashen)}. Search it again with:"
printf '  %q --home %q search %q\n' "$PWD/.venv/bin/ashen" "$ASHEN_HOME" "$SHOT"
printf 'or make it the default for this shell: export ASHEN_HOME=%q\n' "$ASHEN_HOME"

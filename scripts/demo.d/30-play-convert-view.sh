# Playback data path, USD conversion and a playblast of the demo shot. Called by scripts/dev demo.
set -euo pipefail
echo "== two passes of playback through the frame cache (the second from memory)"
"$SDF" play "$SHOT" --department animation --passes 2
echo "== the shot as a USD layer stack, one layer per department"
mkdir -p "$OUT/usd"
"$SDF" convert "$SHOT" "$OUT/usd/sh010.usda" --force
echo "== playblast through the shot camera (software OpenGL, no window)"
"$SDF" view "$SHOT" --department animation --playblast "$OUT/playblast" --frames 1001-1048 --format png
echo "== the characters render layer previewed: its AOVs as one multi-part EXR, split again"
mkdir -p "$OUT/renders/split"
"$SDF" view "$SHOT" --department lighting --layer characters --shading lights --frame 1024 --size 640x360 \
    --aovs "$OUT/renders/characters.1024.exr"
"$SDF" exr split "$OUT/renders/characters.1024.exr" "$OUT/renders/split" --force

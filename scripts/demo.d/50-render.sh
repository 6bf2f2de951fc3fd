# Final frames (issue: render): one small render layer through Cycles on the farm, then its EXR read back.
# Called by scripts/dev demo with SDF, SHOT, OUT set (and SDF_BLENDER_PYTHON: the bpy environment).
set -euo pipefail
echo "== the characters render layer through Cycles on a local Dask farm (two frames, a small preview), then its dailies"
"$SDF" farm run "$SHOT" --step render --step dailies --layer characters --frames 1001-1002 --resolution 240x135 --samples 16 \
    --chunk 1 --out "$OUT/farm_render" --workers 2
"$SDF" exr info "$OUT/farm_render/sh010/renders/characters/characters.1001.exr"
ls "$OUT/farm_render/sh010/dailies/"

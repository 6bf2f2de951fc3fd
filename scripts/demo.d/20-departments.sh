# Department view and a publish (issue: departments). Called by scripts/dev demo with SDF, SHOT, OUT set.
set -euo pipefail
echo "== the shot as the lighting department sees it"
"$SDF" tree "$SHOT" --department lighting
echo "== lighting publishes a new version of its own files"
"$SDF" publish "$SHOT" --department lighting --message "demo: first lighting pass"
"$SDF" log "$SHOT"
"$SDF" status "$SHOT" || true

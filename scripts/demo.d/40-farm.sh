# Batch work on Dask (issue: farm): the same tasks a farm runs from the Open Job Description job.
set -euo pipefail
echo "== batch work over the shot on a local Dask cluster, and the same job as an OpenJD template"
"$SDF" farm run "$SHOT" --step validate --step convert --out "$OUT/farm" --workers 2
"$SDF" farm emit "$SHOT" --step validate --step playblast --chunk 24 "$OUT/farm_job"

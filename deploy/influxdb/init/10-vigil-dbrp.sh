#!/bin/bash
# Runs once, inside the official influxdb:2.7 image, right after its automatic setup (the
# /docker-entrypoint-initdb.d hook; run-parts runs only executable *.sh files, so keep the
# executable bit). Vigil reads and writes through the 1.x-compatible /write and /query endpoints,
# which address data by database and retention policy; this maps Vigil's database name
# (INFLUX_DATABASE, default "vigil") and the "autogen" policy to the bucket created by setup.
#
# The entrypoint exports DOCKER_INFLUXDB_INIT_BUCKET_ID and DOCKER_INFLUXDB_INIT_ORG_ID after
# setup, points INFLUX_HOST at its temporary server, and has made the setup's CLI config (with
# the admin token) active, so the influx CLI needs no token on its command line here.
set -euo pipefail

bucket_id="${DOCKER_INFLUXDB_INIT_BUCKET_ID:?DOCKER_INFLUXDB_INIT_BUCKET_ID is not set: this script runs from the influxdb image entrypoint after setup}"
org_id="${DOCKER_INFLUXDB_INIT_ORG_ID:?DOCKER_INFLUXDB_INIT_ORG_ID is not set: this script runs from the influxdb image entrypoint after setup}"
bucket="${DOCKER_INFLUXDB_INIT_BUCKET:?DOCKER_INFLUXDB_INIT_BUCKET is not set}"
db="${VIGIL_INFLUX_DATABASE:-vigil}"
rp="${VIGIL_INFLUX_RP:-autogen}"

# The same rule Vigil's config applies to INFLUX_DATABASE; anything else would never match.
if [[ ! "$db" =~ ^[A-Za-z0-9_.-]{1,64}$ ]]; then
  echo "vigil: VIGIL_INFLUX_DATABASE must be 1-64 letters, digits or _ . - (got \"$db\")" >&2
  exit 1
fi

# --default: writes and queries that name no retention policy use this mapping.
if output="$(influx v1 dbrp create \
  --org-id "$org_id" \
  --bucket-id "$bucket_id" \
  --db "$db" \
  --rp "$rp" \
  --default 2>&1)"; then
  echo "$output"
  echo "vigil: mapped database \"$db\", retention policy \"$rp\" to bucket \"$bucket\" ($bucket_id)"
  exit 0
fi

# Creation fails when a mapping for this database already exists (an instance set up before, or
# upgraded from 1.x). One that points at our bucket is what we wanted; any other is a conflict the
# operator must resolve, and failing here stops the container before Vigil writes elsewhere.
# (Captured first: with pipefail, `influx ... | grep -q` can fail on the writer's SIGPIPE.)
mappings="$(influx v1 dbrp list --org-id "$org_id" --db "$db" --hide-headers 2>/dev/null || true)"
if grep -F -- "$bucket_id" <<<"$mappings" >/dev/null; then
  echo "vigil: a DBRP mapping for database \"$db\" already points at bucket \"$bucket\" ($bucket_id)"
  exit 0
fi
echo "$output" >&2
echo "vigil: could not map database \"$db\" to bucket \"$bucket\" ($bucket_id); see the error above" >&2
exit 1

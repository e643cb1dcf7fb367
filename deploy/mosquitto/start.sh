#!/bin/sh
# Entry of the mosquitto service in docker-compose.yml. The repo's deploy/mosquitto/ is mounted
# read-only; the password file and ACL are copied to a directory only the broker's user can read,
# because the host copy belongs to the operator and Mosquitto should not read secrets that other
# users can. The paths are variables so tests can run this outside a container.
set -eu

src="${VIGIL_MOSQUITTO_DIR:-/vigil/mosquitto}"
auth="${MOSQUITTO_AUTH_DIR:-/mosquitto/auth}"
conf="${MOSQUITTO_CONF:-$src/mosquitto.conf}"

if [ ! -s "$src/passwd" ]; then
  echo "vigil: $src/passwd is missing or empty: create the broker's users first with" >&2
  echo "vigil:   npm run device:add -- --fleet 10" >&2
  exit 1
fi

mkdir -p "$auth"
cp "$src/passwd" "$auth/passwd"
cp "$src/acl" "$auth/acl"
chmod 0700 "$auth"
chmod 0600 "$auth/passwd" "$auth/acl"
# TLS (docs/deploy.md): the server certificate and its key, when deploy/mosquitto/certs/ exists.
if [ -d "$src/certs" ]; then
  rm -rf "$auth/certs"
  cp -R "$src/certs" "$auth/certs"
  chmod 0700 "$auth/certs"
  find "$auth/certs" -type f -exec chmod 0600 {} +
fi
# Started as root, mosquitto reads its files as root and then runs as "mosquitto"; a reload
# (SIGHUP) re-reads them as that user.
if [ "$(id -u)" = 0 ] && id mosquitto >/dev/null 2>&1; then
  chown -R mosquitto:mosquitto "$auth"
  if [ -d /mosquitto/data ]; then chown mosquitto:mosquitto /mosquitto/data; fi
fi

exec mosquitto -c "$conf"

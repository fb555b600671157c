#!/bin/sh
# Installs the Debian/Ubuntu packages the tests run for real, and only those that are missing. As root (a
# container, CI) it calls apt-get itself; as a user, through sudo. README.md's test command starts with it, and
# .ci/run runs that command as root.
set -eu

missing=""
# An executable on PATH or in the sbin folders (Debian puts mosquitto, debootstrap, ip there, not on every PATH).
have() {
  command -v "$1" >/dev/null 2>&1 || [ -x "/usr/sbin/$1" ] || [ -x "/sbin/$1" ]
}
need() { # need COMMAND PACKAGE
  have "$1" || missing="$missing $2"
}

# Mosquitto (the broker, with mosquitto_passwd) and socat (pseudo-terminal pairs standing in for the USB serial
# adapter).
need mosquitto mosquitto
need mosquitto_passwd mosquitto
need socat socat
# Debian's Chromium for the web page's browser tests (driven by playwright-core; no browser download).
[ -x /usr/bin/chromium ] || missing="$missing chromium"
# VictoriaMetrics (speaks InfluxDB's write API), Prometheus with promtool, and docker-compose (parses
# compose.yaml without an engine) for the outside-Home-Assistant tests.
need victoria-metrics victoria-metrics
need promtool prometheus
need docker-compose docker-compose
# AppArmor's parser compiles the add-on's apparmor.txt (no kernel support needed).
need apparmor_parser apparmor
# systemd-analyze checks tools/smartmeter-bridge.service (verify, and its sandbox rating; no running systemd needed).
need systemd-analyze systemd
# buildah and debootstrap build the add-on's Dockerfile on a Debian stand-in base and start the image, with
# no Docker engine (test/addon/image.test.ts, as root only); nsenter/unshare and ip give the container a
# network of its own.
need buildah buildah
need debootstrap debootstrap
need nsenter util-linux
need ip iproute2

if [ -z "$missing" ]; then
  echo "test dependencies: all installed"
  exit 0
fi
echo "test dependencies: installing$missing"
if ! command -v apt-get >/dev/null 2>&1; then
  echo "no apt-get here: install these packages (or their equivalents) yourself:$missing" >&2
  exit 1
fi
if [ "$(id -u)" -eq 0 ]; then
  as_root=""
elif command -v sudo >/dev/null 2>&1; then
  as_root="sudo"
else
  echo "installing needs root: run this as root, or install sudo, or install yourself:$missing" >&2
  exit 1
fi
# sudo does not pass the environment on: the variable goes through env.
$as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
# shellcheck disable=SC2086 # one word per package
$as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing >/dev/null
echo "test dependencies: installed"

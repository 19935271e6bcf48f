#!/usr/bin/env bash
# Makes sure a Docker engine answers on /var/run/docker.sock, installing and starting one when
# this is a Debian machine run as root, and that the static busybox the local images are built
# from is there. The engine is started without a bridge, iptables rules or
# IP forwarding, and prefers local images so that it never reaches for a public registry.
set -euo pipefail

SOCK=/var/run/docker.sock
LOG=${GOFER_DOCKERD_LOG:-/var/log/gofer-dockerd.log}

ping_engine() { curl -fsS --max-time 2 --unix-socket "$SOCK" http://localhost/_ping >/dev/null 2>&1; }

# The local test and demo images are made from Debian's static busybox; no registry is used.
if [ ! -x /bin/busybox ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "docker-engine: installing Debian's busybox-static for the local images" >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends busybox-static \
    >/dev/null 2>&1 || {
    apt-get update -qq >/dev/null 2>&1
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends busybox-static \
      >/dev/null
  }
fi

if ping_engine; then
  exit 0
fi

if ! command -v dockerd >/dev/null 2>&1; then
  if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
    echo "docker-engine: no Docker engine answers on $SOCK." >&2
    echo "  Install one (Debian: apt-get install docker.io) and start it, then try again." >&2
    exit 1
  fi
  echo "docker-engine: installing Debian's docker.io" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y -qq --no-install-recommends docker.io >/dev/null 2>&1 || {
    apt-get update -qq >/dev/null 2>&1
    apt-get install -y -qq --no-install-recommends docker.io >/dev/null
  }
fi

if [ "$(id -u)" != 0 ]; then
  echo "docker-engine: dockerd is installed but not running; start it as root:" >&2
  echo "  DOCKER_SERVICE_PREFER_OFFLINE_IMAGE=1 dockerd --bridge=none --iptables=false \\" >&2
  echo "    --ip6tables=false --ip-forward=false &" >&2
  exit 1
fi

echo "docker-engine: starting dockerd (log: $LOG)" >&2
DOCKER_SERVICE_PREFER_OFFLINE_IMAGE=1 setsid dockerd \
  --bridge=none --iptables=false --ip6tables=false --ip-forward=false \
  >>"$LOG" 2>&1 </dev/null &

for _ in $(seq 300); do
  ping_engine && exit 0
  sleep 0.1
done
echo "docker-engine: dockerd did not answer within 30 s; last lines of $LOG:" >&2
tail -n 20 "$LOG" >&2
exit 1

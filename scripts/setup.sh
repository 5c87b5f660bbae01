#!/usr/bin/env bash
# npm run setup (Debian, as root): installs every program the tests drive (their peers, test/peers.ts) from Debian's
# packages, then makes the base image the container test builds on. Installs only what is missing; run again, it does
# nothing. Without it the tests whose peer is missing are skipped, one line each (and fail under CI=true). .ci/run
# calls it before `npm ci` and `npm test`.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v apt-get >/dev/null 2>&1; then
  echo "setup: needs Debian's apt-get; elsewhere install the programs test/peers.ts names (the tests skip without them)" >&2
  exit 1
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "setup: installs Debian packages and makes a container image: run it as root (sudo npm run setup)" >&2
  exit 1
fi

# Real clients the tests drive: curl, Python with requests, the SIP peers sipp and sipsak, and Chromium.
need=()
command -v curl >/dev/null 2>&1 || need+=(curl)
command -v openssl >/dev/null 2>&1 || need+=(openssl)
command -v sipp >/dev/null 2>&1 || need+=(sip-tester)
command -v sipsak >/dev/null 2>&1 || need+=(sipsak)
# The dashboard's tests drive Debian's Chromium (through playwright-core, which downloads no browser).
[ -x /usr/bin/chromium ] || need+=(chromium)
# Kamailio is the registrar and proxy of the SIP tests; iproute2 makes the network namespaces of the fleet script.
[ -x /usr/sbin/kamailio ] || need+=(kamailio)
ls /usr/lib/*/kamailio/modules/tls.so >/dev/null 2>&1 || need+=(kamailio-tls-modules)
# Kamailio's presence modules serve the dialog state of calls to the busy lamp field tests (test/sip-blf.test.ts).
ls /usr/lib/*/kamailio/modules/presence_dialoginfo.so >/dev/null 2>&1 || need+=(kamailio-presence-modules)
command -v ip >/dev/null 2>&1 || need+=(iproute2)
# Debian's baresip is the softphone of the SIP interoperability tests (test/sip-baresip.test.ts).
command -v baresip >/dev/null 2>&1 || need+=(baresip)
# Debian's linphone (its console client linphonec) is the second softphone (test/sip-linphone.test.ts).
command -v linphonec >/dev/null 2>&1 || need+=(linphone-cli)
# ffmpeg's G.722 encoder and decoder are the reference the codec is checked against bit for bit (test/g722-ffmpeg.test.ts).
command -v ffmpeg >/dev/null 2>&1 || need+=(ffmpeg)
# dnsmasq is the DNS server (NAPTR, SRV, A on loopback) of the registrar-location tests.
[ -x /usr/sbin/dnsmasq ] || need+=(dnsmasq-base)
# Prometheus scrapes the control API's /metrics, and its promtool lints them (test/metrics.test.ts).
command -v prometheus >/dev/null 2>&1 && command -v promtool >/dev/null 2>&1 || need+=(prometheus)
# The container test builds the Dockerfile with podman (runc: crun refuses this machine's hybrid cgroups), on a base
# image made with debootstrap (scripts/container-base.sh below).
command -v podman >/dev/null 2>&1 || need+=(podman)
command -v runc >/dev/null 2>&1 || need+=(runc)
command -v debootstrap >/dev/null 2>&1 || need+=(debootstrap)
# podman kube play runs the Kubernetes manifests (test/kube-play.test.ts): netavark and aardvark-dns give its pods a
# network where they find each other by name, catatonit is its pods' pause process.
[ -x /usr/lib/podman/netavark ] || need+=(netavark)
[ -x /usr/lib/podman/aardvark-dns ] || need+=(aardvark-dns)
# netavark sets up those networks, and a build's RUN steps, with iptables (only suggested by its package: without it
# every RUN step fails with "netavark: No such file or directory").
command -v iptables >/dev/null 2>&1 || [ -x /usr/sbin/iptables ] || need+=(iptables)
command -v catatonit >/dev/null 2>&1 || [ -x /usr/libexec/podman/catatonit ] || need+=(catatonit)
# The file servers of the transfer tests (test/file-transfers.test.ts): nginx (HTTP, HTTPS, WebDAV PUT, Basic),
# lighttpd (Digest), pyftpdlib (FTP), vsftpd (FTPS) and tftpd-hpa (TFTP).
[ -x /usr/sbin/nginx ] || need+=(nginx)
[ -x /usr/sbin/lighttpd ] || need+=(lighttpd)
[ -x /usr/sbin/vsftpd ] || need+=(vsftpd)
[ -x /usr/sbin/in.tftpd ] || need+=(tftpd-hpa)
/usr/bin/python3 -c 'import pyftpdlib' >/dev/null 2>&1 || need+=(python3-pyftpdlib)
if ! python3 -c 'import requests' >/dev/null 2>&1 && ! /usr/bin/python3 -c 'import requests' >/dev/null 2>&1; then
  need+=(python3 python3-requests)
fi
if [ "${#need[@]}" -gt 0 ]; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update
  apt-get install -y --no-install-recommends "${need[@]}"
fi

# The stand-in for the Dockerfile's node:26-slim base (no container registry is reachable): made once, then kept.
bash scripts/container-base.sh
# The Kamailio image of the Kubernetes manifests (deploy/kamailio.Containerfile), on that base: made once, then kept.
if ! podman image exists localhost/polysim-kamailio:5.6; then
  # runc (crun refuses this kind of machine's hybrid cgroups) and limits no higher than ours (podman's exceed them)
  nofile="$(ulimit -Hn)"
  nproc="$(ulimit -Hu)"
  [ "$nproc" = unlimited ] || [ "$nproc" -gt 4096 ] && nproc=4096
  podman --runtime runc build --ulimit "nofile=$nofile:$nofile" --ulimit "nproc=$nproc:$nproc" \
    --build-arg BASE=localhost/polysim-node-base:26 -t localhost/polysim-kamailio:5.6 -f deploy/kamailio.Containerfile deploy
fi

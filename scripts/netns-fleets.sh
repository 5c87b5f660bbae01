#!/usr/bin/env bash
# Two polysim fleets on two hosts of their own (network namespaces, joined by a bridge), one Kamailio: every phone
# registers to it, and each phone of fleet A calls its partner in fleet B, which answers; media flows between the
# hosts. Needs root (ip netns) and Kamailio. Addresses come from 198.18.0.0/15, the range set aside for such tests.
#
#   sudo scripts/netns-fleets.sh            # 2 phones a side
#   sudo COUNT=50 scripts/netns-fleets.sh
set -euo pipefail
cd "$(dirname "$0")/.."

COUNT=${COUNT:-2}
P=${PREFIX:-psim$$}
NET=198.18.77
POLYSIM=${POLYSIM:-node --import tsx src/cli/main.ts}
WORK=$(mktemp -d)
pids=()

cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  ip netns del "$P-a" 2>/dev/null || true
  ip netns del "$P-b" 2>/dev/null || true
  ip link del "$P-br" 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

# The bridge (Kamailio's side, .1) and one host per fleet (.2 and .3)
ip link add "$P-br" type bridge
ip addr add "$NET.1/24" dev "$P-br"
ip link set "$P-br" up
host=2
for side in a b; do
  ip netns add "$P-$side"
  ip link add "$P-${side}0" type veth peer name "$P-${side}1"
  ip link set "$P-${side}1" netns "$P-$side"
  ip link set "$P-${side}0" master "$P-br" up
  ip -n "$P-$side" addr add "$NET.$host/24" dev "$P-${side}1"
  ip -n "$P-$side" link set "$P-${side}1" up
  ip -n "$P-$side" link set lo up
  host=$((host + 1))
done

kamailio -f examples/kamailio/kamailio.cfg -DD -E -n 2 -Y "$WORK" -P "$WORK/kamailio.pid" -m 64 -M 8 \
  -l "udp:$NET.1:5060" -l "tcp:$NET.1:5060" >"$WORK/kamailio.log" 2>&1 &
pids+=($!)

# fleet A: numbers 2001.., fleet B: 3001..; every phone registers line 1 to Kamailio
first=(2001 3001)
host=2
i=0
for side in a b; do
  ip netns exec "$P-$side" $POLYSIM fleet --count "$COUNT" --first-number "${first[$i]}" --address "$NET.$host" \
    --http-port 8080 --https-port 8443 --sip-port 5060 --sip-tls-port 0 --control-port 8790 --init-ms 0 \
    --admin-password Secret-123 --registrar "$NET.1:5060" --sip-password 'secret-{number}' \
    --ready-file "$WORK/$side.ready" >"$WORK/$side.log" 2>&1 &
  pids+=($!)
  host=$((host + 1))
  i=$((i + 1))
done
for side in a b; do
  for _ in $(seq 1 300); do [ -f "$WORK/$side.ready" ] && break; sleep 0.1; done
  [ -f "$WORK/$side.ready" ] || { cat "$WORK/$side.log"; echo "fleet $side did not start" >&2; exit 1; }
done

api() { # side port path [json]
  local ns=$1 addr=$2 port=$3 path=$4
  if [ $# -ge 5 ]; then
    ip netns exec "$P-$ns" curl -s -u Polycom:Secret-123 -H 'Content-Type: application/json' -d "$5" "http://$addr:$port$path"
  else
    ip netns exec "$P-$ns" curl -s -u Polycom:Secret-123 "http://$addr:$port$path"
  fi
}
waitfor() { # what command...
  local what=$1; shift
  for _ in $(seq 1 100); do "$@" && return 0; sleep 0.1; done
  echo "timed out: $what" >&2
  return 1
}
registered() { api "$1" "$2" "$3" /api/v2/mgmt/lineInfo?line=1 | grep -q '"RegistrationStatus":"Registered"'; }
state() { api "$1" "$2" "$3" /api/v2/webCallControl/callStatus | grep -q "\"CallState\":\"$4\""; }
media() { api "$1" "$2" "$3" /api/v1/mgmt/media/sessionStats | grep -Eq '"PacketsReceived":"[1-9][0-9]+"'; }

for k in $(seq 0 $((COUNT - 1))); do
  waitfor "A$k registered" registered a "$NET.2" $((8080 + k))
  waitfor "B$k registered" registered b "$NET.3" $((8080 + k))
done
echo "registered: $((2 * COUNT)) phones on two hosts to Kamailio at $NET.1"

for k in $(seq 0 $((COUNT - 1))); do
  api a "$NET.2" $((8080 + k)) /api/v1/callctrl/dial "{\"data\":{\"Dest\":\"$((3001 + k))\",\"Line\":\"1\"}}" >/dev/null
done
for k in $(seq 0 $((COUNT - 1))); do
  waitfor "B$k ringing" state b "$NET.3" $((8080 + k)) Offering
  api b "$NET.3" $((8080 + k)) /api/v1/callctrl/answerCall '{"data":{}}' >/dev/null
done
for k in $(seq 0 $((COUNT - 1))); do
  waitfor "A$k connected" state a "$NET.2" $((8080 + k)) Connected
  waitfor "A$k media" media a "$NET.2" $((8080 + k))
  waitfor "B$k media" media b "$NET.3" $((8080 + k))
done
echo "connected: $COUNT calls from $NET.2 to $NET.3, RTP flowing both ways"

#!/usr/bin/env bash
# The T-Server example end to end: three HaCore.TServer nodes on 127.0.0.1, 50 simulated agent desktops, and
# sipp's built-in uac scenario placing calls at a fixed rate through a SIP relay (the "virtual IP"); the leader is
# killed (SIGKILL) at a third of the run and restarted from its data directory at two thirds. Three connector
# processes (examples/HaCore.ConnectorPool, built with the T-Server) own DNs 3001-3009 with a voice and an IM call
# each: at half the run connector c1 is paused (SIGSTOP) and replaced by a new c1 process, at two thirds connector c2
# is killed (SIGKILL) and stays down. The connectors' calls churn (voice calls end, the leader releases idle IM
# interactions by a command stamped with its Raft term). After the traffic the leader is paused (SIGSTOP) until another
# node leads, then resumed: its old-term commands must be refused (scenario 11). Prints the summary and exits non-zero when an event or a call was lost or
# duplicated, or a connector call was lost or owned twice.
#
# Usage: examples/run-failover.sh [--short] [--seconds N] [--rate R] [--agents N] [--call-ms MS] [--uac sipp|builtin] [--browser DIR]
#   --short          15 s instead of 60 (for CI)
# Calls last 10.5 s by default, so 5 calls/s need a little more than the 50 agents: some callers wait in the queue
# with music (a treatment, DOMAIN.md scenario 5) until an agent is free.
#   --browser DIR    headless Chromium (Debian's chromium, installed when missing) follows the supervisor page from the
#                    leader's node, screenshots before, during and after the failover go to DIR, and the page's DOM is
#                    compared with the replicated state at the end
set -euo pipefail
cd "$(dirname "$0")/.."

args=()
seconds=60
rate=5
call_ms=10500
browser=""
while [[ $# -gt 0 ]]; do
  case "$1" in
    --browser) browser="$2"; args+=("--browser" "$(realpath -m "$2")"); shift 2 ;;
    --short) seconds=15; shift ;;
    --call-ms) call_ms="$2"; shift 2 ;;
    --seconds) seconds="$2"; shift 2 ;;
    --rate) rate="$2"; shift 2 ;;
    *) args+=("$1"); shift ;;
  esac
done

if ! command -v sipp >/dev/null 2>&1; then
  echo "sipp not found: installing Debian's sip-tester"
  if [[ $(id -u) -eq 0 ]]; then
    (apt-get install -y sip-tester || (apt-get update && apt-get install -y sip-tester)) >/dev/null
  else
    (sudo apt-get install -y sip-tester || (sudo apt-get update && sudo apt-get install -y sip-tester)) >/dev/null
  fi
fi

install_apt() {
  if [[ $(id -u) -eq 0 ]]; then
    (apt-get install -y --no-install-recommends "$1" || (apt-get update && apt-get install -y --no-install-recommends "$1")) >/dev/null
  else
    (sudo apt-get install -y --no-install-recommends "$1" || (sudo apt-get update && sudo apt-get install -y --no-install-recommends "$1")) >/dev/null
  fi
}

if [[ -n "$browser" ]] && ! command -v chromium >/dev/null 2>&1; then
  echo "chromium not found: installing Debian's chromium"
  install_apt chromium
fi

dotnet build examples/HaCore.TServer/HaCore.TServer.csproj -c Release -p:UseSharedCompilation=true -v quiet -nologo >/dev/null
exec dotnet examples/HaCore.TServer/bin/Release/net10.0/HaCore.TServer.dll run --seconds "$seconds" --rate "$rate" --call-ms "$call_ms" "${args[@]}"

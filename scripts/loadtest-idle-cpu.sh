#!/bin/bash
# Three idle HaCore node hosts of a built load harness (no load; heartbeats every 20 ms): the CPU each process used
# over SECONDS, after SETTLE seconds (default 4), and with THREADS=1 the first node's CPU by thread name.
#   scripts/loadtest-idle-cpu.sh benchmarks/HaCore.LoadTest/bin/Release/net10.0 10 [ENV=VALUE ...]
#   SETTLE=30 THREADS=1 scripts/loadtest-idle-cpu.sh DIR 10 DOTNET_ThreadPool_UnfairSemaphoreSpinLimit=0
# Run two at once (two builds) for a side-by-side figure on a shared machine.
BIN=$1; SECS=$2; shift 2
export HACORE_CLUSTER_SECRET=$(head -c 32 /dev/urandom | xxd -p -c 64)
for e in "$@"; do export "$e"; done
D=$(mktemp -d /tmp/hacore-idle.XXXX)
B=$((20000 + RANDOM % 20000))
PEERS="1=127.0.0.1:$B,2=127.0.0.1:$((B+1)),3=127.0.0.1:$((B+2))"
PIDS=()
for i in 1 2 3; do
  DOTNET_gcServer=0 dotnet "$BIN/HaCore.LoadTest.dll" node --id $i --data $D/n$i --raft-port $((B+i-1)) --client-port $((B+10+i)) \
    --control-port $((B+20+i)) --peers $PEERS --parent-pid $$ --log $D/n$i.log > $D/n$i.out 2>&1 &
  PIDS+=($!)
done
sleep "${SETTLE:-4}"
ticks() { sed 's/.*) //' "$1" 2>/dev/null | awk '{print $12+$13}'; } # utime + stime, after the (comm) field
declare -A T0
for p in "${PIDS[@]}"; do T0[$p]=$(ticks /proc/$p/stat); done
if [ -n "$THREADS" ]; then
  declare -A A
  for t in /proc/${PIDS[0]}/task/*; do A[${t##*/}]=$(ticks $t/stat); done
  sleep "$SECS"
  for t in /proc/${PIDS[0]}/task/*; do echo "$(( $(ticks $t/stat) - ${A[${t##*/}]:-0} )) $(tr ' ' '_' < $t/comm)"; done \
    | awk '{c[$2]+=$1} END {for (k in c) if (c[k] > 0) print "  " c[k] " ticks", k}' | sort -k1 -rn
else
  sleep "$SECS"
fi
HZ=$(getconf CLK_TCK)
for p in "${PIDS[@]}"; do echo "node pid $p: $(echo "scale=1; ($(ticks /proc/$p/stat) - ${T0[$p]}) * 100 / $HZ / $SECS" | bc) % of a core"; done
kill "${PIDS[@]}"; wait 2>/dev/null; rm -rf "$D"

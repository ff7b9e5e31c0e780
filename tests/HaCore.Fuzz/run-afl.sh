#!/usr/bin/env bash
# Runs afl++ on one HaCore fuzz target for a few minutes (one target at a time: afl takes a core).
#   tests/HaCore.Fuzz/run-afl.sh <target> [minutes]      targets: dotnet run --project tests/HaCore.Fuzz -- --list
# Installs afl++ (Debian package) and the sharpfuzz tool when missing, publishes the fuzz project,
# instruments the library assemblies with SharpFuzz, and runs afl-fuzz from the committed seed corpus.
# Output: artifacts/fuzz/<target>/ (afl's queue, crashes, hangs and fuzzer_stats); HACORE_FUZZ_OUT moves it.
# A crash is replayed with the uninstrumented build (the instrumented one needs afl's coverage map):
#   dotnet run -c Release --project tests/HaCore.Fuzz -- <target> --replay <file>
set -euo pipefail

target=${1:?usage: run-afl.sh <target> [minutes]}
minutes=${2:-4}
seconds=$(awk -v m="$minutes" 'BEGIN { printf "%d", m * 60 }')
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
out=${HACORE_FUZZ_OUT:-$root/artifacts/fuzz}
bin=$out/bin
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
export PATH="$PATH:$HOME/.dotnet/tools"

if [ ! -d "$here/corpus/$target" ]; then
  echo "unknown target '$target'; corpora exist for: $(ls "$here/corpus" | tr '\n' ' ')" >&2
  exit 2
fi

if ! command -v afl-fuzz >/dev/null 2>&1; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq afl++
fi

if ! command -v sharpfuzz >/dev/null 2>&1; then
  dotnet tool install --global SharpFuzz.CommandLine --version 2.3.0
fi

rm -rf "$bin"
dotnet publish "$here/HaCore.Fuzz.csproj" -c Release -o "$bin" -p:UseSharedCompilation=true --nologo -v quiet
# Coverage comes from the instrumented assemblies: the decoders and what they call. ($bin is published
# afresh above, so no assembly is instrumented twice.)
for assembly in HaCore.Raft HaCore.Transport HaCore.Storage HaCore HaCore.ContactCenter HaCore.TServer MessagePack; do
  sharpfuzz "$bin/$assembly.dll"
done

findings=$out/$target
rm -rf "$findings"
export AFL_SKIP_BIN_CHECK=1 AFL_NO_UI=1 AFL_SKIP_CPUFREQ=1 AFL_NO_AFFINITY=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1
# -t: an input running over 5 s is a hang; -m none: the .NET runtime reserves far more address space than afl's default.
afl-fuzz -V "$seconds" -t 5000 -m none -i "$here/corpus/$target" -o "$findings" -- dotnet "$bin/HaCore.Fuzz.dll" "$target" || true

stats=$findings/default/fuzzer_stats
if [ -f "$stats" ]; then
  grep -E '^(run_time|execs_done|execs_per_sec|corpus_count|corpus_found|bitmap_cvg|saved_crashes|saved_hangs|stability) ' "$stats"
fi

crashes=$(find "$findings/default/crashes" "$findings/default/hangs" -type f ! -name README.txt 2>/dev/null | wc -l)
echo "$target: $crashes crash or hang input(s) in $findings/default/{crashes,hangs}"
[ "$crashes" -eq 0 ]

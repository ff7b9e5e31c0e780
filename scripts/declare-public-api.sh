#!/usr/bin/env bash
# Adds the public symbols the build reports as undeclared (RS0016) to each library's PublicAPI.Unshipped.txt.
# Run it after a deliberate public API change, then review the diff: that diff is the API change.
set -euo pipefail
cd "$(dirname "$0")/.."
for project in HaCore.Raft HaCore.Storage HaCore.Transport HaCore HaCore.ContactCenter; do
  file="src/$project/PublicAPI.Unshipped.txt"
  found=$(dotnet build "src/$project" -c Release 2>&1 \
    | grep -oP "RS0016: Symbol '\K.*(?=' is not part of the declared public API)" | sort -u || true)
  if [[ -n "$found" ]]; then
    { cat "$file"; echo "$found"; } | { read -r header; echo "$header"; sort -u; } > "$file.new"
    mv "$file.new" "$file"
    echo "$project: declared $(echo "$found" | wc -l) symbols"
  fi
done

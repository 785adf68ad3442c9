#!/bin/sh
# Rebuilds the seed corpus (fuzz/corpus/<target>/) from the committed fixtures and rules:
# snapshots and dump directories of each scenario (one object per read, CRDs cut to their
# names, so that each seed stays small), each scenario's host.json, and the bundled pack, rules
# and lint test packs. Needs jq and a built acp-preflight (`cargo build -p checker-cli`, or
# ACP_PREFLIGHT=path). Run from anywhere: `sh fuzz/make-corpus.sh`.
set -eu
repo=$(cd "$(dirname "$0")/.." && pwd)
bin=${ACP_PREFLIGHT:-$repo/target/debug/acp-preflight}
out=$repo/fuzz/corpus
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

git -C "$repo" archive HEAD fixtures rules tests/e2e/data/lint | tar -x -C "$work"
rm -rf "$out/snapshot" "$out/dump_dir" "$out/host_facts" "$out/rule_pack"
mkdir -p "$out/snapshot" "$out/dump_dir" "$out/host_facts" "$out/rule_pack"

# One object per list; a CRD only as the name that says its kind is installed.
trim_object='if .kind == "CustomResourceDefinition"
    then {apiVersion, kind, metadata: {name: .metadata.name}} else . end'
trim_list="if type == \"object\" and (.items | type) == \"array\"
    then .items |= (.[:1] | map($trim_object)) else . end"

for dir in "$work"/fixtures/*/; do
    dir=${dir%/}
    scenario=$(basename "$dir")
    [ -f "$dir/README.md" ] || continue
    "$bin" collect --from-dump "$dir" -o "$work/$scenario.json" >/dev/null 2>&1
    jq -c ".collector.source = \"fixtures/$scenario\"
        | .collected_at = \"2026-01-01T00:00:00Z\"
        | (.clusters[], .standby // empty).reads[] |= (if .status == \"ok\"
            then .items |= (.[:1] | map($trim_object)) else . end)" \
        "$work/$scenario.json" > "$out/snapshot/$scenario.json"
    cp "$dir/host.json" "$out/host_facts/$scenario.json"
    {
        for file in "$dir"/*/*.json "$dir"/host.json; do
            relative=${file#"$dir"/}
            echo "=== $relative"
            # kubectl's error text is kept as it is.
            jq -c "$trim_list" "$file" 2>/dev/null || cat "$file"
        done
    } > "$out/dump_dir/$scenario.txt"
done

cp "$work"/rules/packs/*.yaml "$work"/rules/checks/*.yaml "$out/rule_pack/"
for file in "$work"/tests/e2e/data/lint/*.yaml; do
    cp "$file" "$out/rule_pack/lint-$(basename "$file")"
done
du -sh "$out"/*

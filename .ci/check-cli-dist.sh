#!/usr/bin/env bash
# Checks the CLI distribution as a user installs it: samples/cli/target/framewise-cli-VERSION.zip unzipped
# into a temporary folder runs `bin/framewise --help` and the demo from another folder (through a symbolic
# link too), carries no test libraries, no ONNX Runtime GPU build and no vulnerable protobuf-java.
set -euo pipefail
cd "$(dirname "$0")/.."
zip="$(ls -1 samples/cli/target/framewise-cli-*.zip | head -1)"
[ -f "$zip" ] || { echo "check-cli-dist: no samples/cli/target/framewise-cli-*.zip" >&2; exit 1; }
name="$(basename "$zip" .zip)"
zip_mb="$(du -m "$zip" | cut -f1)"
tmp="$(mktemp -d "${TMPDIR:-/tmp}/framewise-dist.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT
unzip -q "$zip" -d "$tmp/install"
home="$tmp/install/$name"
[ -x "$home/bin/framewise" ] || { echo "check-cli-dist: $name/bin/framewise missing or not executable" >&2; exit 1; }
fail=0
for jar in "$home"/lib/*.jar; do
  case "$(basename "$jar")" in
    junit*|assertj*|opentest4j*|apiguardian*|json-schema-validator*|onnxruntime_gpu*|*-platform-*)
      echo "check-cli-dist: $(basename "$jar") must not be installed" >&2; fail=1 ;;
    protobuf-java-*)
      v="$(basename "$jar" .jar)"; v="${v#protobuf-java-}"
      # CVE-2024-7254 is fixed in 3.25.5, 4.27.5 and 4.28.2.
      if [ "$(printf '%s\n' "3.25.5" "$v" | sort -V | head -1)" != "3.25.5" ] \
          || { [[ "$v" == 4.* ]] && [ "$(printf '%s\n' "4.27.5" "$v" | sort -V | head -1)" != "4.27.5" ]; }; then
        echo "check-cli-dist: protobuf-java $v has CVE-2024-7254" >&2; fail=1
      fi ;;
  esac
done
mkdir -p "$tmp/elsewhere" "$tmp/bin"
ln -s "$home/bin/framewise" "$tmp/bin/framewise"
cd "$tmp/elsewhere"
"$home/bin/framewise" --help > help.txt
grep -q "Usage: framewise" help.txt || { echo "check-cli-dist: --help printed no usage" >&2; fail=1; }
"$tmp/bin/framewise" --version
"$tmp/bin/framewise" demo --out "$tmp/elsewhere/demo.json"
[ -s "$tmp/elsewhere/demo.json" ] || { echo "check-cli-dist: the demo wrote no JSON" >&2; fail=1; }
[ "$fail" -eq 0 ] || exit 1
echo "check-cli-dist: OK: $zip (${zip_mb} MB, $(ls "$home/lib" | wc -l) jars) runs from any folder"

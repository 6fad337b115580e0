#!/usr/bin/env bash
# Checks a release deployed to a local file repository (see .ci/run) as Maven Central would receive it:
# every published module is there at one version with its pom, jar (not for pom modules), sources jar,
# javadoc jar, a valid .asc signature for each, and the pom metadata Central requires; modules that
# are not published are absent. Usage: check-bundle.sh REPO_DIR [GNUPGHOME]
set -euo pipefail
repo="$1"
export GNUPGHOME="${2:-${GNUPGHOME:-$HOME/.gnupg}}"
group="$repo/io/framewise"
jar_modules=(sdk-api sdk-core sdk-gpu framewise-jakarta framewise-micrometer)
pom_modules=(framewise-parent framewise-bom)
unpublished=(sdk-testkit samples framewise-cli framewise-benchmarks framewise-distributed)
fail=0
problem() { echo "check-bundle: $*" >&2; fail=1; }

versions=()
for m in "${jar_modules[@]}" "${pom_modules[@]}"; do
  dirs=("$group/$m"/*/)
  if [ ! -d "${dirs[0]}" ]; then problem "$m: not deployed"; continue; fi
  [ "${#dirs[@]}" -eq 1 ] || problem "$m: more than one version: ${dirs[*]}"
  dir="${dirs[0]%/}"
  versions+=("$(basename "$dir")")
  # Newest deployed files of this module (a SNAPSHOT folder keeps timestamped names).
  pom="$(ls -1 "$dir"/*.pom 2>/dev/null | sort | tail -1 || true)"
  [ -n "$pom" ] || { problem "$m: no pom"; continue; }
  base="${pom%.pom}"
  wanted=("$base.pom")
  for kind in "${jar_modules[@]}"; do
    if [ "$kind" = "$m" ]; then wanted+=("$base.jar" "$base-sources.jar" "$base-javadoc.jar"); fi
  done
  for f in "${wanted[@]}"; do
    if [ ! -s "$f" ]; then problem "$m: missing $(basename "$f")"; continue; fi
    if [ ! -s "$f.asc" ]; then problem "$m: missing $(basename "$f").asc"; continue; fi
    gpg --batch --quiet --verify "$f.asc" "$f" 2>/dev/null || problem "$m: bad signature on $(basename "$f")"
  done
  for f in "$base.jar" "$base-sources.jar" "$base-javadoc.jar"; do
    case " ${jar_modules[*]} " in *" $m "*) unzip -tq "$f" >/dev/null 2>&1 || problem "$m: $(basename "$f") is not a valid jar";; esac
  done
  # Central's required metadata, in the pom itself or inherited from framewise-parent (deployed beside it).
  for element in name description url licenses developers scm; do
    if ! grep -qE "<$element[ >]" "$pom"; then
      parent_pom="$(ls -1 "$group/framewise-parent"/*/*.pom 2>/dev/null | sort | tail -1 || true)"
      if ! grep -q "<artifactId>framewise-parent</artifactId>" "$pom" || [ -z "$parent_pom" ] \
          || ! grep -qE "<$element[ >]" "$parent_pom" || [ "$element" = name ] || [ "$element" = description ]; then
        problem "$m: pom has no <$element> (Central requires it)"
      fi
    fi
  done
  echo "check-bundle: $m $(basename "$dir"): $(cd "$dir" && ls -1 | grep -vE '\.(md5|sha1|sha256|sha512)$|maven-metadata' | wc -l) files"
done
[ "$(printf '%s\n' "${versions[@]}" | sort -u | wc -l)" -le 1 ] || problem "published modules are at different versions: ${versions[*]}"
for m in "${unpublished[@]}"; do
  [ ! -e "$group/$m" ] || problem "$m is deployed but must not be published"
done
if [ "$fail" -ne 0 ]; then
  echo "check-bundle: FAILED ($repo)" >&2
  exit 1
fi
echo "check-bundle: OK, ${#jar_modules[@]} jar modules and ${#pom_modules[@]} pom modules complete and signed in $repo"

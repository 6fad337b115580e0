#!/usr/bin/env bash
# Creates a throwaway GPG signing key (no passphrase) in a new temporary GNUPGHOME and prints that folder.
# For CI's rehearsal of a release (.ci/run): the key lives only for the run and is never committed.
set -euo pipefail
home="$(mktemp -d "${TMPDIR:-/tmp}/framewise-gnupg.XXXXXX")"
chmod 700 "$home"
GNUPGHOME="$home" gpg --batch --quiet --pinentry-mode loopback --passphrase '' \
  --quick-generate-key 'Framewise CI throwaway <ci@framewise.invalid>' ed25519 sign 1d >/dev/null 2>&1
echo "$home"

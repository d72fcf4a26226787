#!/usr/bin/env bash
# A large GnuPG keyring for the gpg-5k benchmark (issue 17): DEST becomes a copy of the GnuPG
# homedir SOURCE (its keys, secret keys and trust database; no agent sockets) plus COUNT other
# distinct public keys (ed25519 + cv25519, no expiry), imported as an operator imports keys:
# public only, validity unknown.
#
# Usage: tests/bench/gpg_keyring_5k.sh SOURCE DEST [COUNT]   (COUNT default 5000)
# The keys are generated without passphrase in JOBS scratch homedirs side by side (default 4;
# gpg-agent makes each key, ~4-8 ms of CPU a key), exported and imported into DEST in one
# gpg --import. Prints the seconds each step took on stderr. Exit 0, or 1 with a message.
set -euo pipefail
export LC_ALL=C

(($# == 2 || $# == 3)) || { sed -n 's/^# Usage: //p' "${BASH_SOURCE[0]}" >&2; exit 64; }
source_home=$1 dest=$2 count=${3:-5000} jobs=${JOBS:-4}
[[ -d $source_home ]] || { echo "gpg_keyring_5k: no homedir $source_home" >&2; exit 1; }
[[ ! -e $dest ]] || { echo "gpg_keyring_5k: $dest exists" >&2; exit 1; }

scratch=$(mktemp -d "${TMPDIR:-/tmp}/pfb-keys.XXXXXX")
cleanup() {
    local home
    for home in "$scratch"/h* "$dest"; do
        [[ -d $home ]] && gpgconf --homedir "$home" --kill all >/dev/null 2>&1 || true
    done
    rm -rf -- "$scratch"
}
trap cleanup EXIT

seconds_since() { awk -v a="$1" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }'; }

start=$EPOCHREALTIME
for ((j = 0; j < jobs; j++)); do
    mkdir -m 0700 "$scratch/h$j"
    for ((i = j; i < count; i += jobs)); do
        printf '%%no-protection\nKey-Type: eddsa\nKey-Curve: ed25519\nKey-Usage: sign\n'
        printf 'Subkey-Type: ecdh\nSubkey-Curve: cv25519\nSubkey-Usage: encrypt\n'
        printf 'Name-Real: Bench Key %05d\nName-Email: bench-%05d@example.org\nExpire-Date: 0\n%%commit\n' "$i" "$i"
    done >"$scratch/batch$j"
    gpg --batch --no-tty --homedir "$scratch/h$j" --gen-key "$scratch/batch$j" 2>"$scratch/gen$j.log" &
done
failed=0
for ((j = 0; j < jobs; j++)); do wait -n || failed=1; done
((failed == 0)) || { cat "$scratch"/gen*.log >&2; echo "gpg_keyring_5k: key generation failed" >&2; exit 1; }
for ((j = 0; j < jobs; j++)); do
    gpg --batch --no-tty --homedir "$scratch/h$j" --export >>"$scratch/public.pgp" 2>/dev/null
done
echo "gpg_keyring_5k: $count keys generated in $(seconds_since "$start") s ($jobs jobs)" >&2

start=$EPOCHREALTIME
mkdir -m 0700 "$dest"
find "$source_home" -mindepth 1 -maxdepth 1 ! -name 'S.*' ! -name '.#lk*' -exec cp -a {} "$dest/" \;
gpg --batch --no-tty --homedir "$dest" --import "$scratch/public.pgp" 2>"$scratch/import.log" ||
    { cat "$scratch/import.log" >&2; echo "gpg_keyring_5k: import failed" >&2; exit 1; }
imported=$(gpg --batch --no-tty --homedir "$dest" --with-colons --list-keys 2>/dev/null | grep -c '^pub:')
echo "gpg_keyring_5k: imported into $dest in $(seconds_since "$start") s; $imported keys there" >&2

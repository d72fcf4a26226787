#!/usr/bin/env python3
"""Stand-in for /var/lib/cutter/backup_runner.py (the runbook's O9 F4 artifact) on the sandbox
host, run as the runbook runs it: python3 backup_runner.py --selftest. Only --selftest is
implemented, with the real runner's contract: fail closed, print the fingerprint as its last 8
characters only, write nothing, touch no database. sandbox.sh installs it as
DIR/var/lib/cutter/backup_runner.py."""
import os
import re
import shutil
import subprocess
import sys


def fail(reason):
    print(f"SELFTEST: FAIL {reason}")
    sys.exit(1)


def main(argv):
    if argv != ["--selftest"]:
        print(f"usage: {os.path.basename(sys.argv[0])} --selftest", file=sys.stderr)
        return 64

    fpr = os.environ.get("BACKUP_GPG_FPR", "")
    if not fpr:
        fail("required env var BACKUP_GPG_FPR is unset")
    # A malformed value may be something secret pasted by mistake: show none of it.
    if not re.fullmatch(r"[0-9A-F]{40}", fpr):
        fail("BACKUP_GPG_FPR is not a 40-hex fingerprint (uppercase, no spaces)")
    fpr_tail = "…" + fpr[-8:]

    gpg_path = shutil.which("gpg") or fail("gpg not found on PATH")
    pg_dump_path = shutil.which("pg_dump") or fail("pg_dump not found on PATH")

    # An empty GNUPGHOME means gpg's default homedir, as it does for gpg itself.
    gnupg_home = os.environ.get("GNUPGHOME", "")
    homedir_args = ["--homedir", gnupg_home] if gnupg_home else []
    # A selftest only reads: no dotlock files in the homedir, no automatic trustdb rewrite.
    listing = subprocess.run(
        [gpg_path, "--batch", "--no-tty", *homedir_args, "--lock-never", "--no-auto-check-trustdb",
         "--with-colons", "--list-keys", "--", fpr],
        stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    if listing.returncode != 0:
        fail(f"backup key {fpr_tail} not found in the keyring ({gnupg_home or 'default homedir'})")
    # Field 12 of the pub record holds the key's overall capabilities; upper-case E = can encrypt.
    capabilities = next((line.split(":")[11] for line in listing.stdout.splitlines()
                         if line.startswith("pub:") and line.count(":") >= 11), "")
    if "E" not in capabilities:
        fail(f"backup key {fpr_tail} has no usable encryption subkey")

    backups_dir = os.path.join(os.path.dirname(os.path.realpath(__file__)), "backups")
    if not (os.path.isdir(backups_dir) and os.access(backups_dir, os.W_OK)):
        fail(f"backups dir {backups_dir} missing or not writable")

    print("SELFTEST: PASS")
    print(f"  gpg: {gpg_path}\n  pg_dump: {pg_dump_path}")
    print(f"  BACKUP_GPG_FPR: present ({fpr_tail})")
    print("  DB target: directus as cutter_exec (not contacted by the selftest)")
    print(f"  backups dir: {backups_dir}\n  tables in scope: 9")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

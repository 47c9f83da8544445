// --help texts of the intent commands: plan, apply, rollback, confirm, status, install, uninstall.

export const PLAN_HELP = `Usage: pbr plan [-c FILE] [--snapshot FILE | --netns NAME] [--format text|commands] [-j]

Compiles the intent (default /etc/pbr/pbr.yaml) against the live state (or a snapshot) and prints
the changes \`pbr apply\` would make, in order: one line each, or (--format commands) the exact
commands as a shell script. pbr touches only its own objects (rules and routes with protocol pbr,
its tables, the nftables table inet pbr, its rt_tables.d file, the sysctls it names); a foreign
object in the way is a conflict, reported before anything changes.

Options:
  -c, --config FILE    the intent file
  --snapshot FILE      plan against a snapshot (pbr snapshot) instead of this host
  --netns NAME         plan for a network namespace
  --format FORMAT      text (default) or commands
  -j, --json           the plan as JSON: changes (summary, apply and revert actions) and conflicts

Examples:
  pbr plan -c pbr.yaml
  pbr plan -c pbr.yaml --format commands > pbr.sh
  pbr plan -c pbr.yaml --snapshot router.json

Exit status: 0 no changes · 1 changes to make · 3 invalid intent or conflicts · 4 system error
`;

export const APPLY_HELP = `Usage: pbr apply [-c FILE] [--netns NAME] [--confirm SECONDS] [-j]

Makes the host match the intent as one transaction: takes the lock (/run/pbr/lock), writes each
step's inverse to a journal (/run/pbr/journals) before the step runs, runs the steps (nftables in
one atomic nft -f), then captures the host again and checks that nothing is left to do. Any
failure undoes the steps already done, newest first, and the host is as it was (exit 5). If an
undo step fails too, pbr stops and keeps the journal for \`pbr rollback\` (exit 6). Applying the
same intent again changes nothing.

Options:
  -c, --config FILE    the intent file (default /etc/pbr/pbr.yaml)
  --netns NAME         apply inside a network namespace
  --confirm SECONDS    roll back after SECONDS unless \`pbr confirm\` runs first (for remote hosts:
                       a detached watcher does it, even if this ssh session dies)
  -j, --json           print the result as JSON
  --root DIR           (tests) write files and keep the journal under DIR instead of /
  --state-dir DIR      keep the lock and journals in DIR instead of /run/pbr
  PBR_FAIL_STEP=K[:before|:after]  (tests) make step K fail, to check the rollback

Examples:
  pbr apply -c /etc/pbr/pbr.yaml
  pbr apply --confirm 120 && pbr confirm

Exit status: 0 applied (or nothing to do) · 3 invalid intent or conflicts · 4 system error (lock
held, …) · 5 failed and rolled back · 6 rollback failed (run pbr rollback)
`;

export const ROLLBACK_HELP = `Usage: pbr rollback [--unless-confirmed ID]

Undoes the last apply from its journal, newest step first; after a failed rollback (exit 6) or an
interrupted apply, finishes undoing it. --unless-confirmed ID is the watcher started by
\`pbr apply --confirm\`: it waits for the deadline, then rolls back unless the apply was confirmed.

Examples:
  pbr rollback
  pbr status

Exit status: 0 rolled back or nothing to undo · 4 system error · 6 rollback failed (journal kept)
`;

export const CONFIRM_HELP = `Usage: pbr confirm

Keeps the last \`pbr apply --confirm SECONDS\`: its watcher will not roll it back.

Example:
  pbr apply --confirm 60 && pbr confirm

Exit status: 0 confirmed · 4 nothing awaits confirmation, or too late (already rolled back)
`;

export const STATUS_HELP = `Usage: pbr status [-j]

Shows what pbr last applied (in this boot): journal id, state (applied, rolled-back,
rollback-failed, …), confirmation (pending until when, confirmed), and each step.

Example:
  pbr status -j
`;

export const INSTALL_HELP = `Usage: pbr install [-c FILE] [--enable]
       pbr uninstall [--disable]

install writes what brings the state back at boot, each file marked as pbr's:
  /etc/systemd/system/pbr.service         runs \`pbr apply -c /etc/pbr/pbr.yaml\` once the network is online
  /etc/pbr/pbr.yaml                       a copy of the intent
  /etc/sysctl.d/90-pbr.conf               the sysctls pbr sets
  /etc/iproute2/rt_tables.d/pbr.conf      the names of pbr's tables
It refuses (writing nothing) when a file that is not pbr's is in the way. uninstall removes only
pbr's files and says which it left. systemctl runs only when asked: --enable, --disable.

Examples:
  pbr install -c ./pbr.yaml --enable
  pbr uninstall --disable

Exit status: 0 done · 3 invalid intent · 4 system error, or a file in the way
`;

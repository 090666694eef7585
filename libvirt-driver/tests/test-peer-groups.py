"""virtacrnd decides membership of the read-write socket's group by the
same rule as acrnd (issue 13, item 5): the groups the connecting process
actually has (its gid and SO_PEERGROUPS, what dbus-daemon reports to acrnd
as UnixGroupIDs), not the group database.  Needs root (setpriv)."""
import os
import subprocess
import sys

from harness import SKIP, check, run


def virsh_as(s, uid, gid, groups, *args):
    home = os.path.join(s.dir, "home")
    os.makedirs(home, exist_ok=True)
    os.chown(home, uid, gid)
    os.chmod(s.dir, 0o755)
    ids = ["--reuid=%d" % uid, "--regid=%d" % gid]
    ids += ["--groups=" + ",".join(map(str, groups))] if groups else ["--clear-groups"]
    return subprocess.run(["setpriv", *ids, "env", "HOME=" + home, "XDG_CACHE_HOME=" + home,
                           "XDG_CONFIG_HOME=" + home, s.virsh_bin, "-c", s.uri, *args],
                          capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)


def dropped_group(s):
    # nobody's primary group in the database is nogroup (65534); a process
    # running as nobody without that group may not manage VMs.
    s.start_virtacrnd(["--group", "nogroup"])
    s.virsh("define", s.write_file("a.xml", s.vm_xml("a")))
    r = virsh_as(s, 65534, 12345, [], "list", "--all", "--name")
    check(r.returncode != 0 and "authentication failed" in r.stderr,
          "a process that dropped the group is let in: " + r.stdout + r.stderr)
    r = virsh_as(s, 65534, 65534, [], "list", "--all", "--name")
    check(r.returncode == 0 and r.stdout.split() == ["a"], r.stdout + r.stderr)


def runtime_group(s):
    # root (gid 0) does not list nobody; a process given gid 0 as a
    # supplementary group at run time is a member.
    s.start_virtacrnd(["--group", "root"])
    s.virsh("define", s.write_file("a.xml", s.vm_xml("a")))
    r = virsh_as(s, 65534, 65534, [0], "list", "--all", "--name")
    check(r.returncode == 0 and r.stdout.split() == ["a"],
          "a supplementary group given at run time is ignored: " + r.stdout + r.stderr)
    r = virsh_as(s, 65534, 65534, [], "list", "--all", "--name")
    check(r.returncode != 0 and "authentication failed" in r.stderr, r.stdout + r.stderr)


if os.geteuid() != 0:
    print("SKIP: needs root for setpriv")
    sys.exit(SKIP)
run(dropped_group, start_virtacrnd=False)
run(runtime_group, start_virtacrnd=False)

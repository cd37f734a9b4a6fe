"""Writes generated files only where they differ, or with check=True only
lists those that would change: shared by the fuzz-corpus generators, whose
--check says whether the committed files are what they would write."""

import os


def sync_file(path, data, check, stale):
    """Writes data (bytes or str) to path unless it already holds exactly
    that; appends path to stale when it does not."""
    mode = "b" if isinstance(data, bytes) else ""
    if os.path.exists(path):
        with open(path, "r" + mode) as f:
            if f.read() == data:
                return
    stale.append(path)
    if not check:
        with open(path, "w" + mode) as f:
            f.write(data)


def sync_dir(d, files, owned, check, stale):
    """Makes the files of d whose names start with one of the prefixes owned
    exactly files ({name: bytes}): others with those prefixes are removed,
    and files not named so are left alone. Appends what differs to stale."""
    os.makedirs(d, exist_ok=True)
    for f in sorted(f for f in os.listdir(d) if f.startswith(owned) and f not in files):
        stale.append(os.path.join(d, f))
        if not check:
            os.remove(os.path.join(d, f))
    for f, b in sorted(files.items()):
        sync_file(os.path.join(d, f), b, check, stale)


def report(script, check, stale):
    """The exit status: 1 if check found files out of date (naming some)."""
    if check and stale:
        print(f"{script}: out of date:", *stale[:10], sep="\n  ")
        return 1
    return 0

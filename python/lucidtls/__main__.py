"""``python -m lucidtls ...`` runs the ``lucidtls`` program shipped in the package.

The same commands as the installed C program (``client``, ``server``,
``demo``, ``verify``, ``version``, ...), with the same arguments, output and
exit status: the package carries the program as ``lucidtls-cli`` (built from
the same sources and the same static library as the extension), and this
module replaces the Python process with it.
"""

from __future__ import annotations

import os
import shutil
import sys


def _program() -> str | None:
    here = os.path.join(os.path.dirname(os.path.abspath(__file__)), "lucidtls-cli")
    if os.access(here, os.X_OK):
        return here
    return shutil.which("lucidtls")


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    prog = _program()
    if prog is None:
        print("lucidtls: the lucidtls program is not installed with this package", file=sys.stderr)
        return 127
    sys.stdout.flush()
    sys.stderr.flush()
    if os.name == "posix":
        os.execv(prog, ["lucidtls", *args])
    import subprocess  # pragma: no cover - non-POSIX

    return subprocess.call([prog, *args])  # pragma: no cover


if __name__ == "__main__":
    sys.exit(main())

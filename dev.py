#!/usr/bin/env python3
"""The two commands of the README, on a fresh machine with only Python 3.11+.

    python3 dev.py up      bootstrap, then run the whole system with demo data (Ctrl-C stops it)
    python3 dev.py test    bootstrap (and Chromium for the browser tests), then run every test (extra
                           arguments go to pytest)
    python3 dev.py lint    ruff, mypy (strict) and the import rules (import-linter)

Bootstrap = a `.venv` beside this file, uv inside it, `uv sync --frozen` from the committed uv.lock.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")


def bootstrap() -> None:
    if sys.version_info < (3, 11):  # noqa: UP036 - the whole point: say so on an older Python
        sys.exit(f"Gotong needs Python 3.11 or newer; this is {sys.version.split()[0]}")
    python = BIN / "python"
    if not python.exists():
        print(f"creating {VENV} ...", flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV)
    uv = BIN / "uv"
    if not uv.exists():
        found = shutil.which("uv")
        if found:
            uv = Path(found)
        else:
            print("installing uv into the virtual environment ...", flush=True)
            if subprocess.call([str(python), "-m", "pip", "--version"], stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL):  # a venv made by uv itself has no pip
                subprocess.check_call([str(python), "-m", "ensurepip", "--upgrade"], stdout=subprocess.DEVNULL)
            subprocess.check_call([str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "uv"])
    env = {**os.environ, "UV_PROJECT_ENVIRONMENT": str(VENV)}
    subprocess.check_call([str(uv), "sync", "--frozen", "--quiet", "--python", str(python)], cwd=ROOT, env=env)


def browser() -> None:
    """The portal's browser tests drive Debian's Chromium (`/usr/bin/chromium`). On a machine without it, install
    it when we can (root with apt-get), or say what is missing before the tests do."""
    if Path("/usr/bin/chromium").exists():
        return
    if shutil.which("apt-get") and hasattr(os, "geteuid") and os.geteuid() == 0:
        print("installing chromium (Debian) for the browser tests ...", flush=True)
        def apt(*args: str) -> bool:
            return subprocess.call(["apt-get", *args], stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT) == 0

        install = ("install", "-y", "-qq", "chromium")
        if apt(*install) or (apt("update", "-qq") and apt(*install)):
            return
    print("note: /usr/bin/chromium is missing, so the browser tests will fail; install Debian's `chromium` "
          "package (sudo apt-get install chromium)", file=sys.stderr, flush=True)


def run(argv: list[str]) -> None:
    os.chdir(ROOT)
    os.execv(argv[0], argv)


def main() -> None:
    command, *rest = sys.argv[1:] or ["help"]
    if command == "up":
        bootstrap()
        run([str(BIN / "gotong"), "up", *rest])
    elif command == "test":
        bootstrap()
        browser()
        run([str(BIN / "pytest"), *rest])
    elif command == "lint":
        bootstrap()
        code = subprocess.call([str(BIN / "ruff"), "check", "."], cwd=ROOT)
        services = sorted(str(p.relative_to(ROOT)) for p in ROOT.glob("services/*/src"))
        sources = ["shared/src", "contracts/src", *services]
        code |= subprocess.call([str(BIN / "mypy"), *sources], cwd=ROOT)
        # The architecture's rules (pyproject.toml [tool.importlinter]): services never import each other, the
        # kit imports no service, domain/ does no I/O and imports no outer layer, application/ imports no driver.
        code |= subprocess.call([str(BIN / "lint-imports"), "--no-cache"], cwd=ROOT)
        sys.exit(code)
    else:
        print(__doc__)
        sys.exit(0 if command in ("help", "-h", "--help") else 2)


if __name__ == "__main__":
    main()

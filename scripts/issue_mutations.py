"""Apply each hand-written mutation of ``scripts/issue_mutations.toml`` and say whether the tests catch it.

Each mutation is applied to its own throw-away copy of the checkout (the files git
tracks plus new files not ignored, as they are on disk now), so the tree you work in is
never changed. The named tests run there with ``python -m pytest -x``; a mutation is
``caught`` when they fail. The named tests first run once without any mutation, and must
pass (exit status 2 if not). Exit status 1 when any mutation is not caught.

    .venv/bin/python scripts/issue_mutations.py [--list] [NAME_SUBSTRING ...]

Not part of CI (it runs the named test files once per mutation).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MUTATIONS = ROOT / "scripts" / "issue_mutations.toml"


def load_mutations(path: Path = MUTATIONS) -> list[dict]:
    mutations = tomllib.loads(path.read_text())["mutation"]
    for m in mutations:
        missing = {"name", "module", "old", "new", "tests"} - set(m)
        if missing:
            raise SystemExit(f"{path.name}: mutation {m.get('name', '?')!r} lacks {sorted(missing)}")
    return mutations


def checkout_copy(target: Path) -> None:
    """The working tree's files (tracked and new, not ignored) copied to ``target``."""
    listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                            cwd=ROOT, capture_output=True, check=True).stdout
    for name in filter(None, listed.decode().split("\0")):
        source = ROOT / name
        if source.is_file() or source.is_symlink():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name, follow_symlinks=False)


def apply(copy: Path, mutation: dict) -> None:
    module = copy / mutation["module"]
    source = module.read_text()
    found = source.count(mutation["old"])
    if found != 1:
        raise SystemExit(f"{mutation['name']}: the text to replace occurs {found} times in "
                         f"{mutation['module']} (expected once): update {MUTATIONS.name}")
    module.write_text(source.replace(mutation["old"], mutation["new"]))


def run_tests(copy: Path, mutation: dict) -> subprocess.CompletedProcess:
    """pytest on the mutation's tests in ``copy``, importing the mutated package from there."""
    command = [sys.executable, "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider", *mutation["tests"]]
    if mutation.get("network"):
        command = ["unshare", "--net", *([] if os.getuid() == 0 else ["--map-root-user"]),
                   "bash", "-c", 'ip link set lo up && exec "$@"', "pytest", *command]
    env = {**os.environ, "PYTHONPATH": str(copy)}
    return subprocess.run(command, cwd=copy, env=env, capture_output=True, text=True, timeout=1800)


def caught(mutation: dict) -> tuple[bool, str]:
    with tempfile.TemporaryDirectory(prefix="issue-mutation-") as tmp:
        copy = Path(tmp)
        checkout_copy(copy)
        apply(copy, mutation)
        result = run_tests(copy, mutation)
    if result.returncode == 4:  # pytest usage error, e.g. a test file that does not exist
        raise SystemExit(f"{mutation['name']}: {result.stderr.strip()}")
    if result.returncode in (0, 5):  # 5: no test collected, which catches nothing
        return False, "tests pass" if result.returncode == 0 else "no test collected"
    failed = [line for line in result.stdout.splitlines() if line.startswith(("FAILED", "ERROR"))]
    return True, failed[0] if failed else f"pytest exit {result.returncode}"


def baseline_failures(mutations: list[dict]) -> list[str]:
    """The named tests on an unmutated copy: a failure there would pass for a caught mutation."""
    failures = []
    with tempfile.TemporaryDirectory(prefix="issue-mutation-") as tmp:
        copy = Path(tmp)
        checkout_copy(copy)
        for network in (False, True):
            tests = sorted({t for m in mutations if bool(m.get("network")) == network for t in m["tests"]})
            if tests:
                result = run_tests(copy, {"tests": tests, "network": network})
                if result.returncode != 0:
                    failures += [line for line in result.stdout.splitlines()
                                 if line.startswith(("FAILED", "ERROR"))] or [f"pytest exit {result.returncode}"]
    return failures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", help="run only mutations whose name contains one of these")
    parser.add_argument("--list", action="store_true", help="list the mutations and exit")
    args = parser.parse_args(argv)
    mutations = [m for m in load_mutations()
                 if not args.names or any(n in m["name"] for n in args.names)]
    if args.list:
        for m in mutations:
            print(f"{m['module']}: {m['name']}  [{' '.join(m['tests'])}]")
        return 0
    failing = baseline_failures(mutations)
    if failing:
        print("The tests fail without any mutation, so no mutation can be judged:", *failing, sep="\n  ")
        return 2
    missed = 0
    for mutation in mutations:
        was_caught, detail = caught(mutation)
        missed += not was_caught
        print(f"{'caught    ' if was_caught else 'NOT CAUGHT'}  {mutation['module']}: {mutation['name']}"
              f"  ({detail})", flush=True)
    print(f"{len(mutations) - missed}/{len(mutations)} caught")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())

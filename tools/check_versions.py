# SPDX-License-Identifier: GPL-3.0-or-later
"""Fail when a package's version differs from its newest CHANGELOG.md entry, when
CHANGELOG.md has no [Unreleased] section, or when an RPM spec disagrees."""

import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = {
    "koji-fedoramessaging": (ROOT / "koji_fedoramessaging" / "__init__.py",
                             ROOT / "python3-koji-fedoramessaging.spec"),
    "koji-fedoramessaging-messages": (
        ROOT / "schemas" / "koji_fedoramessaging_messages" / "__init__.py",
        ROOT / "schemas" / "python3-koji-fedoramessaging-messages.spec"),
}


def main():
    changelog = (ROOT / "CHANGELOG.md").read_text()
    problems = []
    if not re.search(r"^## \[Unreleased\]", changelog, re.M):
        problems.append("CHANGELOG.md: no '## [Unreleased]' section")
    for name, (init, spec) in PACKAGES.items():
        version = re.search(r'^__version__ = "([^"]+)"', init.read_text(), re.M).group(1)
        entries = re.findall(rf"^## {re.escape(name)} \[([^\]]+)\]", changelog, re.M)
        if not entries:
            problems.append(f"CHANGELOG.md: no entry for {name}")
        elif entries[0] != version:
            problems.append(f"{name}: version {version} in {init.relative_to(ROOT)}, but the "
                            f"newest CHANGELOG.md entry is {entries[0]}")
        spec_version = re.search(r"^Version:\s*(\S+)", spec.read_text(), re.M).group(1)
        if spec_version != version:
            problems.append(f"{name}: {spec.relative_to(ROOT)} has Version {spec_version}, "
                            f"the package {version}")
        print(f"{name} {version}")
    for problem in problems:
        print(f"PROBLEM: {problem}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())

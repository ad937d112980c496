# SPDX-License-Identifier: GPL-3.0-or-later
import re
from pathlib import Path

from setuptools import find_packages, setup

HERE = Path(__file__).parent
VERSION = re.search(
    r'^__version__ = "([^"]+)"',
    (HERE / "koji_fedoramessaging_messages" / "__init__.py").read_text(),
    re.M,
).group(1)

# The first eight names are those of the 1.x package: they travel on the wire in the
# fedora_messaging_schema header, so they must never change.
SCHEMAS = {
    "koji_fedoramessaging.build.BuildStateChangeV1": "build:BuildStateChangeV1",
    "koji_fedoramessaging.package.ListChangeV1": "package:ListChangeV1",
    "koji_fedoramessaging.repo.DoneV1": "repo:DoneV1",
    "koji_fedoramessaging.repo.InitV1": "repo:InitV1",
    "koji_fedoramessaging.rpm.SignV1": "rpm:SignV1",
    "koji_fedoramessaging.tag.TagV1": "tag:TagV1",
    "koji_fedoramessaging.tag.UntagV1": "tag:UntagV1",
    "koji_fedoramessaging.task.TaskStateChangeV1": "task:TaskStateChangeV1",
    "koji_fedoramessaging.build.BuildChangeV1": "build:BuildChangeV1",
    "koji_fedoramessaging.build.BuildPromoteV1": "build:BuildPromoteV1",
    "koji_fedoramessaging.import.ImportV1": "imports:ImportV1",
}

setup(
    name="koji-fedoramessaging-messages",
    version=VERSION,
    description="Message schemas for the events a Koji hub publishes through fedora-messaging",
    long_description=(HERE / "README.md").read_text(),
    long_description_content_type="text/markdown",
    license="GPL-3.0-or-later",
    url="https://github.com/fedora-infra/koji-fedoramessaging",
    packages=find_packages(exclude=["tests", "tests.*"]),
    python_requires=">=3.9",
    install_requires=["fedora-messaging>=3.3"],
    entry_points={
        "fedora.messages": [
            f"{name} = koji_fedoramessaging_messages.{target}" for name, target in SCHEMAS.items()
        ]
    },
    classifiers=[
        "License :: OSI Approved :: GNU General Public License v3 or later (GPLv3+)",
        "Programming Language :: Python :: 3",
    ],
)

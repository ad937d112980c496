# SPDX-License-Identifier: GPL-3.0-or-later
import re
from pathlib import Path

from setuptools import find_packages, setup

HERE = Path(__file__).parent
VERSION = re.search(r'^__version__ = "([^"]+)"',
                    (HERE / "koji_fedoramessaging" / "__init__.py").read_text(), re.M).group(1)

setup(
    name="koji-fedoramessaging",
    version=VERSION,
    description="Koji hub plugin publishing hub events to fedora-messaging, with an outbox",
    long_description=(HERE / "README.md").read_text(),
    long_description_content_type="text/markdown",
    license="GPL-3.0-or-later",
    url="https://github.com/fedora-infra/koji-fedoramessaging",
    packages=find_packages(include=["koji_fedoramessaging", "koji_fedoramessaging.*"]),
    package_data={"koji_fedoramessaging": ["sql/*.sql"]},
    data_files=[
        ("share/koji-fedoramessaging/hub-plugins", ["hub-plugins/koji-fedoramessaging.py"]),
        ("share/koji-fedoramessaging", ["conf/koji-fedoramessaging.conf",
                                        "conf/koji-fedoramessaging-drain.service"]),
    ],
    python_requires=">=3.9",
    install_requires=[
        "click>=7",
        "fedora-messaging>=3.3",
        "koji",
        "koji-fedoramessaging-messages>=2.0.0",
        "pika>=1.2",
        "psycopg2",
    ],
    entry_points={"console_scripts": ["koji-fedoramessaging = koji_fedoramessaging.cli:main"]},
    classifiers=[
        "License :: OSI Approved :: GNU General Public License v3 or later (GPLv3+)",
        "Programming Language :: Python :: 3",
    ],
)

# SPDX-License-Identifier: GPL-3.0-or-later
"""A hub-like process for the SIGKILL test: loads the plugin with Koji's PluginTracker, runs
one request that fires N events, and is killed with SIGKILL right after the commit, before
postCommit could publish anything.

usage: python -m tests.hub_process DSN PLUGIN_DIR COUNT
"""

import os
import signal
import sys

import koji.plugin

from koji_fedoramessaging import hubsim

from . import events, kojihub_double
from .hub import Hub, call


def main(dsn, plugin_dir, count):
    kojihub_double.install()
    module = koji.plugin.PluginTracker(path=[plugin_dir]).load("koji-fedoramessaging")
    hubsim.register_plugin(module)
    cbtype, kws, _topic = events.variants()["tag"]
    handlers = [call(cbtype, dict(kws, build=dict(kws["build"], id=i))) for i in range(count)]

    def die():
        sys.stdout.write("committed\n")
        sys.stdout.flush()
        os.kill(os.getpid(), signal.SIGKILL)

    Hub(dsn).request(*handlers, after_commit=die)
    sys.stdout.write("postCommit ran: the kill did not happen\n")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], int(sys.argv[3]))

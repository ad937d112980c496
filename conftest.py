# SPDX-License-Identifier: GPL-3.0-or-later
"""Repository-wide pytest policy: in CI, a skipped test is a failure (the integration tests
need the real PostgreSQL and RabbitMQ, and must run)."""

import os


def pytest_sessionfinish(session, exitstatus):
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    skipped = len(reporter.stats.get("skipped", [])) if reporter else 0
    if os.environ.get("CI") and skipped and exitstatus == 0:
        reporter.write_line(f"CI: {skipped} test(s) skipped; skipping is not allowed here",
                            red=True)
        session.exitstatus = 1

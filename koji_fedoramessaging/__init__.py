# SPDX-License-Identifier: GPL-3.0-or-later
"""Koji hub plugin that publishes hub events to fedora-messaging through a durable outbox."""

__version__ = "2.0.0"

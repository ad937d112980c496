# SPDX-License-Identifier: GPL-3.0-or-later
"""Message classes for the events the Koji hub publishes through fedora-messaging.

Each class owns one topic and one body version; its entry point name in the
``fedora.messages`` group is what travels in the ``fedora_messaging_schema`` header.
"""

__version__ = "2.0.0"

# SPDX-License-Identifier: GPL-3.0-or-later
# Koji hub plugin: publishes hub events to fedora-messaging through a durable outbox.
# Enable with "Plugins = koji-fedoramessaging" in /etc/koji-hub/hub.conf. The code lives in
# the koji_fedoramessaging package; Koji registers the callbacks it finds in this module.
from koji_fedoramessaging.plugin import getStatus, queue_message, send_messages

__all__ = ["getStatus", "queue_message", "send_messages"]

# SPDX-License-Identifier: GPL-3.0-or-later
"""The few facts bodies need from the hub's database, through kojihub.

This is the only module that imports kojihub (the hub's own package, present only inside a
running hub; tests put a small double in its place). Each lookup returns None or an empty list
instead of raising: a missing user or host must not cost the message.
"""

import logging

log = logging.getLogger("koji.plugin.fedoramessaging.lookups")


def _kojihub():
    import kojihub  # only importable inside a running hub

    return kojihub


def user_name(user_id):
    try:
        user = _kojihub().get_user(user_id)
    except Exception as exc:
        log.warning("cannot look up user %r: %s", user_id, exc)
        return None
    return user.get("name") if isinstance(user, dict) else None


def host_name(host_id):
    try:
        host = _kojihub().get_host(host_id)
    except Exception as exc:
        log.warning("cannot look up host %r: %s", host_id, exc)
        return None
    return host.get("name") if isinstance(host, dict) else None


def task_info(task_id):
    """The task with its decoded request, or None."""
    try:
        return _kojihub().Task(task_id).getInfo(request=True)
    except Exception as exc:
        log.warning("cannot look up task %r: %s", task_id, exc)
        return None


def task_children(task_id):
    """The direct sub-tasks (without their requests, as 1.x sent them)."""
    try:
        return _kojihub().Task(task_id).getChildren()
    except Exception as exc:
        log.warning("cannot list the sub-tasks of task %r: %s", task_id, exc)
        return []


def task_result(task_id):
    """The task's result, or None (Koji raises for unfinished and failed tasks)."""
    try:
        return _kojihub().Task(task_id).getResult()
    except Exception as exc:
        log.debug("no result for task %r: %s", task_id, exc)
        return None

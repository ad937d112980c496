# SPDX-License-Identifier: GPL-3.0-or-later
"""A small stand-in for the few kojihub lookups the plugin makes (Koji's hub package is not
installable from PyPI). Return values are shaped like Koji's: see kojihub.get_user,
kojihub.get_host and kojihub.Task in Koji's source."""

import sys
import types

import koji

USERS = {}
HOSTS = {}
TASKS = {}


def reset():
    USERS.clear()
    HOSTS.clear()
    TASKS.clear()


def add_user(user_id, name):
    USERS[user_id] = {"id": user_id, "name": name, "status": 0, "usertype": 0,
                      "krb_principals": [f"{name}@FEDORAPROJECT.ORG"]}


def add_host(host_id, name):
    HOSTS[host_id] = {"id": host_id, "name": name, "user_id": host_id + 1000,
                      "arches": "x86_64 i686", "task_load": 0.0, "capacity": 20.0,
                      "description": None, "comment": None, "enabled": True, "ready": True}


def add_task(info, result=None, failed=False):
    """``info`` as Task.getInfo(request=True) returns it; ``result`` as Task.getResult."""
    TASKS[info["id"]] = {"info": dict(info), "result": result, "failed": failed}


def get_user(user_info=None, strict=False, **_kw):
    user = USERS.get(user_info)
    if user is None and strict:
        raise koji.GenericError(f"No such user: {user_info!r}")
    return dict(user) if user else None


def get_host(host_info, strict=False, event=None):
    host = HOSTS.get(host_info)
    if host is None and strict:
        raise koji.GenericError(f"Invalid hostInfo: {host_info}")
    return dict(host) if host else None


class Task:
    def __init__(self, id):
        self.id = int(id)

    def getInfo(self, strict=True, request=False):
        entry = TASKS.get(self.id)
        if entry is None:
            if strict:
                raise koji.GenericError(f"No such task: {self.id}")
            return None
        info = dict(entry["info"])
        if not request:
            info.pop("request", None)
        return info

    def getChildren(self, request=False):
        children = [dict(e["info"]) for e in TASKS.values()
                    if e["info"].get("parent") == self.id]
        if not request:
            for child in children:
                child.pop("request", None)
        return sorted(children, key=lambda c: c["id"])

    def getResult(self, raise_fault=True):
        entry = TASKS.get(self.id)
        if entry is None:
            raise koji.GenericError(f"No such task: {self.id}")
        state = entry["info"]["state"]
        if state == koji.TASK_STATES["FAILED"] or entry["failed"]:
            raise koji.GenericError("BuildError: error building package")
        if state != koji.TASK_STATES["CLOSED"]:
            raise koji.GenericError(f"Task {self.id} is not finished")
        return entry["result"]


def install():
    """Make ``import kojihub`` return this double."""
    module = types.ModuleType("kojihub")
    module.get_user = get_user
    module.get_host = get_host
    module.Task = Task
    sys.modules["kojihub"] = module
    return module

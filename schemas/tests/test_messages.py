# SPDX-License-Identifier: GPL-3.0-or-later
"""Each message class with a realistic body (produced by the hub plugin from Koji-shaped
events): it validates, and every accessor gives the expected value."""

import copy
import json
from pathlib import Path

import jsonschema
import pytest
from fedora_messaging import message as fm_message

from koji_fedoramessaging_messages import build, imports, package, repo, rpm, tag, task

BODIES = Path(__file__).parent / "bodies"


def load(name, cls):
    data = json.loads((BODIES / f"{name}.json").read_text())
    assert data["topic"] == cls.topic
    msg = cls(body=data["body"])
    msg.validate()
    return msg


def common(msg, summary, usernames, packages, url, agent):
    assert msg.summary == summary
    assert str(msg)  # never fails, never empty
    assert msg.usernames == usernames
    assert msg.packages == packages
    assert msg.url == url
    assert msg.agent_name == agent
    assert msg.app_name == "Koji"
    assert msg.app_icon.endswith("koji.png")
    assert msg.instance == "primary"


def test_build_state_change():
    msg = load("build_complete", build.BuildStateChangeV1)
    common(msg, "Build COMPLETE: ralph's python-requests-2.31.0-3.fc41", ["ralph"],
           ["python-requests"], "https://koji.fedoraproject.org/koji/buildinfo?buildID=2", None)
    assert (msg.build_id, msg.task_id, msg.old, msg.new) == (2, 5000, 0, 1)
    assert (msg.old_state_name, msg.new_state_name) == ("building", "complete")
    assert msg.source_url.startswith("git+https://src.fedoraproject.org/rpms/python-requests")
    text = str(msg)
    assert "Package:    python-requests-2.31.0-3.fc41" in text
    assert "Task 5002 on buildvm-x86-07.iad2.fedoraproject.org" in text
    assert ("https://kojipkgs.fedoraproject.org/work/tasks/5002/5002/"
            "python3-requests-2.31.0-3.fc41.noarch.rpm") in text
    assert msg.severity == fm_message.INFO


def test_imported_build_without_owner_has_list_usernames():
    msg = load("build_import_epoch_none", build.BuildStateChangeV1)
    assert msg.task is None and "Build imported into koji" in str(msg)
    body = copy.deepcopy(msg.body)
    body["owner"] = None
    orphan = build.BuildStateChangeV1(body=body)
    orphan.validate()
    assert orphan.usernames == [] and orphan.agent_name is None


def test_build_change():
    msg = load("build_owner_change", build.BuildChangeV1)
    common(msg, "Build python-requests-2.31.0-3.fc41 changed owner from ralph to bodhi",
           ["bodhi", "ralph"], ["python-requests"],
           "https://koji.fedoraproject.org/koji/buildinfo?buildID=2", "bodhi")
    assert (msg.attribute, msg.old, msg.new) == ("owner_id", 101, 103)


def test_build_change_cannot_pass_as_a_state_change():
    body = json.loads((BODIES / "build_owner_change.json").read_text())["body"]
    with pytest.raises(jsonschema.ValidationError):
        build.BuildStateChangeV1(body=body).validate()


def test_build_promote():
    msg = load("build_promote", build.BuildPromoteV1)
    common(msg, "Draft build python-requests-2.31.0-3.fc41,draft_2 was promoted to "
           "python-requests-2.31.0-3.fc41 by releng", ["ralph", "releng"], ["python-requests"],
           "https://koji.fedoraproject.org/koji/buildinfo?buildID=2", "releng")
    assert (msg.draft_release, msg.target_release, msg.user) == (
        "3.fc41,draft_2", "3.fc41", "releng")


def test_task_state_change():
    msg = load("task_scratch_closed", task.TaskStateChangeV1)
    common(msg, "Task CLOSED -- build (python-requests.git#4f7e2b1c9d noarch)", ["ralph"],
           ["python-requests"], "https://koji.fedoraproject.org/koji/taskinfo?taskID=6000",
           "ralph")
    assert (msg.task_id, msg.method, msg.old, msg.new, msg.arch) == (
        6000, "build", "OPEN", "CLOSED", "noarch")
    assert "Task 6000 has the following sub-tasks" in str(msg)


@pytest.mark.parametrize("srpm,name", [
    ("foo-1.0-1.fc41.src.rpm", "foo"), ("python-requests.git#abc", "python-requests"),
    ("", None)])
def test_task_packages_from_source(srpm, name):
    body = json.loads((BODIES / "task_scratch_closed.json").read_text())["body"]
    body["srpm"] = srpm
    assert task.TaskStateChangeV1(body=body).packages == ([name] if name else [])


def test_tag_and_untag():
    msg = load("tag_mass_rebuild", tag.TagV1)
    common(msg, "python-requests-2.31.0-3.fc41 was tagged into f41-rebuild by releng",
           ["releng", "ralph"], ["python-requests"],
           "https://koji.fedoraproject.org/koji/buildinfo?buildID=2", "releng")
    assert msg.is_mass_rebuild and not msg.is_eln and msg.priority == 0
    assert (msg.tag_id, msg.build_id, msg.owner) == (302, 2, "ralph")
    assert msg.severity == fm_message.DEBUG
    msg = load("untag", tag.UntagV1)
    assert msg.summary == ("python-requests-2.31.0-3.fc41 was untagged from "
                           "f41-updates-candidate by bodhi")
    assert msg.priority == 2


def test_package_list_change():
    msg = load("pkglist_add", package.ListChangeV1)
    common(msg, "Package list change for python-requests:  f41-updates-candidate",
           ["releng", "ralph"], ["python-requests"],
           "https://koji.fedoraproject.org/koji/packageinfo?packageID=python-requests",
           "releng")
    assert (msg.action, msg.block, msg.force, msg.update, msg.extra_arches) == (
        "add", False, False, False, None)
    removed = load("pkglist_remove", package.ListChangeV1)
    assert removed.owner is None and removed.usernames == ["releng"]


def test_repo_init_and_done():
    msg = load("repo_init", repo.InitV1)
    common(msg, "Repo 4243 for f41-build initialized", [], [],
           "https://koji.fedoraproject.org/koji/repoinfo?repoID=4243", None)
    assert (msg.tag, msg.tag_id, msg.repo_id) == ("f41-build", 401, 4243)
    assert load("repo_done", repo.DoneV1).summary == "Repo 4243 for f41-build is done"


def test_rpm_sign_both_forms():
    msg = load("rpm_sign", rpm.SignV1)
    common(msg, "rpm python3-requests-2.31.0-3.fc41 was signed", ["ralph"],
           ["python-requests"], "https://koji.fedoraproject.org/koji/buildinfo?buildID=2",
           "ralph")
    assert msg.sigkey == "a15b79cc" and msg.sighash and msg.build["name"] == "python-requests"
    old = load("rpm_sign_old_form", rpm.SignV1)
    assert old.summary == "rpm python3-requests-2.31.0-3.fc41 was signed"
    assert old.usernames == [] and old.packages == []


def test_import():
    msg = load("import_rpm", imports.ImportV1)
    common(msg, "rpm import into python-requests-2.31.0-3.fc41 "
           "(python3-requests-2.31.0-3.fc41.noarch.rpm)", ["ralph"], ["python-requests"],
           "https://koji.fedoraproject.org/koji/buildinfo?buildID=2", "ralph")


V1_NAMES = {
    "koji_fedoramessaging.build.BuildStateChangeV1": build.BuildStateChangeV1,
    "koji_fedoramessaging.package.ListChangeV1": package.ListChangeV1,
    "koji_fedoramessaging.repo.DoneV1": repo.DoneV1,
    "koji_fedoramessaging.repo.InitV1": repo.InitV1,
    "koji_fedoramessaging.rpm.SignV1": rpm.SignV1,
    "koji_fedoramessaging.tag.TagV1": tag.TagV1,
    "koji_fedoramessaging.tag.UntagV1": tag.UntagV1,
    "koji_fedoramessaging.task.TaskStateChangeV1": task.TaskStateChangeV1,
    "koji_fedoramessaging.build.BuildChangeV1": build.BuildChangeV1,
    "koji_fedoramessaging.build.BuildPromoteV1": build.BuildPromoteV1,
    "koji_fedoramessaging.import.ImportV1": imports.ImportV1,
}


@pytest.mark.parametrize("name", sorted(V1_NAMES))
def test_entry_point_names_are_the_wire_names(name):
    cls = V1_NAMES[name]
    assert fm_message.get_class(name) is cls
    assert fm_message.get_name(cls) == name


@pytest.mark.parametrize("name", sorted(p.stem for p in BODIES.glob("*.json")))
def test_round_trip_through_the_wire_encoding(name):
    """Encode as fedora-messaging publishes, decode as a consumer does: same class and body."""
    data = json.loads((BODIES / f"{name}.json").read_text())
    cls = next(c for c in V1_NAMES.values() if c.topic == data["topic"])
    sent = cls(body=data["body"])
    received = fm_message.get_message(sent.topic, sent._properties, sent._encoded_body)
    assert type(received) is cls
    assert received.body == data["body"] and received.id == sent.id
    received.validate()
    assert received.summary == sent.summary

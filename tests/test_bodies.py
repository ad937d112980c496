# SPDX-License-Identifier: GPL-3.0-or-later
"""Body builders: every callback and variant, the fields consumers read, the 1.x defects
fixed, hostile input, size limits. Pure: no database, no broker."""

import datetime
import decimal
import json

import pytest

from koji_fedoramessaging import bodies, config, lookups, wire

from . import events
from . import kojihub_double as hub

SETTINGS = config.defaults()


def env(settings=SETTINGS):
    return bodies.Env(settings=settings, base_url="https://koji.fedoraproject.org",
                      files_base_url="https://kojipkgs.fedoraproject.org/work",
                      lookups=lookups)


def build(name, settings=SETTINGS):
    cbtype, kws, _topic = events.variants()[name]
    return bodies.build_body(cbtype, kws, env(settings))


@pytest.mark.parametrize("name", sorted(events.variants()))
def test_every_variant_builds_the_expected_topic_and_validates(name):
    cbtype, kws, topic = events.variants()[name]
    before = json.dumps(kws, default=str, sort_keys=True)
    built = bodies.build_body(cbtype, kws, env())
    # Koji hands the same dicts to every plugin: builders must not change them.
    assert json.dumps(kws, default=str, sort_keys=True) == before
    if topic is None:
        assert built is None
        return
    got_topic, body = built
    assert got_topic == topic
    assert json.loads(json.dumps(body)) == body  # plain JSON, nothing else
    wire.make_envelope(got_topic, body)  # validates under its own class
    assert body["instance"] == "primary"
    assert body["base_url"] == "https://koji.fedoraproject.org"
    floats = [k for d in bodies._walk_dicts(body) for k, v in d.items()
              if k.endswith("_ts") and isinstance(v, float)]
    assert floats == []


def test_build_state_change_fields_consumers_read():
    topic, body = build("build_complete")
    assert topic == "buildsys.build.state.change"
    assert (body["build_id"], body["task_id"], body["owner"]) == (2, 5000, "ralph")
    assert (body["name"], body["version"], body["release"], body["epoch"]) == (
        "python-requests", "2.31.0", "3.fc41", None)
    assert (body["old"], body["new"], body["attribute"]) == (0, 1, "state")
    assert body["creation_time"] == "2024-05-06T07:08:09.123456+00:00"
    assert body["completion_time"] == "2024-05-06T07:23:09.123456+00:00"
    assert body["request"][0] == events.SCM and "#" in body["request"][0]
    assert body["task"]["method"] == "build"
    assert body["url"] == "https://koji.fedoraproject.org/koji/buildinfo?buildID=2"
    assert body["files_base_url"] == "https://kojipkgs.fedoraproject.org/work"
    children = body["task"]["children"]
    assert [(c["id"], c["method"], c["arch"]) for c in children] == [
        (5001, "buildSRPMFromSCM", "noarch"), (5002, "buildArch", "noarch"),
        (5003, "tagBuild", "noarch")]
    srpm_task = children[0]
    assert srpm_task["host_name"] == "buildvm-x86-07.iad2.fedoraproject.org"
    assert srpm_task["owner"] == "ralph"
    assert srpm_task["url"] == "https://koji.fedoraproject.org/koji/taskinfo?taskID=5001"
    assert srpm_task["result"]["srpm"].endswith(".src.rpm")
    assert srpm_task["create_time"] == 1714979289 and srpm_task["completion_time"] == 1714979889
    assert "weight" not in srpm_task and "create_ts" not in srpm_task


@pytest.mark.parametrize("name,epoch", [("build_import_epoch_none", None),
                                        ("build_import_epoch_0", 0), ("build_epoch_3", 3)])
def test_build_epochs(name, epoch):
    _topic, body = build(name)
    assert body["epoch"] == epoch
    if name.startswith("build_import"):
        assert body["task"] is None and body["request"] is None and body["task_id"] is None


def test_non_state_build_changes_never_masquerade_as_state_changes():
    topic, body = build("build_owner_change")
    assert topic == "buildsys.build.change"
    assert (body["attribute"], body["old"], body["new"]) == ("owner_id", 101, 103)
    assert (body["old_owner"], body["new_owner"]) == ("ralph", "bodhi")
    message = wire.make_envelope(topic, body).to_message()
    assert message.summary == (
        "Build python-requests-2.31.0-3.fc41 changed owner from ralph to bodhi")
    topic, body = build("build_completion_ts_change")
    assert topic == "buildsys.build.change" and body["old"] == 1714980189.123456
    assert build("build_volume_change") is None
    settings = SETTINGS.replace(build_skip_volume_id=False)
    assert build("build_volume_change", settings)[0] == "buildsys.build.change"


def test_task_state_change_fields_consumers_read():
    topic, body = build("task_scratch_closed")
    assert topic == "buildsys.task.state.change"
    assert (body["id"], body["info"]["id"], body["method"], body["attribute"]) == (
        6000, 6000, "build", "state")
    assert (body["old"], body["new"], body["owner"]) == ("OPEN", "CLOSED", "ralph")
    assert body["srpm"] == "python-requests.git#4f7e2b1c9d"
    assert body["info"]["request"][2] == {"scratch": True}
    assert body["info"]["state"] == 2
    assert body["info"]["start_time"] == 1714979299
    assert body["info"]["completion_time"] == 1714979889
    children = body["info"]["children"]
    assert [(c["arch"], c["id"], c["state"], c["method"]) for c in children] == [
        ("aarch64", 6001, 2, "buildArch"), ("x86_64", 6002, 5, "buildArch")]
    assert children[1]["result"] is None  # failed task: Koji raises for its result
    assert "request" not in children[0]  # 1.x sent sub-tasks without their requests


def test_scratch_task_creation_is_published_with_its_request_decoded():
    topic, body = build("task_scratch_created")
    assert topic == "buildsys.task.state.change"
    assert (body["old"], body["new"]) == (None, "FREE")
    assert body["info"]["request"] == [events.SCM, "f41-candidate", {"scratch": True}]


def test_task_filters_are_settings():
    assert build("task_not_scratch") is None
    assert build("task_child") is None
    assert build("task_weight") is None
    everything = SETTINGS.replace(task_scratch_only=False, task_toplevel_only=False)
    assert build("task_not_scratch", everything)[0] == "buildsys.task.state.change"
    assert build("task_child", everything)[0] == "buildsys.task.state.change"
    assert build("task_weight", everything) is None  # never for a non-state attribute


def test_task_results_of_every_shape_fit_the_schema():
    _topic, body = build("task_livecd_closed")
    assert body["info"]["result"] == "tasks/7000/7000/fedora-live.iso"
    env_ = env()
    tree = bodies.task_tree(env_, hub.Task(7100).getInfo(request=True))
    assert tree["result"] == "[4243, 88112233]"


def test_tag_fields():
    _topic, body = build("tag")
    assert {k: body[k] for k in ("tag", "tag_id", "name", "version", "release", "build_id",
                                 "owner", "user", "instance")} == {
        "tag": "f41-updates-candidate", "tag_id": 301, "name": "python-requests",
        "version": "2.31.0", "release": "3.fc41", "build_id": 2, "owner": "ralph",
        "user": "bodhi", "instance": "primary"}


def test_tag_priorities_follow_fedora_rules():
    assert wire.make_envelope(*build("tag_mass_rebuild")).priority == 0
    assert wire.make_envelope(*build("untag_eln")).priority == 1
    assert wire.make_envelope(*build("tag")).priority == 2


@pytest.mark.parametrize("name,action,owner", [
    ("pkglist_add", "add", "ralph"), ("pkglist_update", "update", "bodhi"),
    ("pkglist_block", "block", "ralph"), ("pkglist_unblock", "unblock", None),
    ("pkglist_remove", "remove", None)])
def test_package_list_changes(name, action, owner):
    _topic, body = build(name)
    assert (body["action"], body["owner"], body["user"]) == (action, owner, "releng")
    assert body["package"] == "python-requests" and body["tag"] == "f41-updates-candidate"


def test_repo_events():
    assert build("repo_init")[1]["tag"] == "f41-build"
    assert build("repo_init_dist")[1]["repo_id"] == 4244
    _topic, body = build("repo_done")
    assert (body["tag"], body["tag_id"], body["repo_id"]) == ("f41-build", 401, 4243)


def test_rpm_sign_both_forms():
    _topic, body = build("rpm_sign")
    assert body["sigkey"] == "a15b79cc"
    assert {k: body["build"][k] for k in ("name", "version", "release", "epoch")} == {
        "name": "python-requests", "version": "2.31.0", "release": "3.fc41", "epoch": None}
    assert body["build"]["creation_time"] == 1714979289
    assert "completion_ts" not in body["build"] and body["build"]["creation_ts"] == 1714979289
    _topic, old = build("rpm_sign_old_form")
    assert (old["attribute"], old["sigkey"], old["rpm"]["name"]) == (
        "sighash", "a15b79cc", "python3-requests")
    assert build("rpm_sign_unsigned") is None
    assert build("rpm_sign_unsigned", SETTINGS.replace(rpm_sign_skip_unsigned=False))


def test_rpm_sign_of_imported_rpm_validates():
    _topic, body = build("rpm_sign_imported")
    assert "buildroot_id" not in body["rpm"]
    assert json.loads(body["rpm"]["extra"]) == {"origin": "import"}
    assert "task_id" not in body["build"] and "source" not in body["build"]


def test_build_promote_has_a_real_body():
    topic, body = build("build_promote")
    assert topic == "buildsys.build.promote"
    assert (body["build_id"], body["draft_release"], body["target_release"], body["user"]) == (
        2, "3.fc41,draft_2", "3.fc41", "releng")
    message = wire.make_envelope(topic, body).to_message()
    assert message.usernames == ["ralph", "releng"]


def test_import_is_off_by_default_and_has_a_body():
    assert build("import_rpm") is None
    settings = SETTINGS.replace(publish=config.ALL_EVENTS)
    topic, body = build("import_rpm", settings)
    assert (topic, body["type"], body["filename"]) == (
        "buildsys.import", "rpm", "python3-requests-2.31.0-3.fc41.noarch.rpm")
    for name in ("import_build", "import_archive", "import_cg"):
        topic, body = build(name, settings)
        wire.make_envelope(topic, body)


def test_instance_and_urls_are_settings_with_request_fallback():
    settings = SETTINGS.replace(instance="s390")
    assert build("tag", settings)[1]["instance"] == "s390"
    environ = {"SERVER_NAME": "internal", "wsgi.url_scheme": "http"}
    assert bodies.base_url(environ, SETTINGS) == "http://internal"
    environ.update(HTTP_X_FORWARDED_HOST="koji.example.org, proxy",
                   HTTP_X_FORWARDED_PROTO="https")
    assert bodies.base_url(environ, SETTINGS) == "https://koji.example.org"
    fixed = SETTINGS.replace(base_url="https://public.example.org")
    assert bodies.base_url(environ, fixed) == "https://public.example.org"


def test_usernames_is_a_list_when_the_owner_is_null():
    _topic, body = build("build_complete")
    body["owner"] = None
    message = wire.make_envelope("buildsys.build.state.change", body).to_message()
    assert message.usernames == []
    assert message.summary.startswith("Build COMPLETE: None's")


def test_hostile_values_are_normalised():
    cbtype, kws, _topic = events.variants()["rpm_sign"]
    kws = dict(kws)
    kws["build"] = dict(kws["build"], extra={
        "set": {3, 1, 2}, "tuple": (1, 2), "bytes": b"\xff\xfe", "when": datetime.date(2024, 1, 1),
        "money": decimal.Decimal("1.5"), "nan": float("nan"), 7: "int key"})
    kws["unknown_future_argument"] = object()
    _topic, body = bodies.build_body(cbtype, kws, env())
    extra = body["build"]["extra"]
    assert extra["set"] == [1, 2, 3] and extra["tuple"] == [1, 2]
    assert extra["when"] == "2024-01-01" and extra["money"] == 1.5 and extra["nan"] is None
    assert extra["7"] == "int key" and isinstance(extra["bytes"], str)


def test_missing_required_arguments_raise_a_clear_error():
    with pytest.raises(bodies.BodyError, match="postTag: argument 'tag' is NoneType"):
        bodies.build_body("postTag", {"build": {}}, env())
    with pytest.raises(bodies.BodyError, match="postRepoDone"):
        bodies.build_body("postRepoDone", {"repo": {}}, env())


def test_extra_over_the_limit_is_dropped_and_logged(caplog):
    cbtype, kws, _topic = events.variants()["rpm_sign"]
    kws = dict(kws, build=dict(kws["build"], extra={"blob": "x" * 5000}))
    settings = SETTINGS.replace(extra_limit=1000)
    _topic, body = bodies.build_body(cbtype, kws, env(settings))
    assert "extra" not in body["build"]
    assert "dropped an 'extra' of" in caplog.text


def test_no_message_exceeds_max_body_size():
    settings = SETTINGS.replace(max_body_size=4096)
    cbtype, kws, _topic = events.variants()["rpm_sign"]
    kws = dict(kws, build=dict(kws["build"], extra={"blob": "x" * 1_000_000}))
    _topic, body = bodies.build_body(cbtype, kws, env(settings))
    assert bodies.encoded_size(body) <= 4096
    huge = dict(kws, rpm=dict(kws["rpm"], payloadhash="y" * 10_000))
    with pytest.raises(bodies.BodyError, match="over max_body_size 4096"):
        bodies.build_body(cbtype, huge, env(settings))


def test_big_task_tree_is_trimmed_to_fit():
    hub.reset()
    events.install_lookups()
    for i in range(1, 400):
        hub.add_task(events.task_info(6000 + 10 + i, "buildArch", 2, parent=6000, host_id=7),
                     result={"rpms": [f"tasks/{i}/x-{'z' * 200}.rpm"], "logs": []})
    settings = SETTINGS.replace(max_body_size=20_000)
    _topic, body = bodies.build_body("postTaskStateChange", dict(
        attribute="state", old="OPEN", new="CLOSED", info=hub.TASKS[6000]["info"]),
        env(settings))
    assert bodies.encoded_size(body) <= 20_000
    assert body["info"]["children"] == [] and body["info"]["children_dropped"] is True

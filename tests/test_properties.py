# SPDX-License-Identifier: GPL-3.0-or-later
"""Property tests: Koji-shaped keyword arguments full of hostile values never make a builder
raise anything but a clear BodyError, and whatever is built is JSON that validates."""

import datetime
import decimal
import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from koji_fedoramessaging import bodies, config, lookups, wire

from . import events

SETTINGS = config.defaults().replace(publish=config.ALL_EVENTS, task_scratch_only=False,
                                     task_toplevel_only=False, rpm_sign_skip_unsigned=False)
ENV = bodies.Env(settings=SETTINGS, base_url="https://koji.example.org",
                 files_base_url="https://koji.example.org/kojifiles/work", lookups=lookups)

leaves = st.one_of(
    st.none(), st.booleans(), st.integers(min_value=-2**63, max_value=2**63),
    st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=20),
    st.binary(max_size=20), st.datetimes(timezones=st.sampled_from([None, datetime.timezone.utc])),
    st.decimals(allow_nan=True, allow_infinity=True), st.dates(),
)
values = st.recursive(
    leaves,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.tuples(inner, inner),
        st.frozensets(st.integers(), max_size=4),
        st.dictionaries(st.one_of(st.text(max_size=8), st.integers()), inner, max_size=4)),
    max_leaves=12)


def koji_dict(keys):
    """A dict with Koji's keys, each either a plausible value or something hostile."""
    return st.fixed_dictionaries({}, optional={key: st.one_of(plausible, values)
                                               for key, plausible in keys.items()})


build_keys = {"id": st.integers(1, 10**6), "name": st.text(min_size=1, max_size=10),
              "version": st.text(max_size=5), "release": st.text(max_size=5),
              "epoch": st.one_of(st.none(), st.integers(0, 9)),
              "task_id": st.one_of(st.none(), st.sampled_from([5000, 6000, 424242])),
              "owner_id": st.sampled_from([101, 102, 999]), "owner_name": st.text(max_size=6),
              "creation_time": st.datetimes(), "completion_time": st.none(),
              "extra": st.dictionaries(st.text(max_size=5), values, max_size=3),
              "source": st.text(max_size=10), "start_time": st.datetimes()}
task_keys = {"id": st.integers(1, 10**6), "method": st.sampled_from(["build", "buildArch"]),
             "parent": st.one_of(st.none(), st.integers(1, 10)), "arch": st.text(max_size=6),
             "host_id": st.one_of(st.none(), st.sampled_from([7, 8, 99])),
             "request": st.one_of(st.lists(values, max_size=3), st.text(max_size=30)),
             "state": st.integers(0, 5), "create_time": st.datetimes(), "owner": st.integers(),
             "result": values, "label": st.text(max_size=4)}
named = koji_dict({"id": st.integers(1, 1000), "name": st.text(min_size=1, max_size=10)})
rpm_keys = {"id": st.integers(1, 10**6), "name": st.text(max_size=8), "buildroot_id":
            st.one_of(st.none(), st.integers()), "extra": values, "size": st.integers(0),
            "buildtime": st.integers(0), "epoch": st.one_of(st.none(), st.integers(0, 3))}

CALLBACKS = {
    "postBuildStateChange": st.fixed_dictionaries(
        {"attribute": st.sampled_from(["state", "owner_id", "completion_ts", "volume_id"]),
         "old": values, "new": st.one_of(st.integers(0, 4), values),
         "info": koji_dict(build_keys)}),
    "postTaskStateChange": st.fixed_dictionaries(
        {"attribute": st.sampled_from(["state", "weight"]),
         "old": st.one_of(st.sampled_from(["FREE", "OPEN"]), values),
         "new": st.one_of(st.sampled_from(["OPEN", "CLOSED"]), values),
         "info": koji_dict(task_keys)}),
    "postTag": st.fixed_dictionaries({"tag": named, "build": koji_dict(build_keys),
                                      "user": st.one_of(named, values), "force": values}),
    "postUntag": st.fixed_dictionaries({"tag": named, "build": koji_dict(build_keys),
                                        "user": named, "strict": values}),
    "postPackageListChange": st.fixed_dictionaries(
        {"action": st.one_of(st.sampled_from(["add", "block"]), values), "tag": named,
         "package": named},
        optional={"owner": st.one_of(st.integers(100, 104), values), "block": values,
                  "extra_arches": values, "force": values, "update": values, "user": named}),
    "postRepoInit": st.fixed_dictionaries({"tag": named, "repo_id": values, "event": values}),
    "postRepoDone": st.fixed_dictionaries({"repo": koji_dict(
        {"id": st.integers(1), "tag_id": st.integers(1), "tag_name": st.text(min_size=1)}),
        "data": values, "expire": values}),
    "postRPMSign": st.one_of(
        st.fixed_dictionaries({"sigkey": st.one_of(st.text(max_size=8), values),
                               "sighash": values, "build": koji_dict(build_keys),
                               "rpm": koji_dict(rpm_keys)}),
        st.fixed_dictionaries({"attribute": st.just("sighash"), "old": values, "new": values,
                               "info": koji_dict(dict(rpm_keys, sigkey=st.text()))})),
    "postBuildPromote": st.fixed_dictionaries(
        {"draft_release": values, "target_release": values,
         "build": koji_dict(build_keys), "user": named}),
    "postImport": st.fixed_dictionaries(
        {"type": st.one_of(st.sampled_from(["build", "rpm", "archive"]), values),
         "build": st.one_of(koji_dict(build_keys), values), "filepath": values}),
}


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_builders_never_raise_and_build_valid_json(data):
    events.install_lookups()
    cbtype = data.draw(st.sampled_from(sorted(CALLBACKS)))
    kws = data.draw(CALLBACKS[cbtype])
    kws["a_future_koji_argument"] = data.draw(values)
    try:
        built = bodies.build_body(cbtype, kws, ENV)
    except bodies.BodyError as exc:
        assert str(exc).startswith(f"{cbtype}: ")
        return
    if built is None:
        return
    topic, body = built
    text = json.dumps(body, allow_nan=False)  # plain JSON: no NaN, no custom types
    assert json.loads(text) == body
    envelope = wire.make_envelope(topic, body)  # raises if it does not validate
    envelope.to_message().validate()  # and fedora-messaging's own validation agrees


@given(values)
def test_plain_always_gives_json(value):
    json.dumps(bodies.plain(value), allow_nan=False)


@given(st.one_of(st.datetimes(), st.floats(), st.decimals(), st.text(), st.integers()))
def test_epoch_seconds_is_an_int_or_none(value):
    result = bodies.epoch_seconds(value)
    assert result is None or isinstance(result, int)
    if isinstance(value, decimal.Decimal) and value.is_nan():
        assert result is None


@settings(max_examples=100, deadline=None)
@given(st.dictionaries(st.sampled_from(["tag", "tag_id", "build_id", "name", "version",
                                        "release", "instance", "user", "owner"]),
                       values, max_size=9))
def test_our_validation_agrees_with_fedora_messaging(body):
    """wire.validate caches validators; it must accept and reject exactly as
    Message.validate does."""
    import jsonschema

    from koji_fedoramessaging_messages.tag import TagV1

    body = bodies.plain(body)
    message = TagV1(body=body)
    try:
        message.validate()
        theirs = None
    except jsonschema.ValidationError as exc:
        theirs = exc.message
    try:
        wire.validate(message)
        ours = None
    except jsonschema.ValidationError as exc:
        ours = exc.message
    assert (ours is None) == (theirs is None)

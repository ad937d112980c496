# SPDX-License-Identifier: GPL-3.0-or-later
"""Compatibility proof: every v1 message our builders produce validates with the classes of
koji-fedoramessaging-messages 1.3.0 from PyPI (not ours), and the 1.x accessors work on it.

Runs in the tox environment 'compat', where 1.3.0 is the installed schema package.
"""

import importlib.metadata

import pytest
from fedora_messaging import message as fm_message

from koji_fedoramessaging import bodies, config, lookups
from tests import events

V1_TOPICS = {
    "buildsys.build.state.change", "buildsys.task.state.change", "buildsys.tag",
    "buildsys.untag", "buildsys.package.list.change", "buildsys.repo.init",
    "buildsys.repo.done", "buildsys.rpm.sign",
}
SETTINGS = config.defaults()
ENV = bodies.Env(settings=SETTINGS, base_url="https://koji.fedoraproject.org",
                 files_base_url="https://kojipkgs.fedoraproject.org/work", lookups=lookups)
V1_VARIANTS = sorted(name for name, (_cb, _kws, topic) in events.variants().items()
                     if topic in V1_TOPICS)


def test_the_published_1x_package_is_the_one_under_test():
    assert importlib.metadata.version("koji-fedoramessaging-messages") == "1.3.0"


def published_class(topic):
    fm_message.load_message_classes()
    matches = [cls for name, cls in fm_message._schema_name_to_class.items()
               if name.startswith("koji_fedoramessaging.") and cls.topic == topic]
    assert len(matches) == 1, topic
    return matches[0]


def test_every_v1_topic_has_a_variant():
    topics = {events.variants()[name][2] for name in V1_VARIANTS}
    assert topics == V1_TOPICS


@pytest.mark.parametrize("name", V1_VARIANTS)
def test_v1_message_validates_with_published_1x_class(name):
    cbtype, kws, topic = events.variants()[name]
    got_topic, body = bodies.build_body(cbtype, kws, ENV)
    assert got_topic == topic
    cls = published_class(topic)
    message = cls(body=body, topic=topic)
    message.validate()  # raises jsonschema.ValidationError on any mismatch
    # What the 1.x accessors give consumers today must work on what we send.
    assert isinstance(message.summary, str) and message.summary
    assert isinstance(str(message), str)
    message.agent_name  # noqa: B018
    message.url  # noqa: B018
    assert isinstance(message.packages, list)
    usernames = message.usernames
    assert usernames is None or isinstance(usernames, list)
    # and the headers fedora-messaging derives from them
    assert message._headers["fedora_messaging_schema"].startswith("koji_fedoramessaging.")

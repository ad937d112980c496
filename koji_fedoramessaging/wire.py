# SPDX-License-Identifier: GPL-3.0-or-later
"""Topic -> schema class, and the exact AMQP message for a body.

The message object is built by fedora-messaging itself (our schema classes are its Message
subclasses), so the routing key, headers, id and properties are exactly what
``fedora_messaging.api.publish`` would send. They are fixed when the row is written and
replayed verbatim on every attempt: same id, same ``sent-at``.
"""

import json
from dataclasses import dataclass

import jsonschema
import pika
from fedora_messaging.message import Message

from koji_fedoramessaging_messages import build, imports, package, repo, rpm, tag, task

from .publisher import WireMessage

CLASSES = {
    cls.topic: cls
    for cls in (
        build.BuildStateChangeV1, build.BuildChangeV1, build.BuildPromoteV1,
        task.TaskStateChangeV1, tag.TagV1, tag.UntagV1, package.ListChangeV1,
        repo.InitV1, repo.DoneV1, rpm.SignV1, imports.ImportV1,
    )
}


@dataclass
class Envelope:
    """A validated message as the outbox stores it."""

    message_id: str
    topic: str
    routing_key: str
    schema_name: str
    headers: dict
    priority: object
    body: str

    def to_message(self):
        """The fedora-messaging Message object (as a consumer would decode it)."""
        return CLASSES[self.topic](body=json.loads(self.body), topic=self.topic,
                                   properties=self.properties())

    def properties(self):
        return amqp_properties(self.message_id, dict(self.headers), self.priority)


def amqp_properties(message_id, headers, priority):
    """The AMQP properties fedora-messaging sets on every message it publishes."""
    return pika.BasicProperties(
        content_type="application/json",
        content_encoding="utf-8",
        delivery_mode=2,
        headers=headers,
        message_id=message_id,
        priority=priority,
    )


class InvalidMessage(Exception):
    """The body does not validate under its class; ``envelope`` is what would have been sent."""

    def __init__(self, envelope, reason):
        super().__init__(reason)
        self.envelope = envelope


def make_envelope(topic, body):
    """Wrap ``body`` in its class, freeze its id and headers, and validate it.

    Raises:
        KeyError: no class for the topic.
        InvalidMessage: the body or headers do not validate under the class.
    """
    message = CLASSES[topic](body=body, topic=topic)
    envelope = _envelope(topic, message)
    try:
        validate(message)
    except jsonschema.ValidationError as exc:
        where = "/".join(str(p) for p in exc.absolute_path) or "(body)"
        raise InvalidMessage(envelope, f"{topic} does not validate at {where}: {exc.message}"
                             ) from None
    return envelope


_VALIDATORS = {}


def _validator(schema):
    key = id(schema)
    if key not in _VALIDATORS:
        cls = jsonschema.validators.validator_for(schema)
        cls.check_schema(schema)
        _VALIDATORS[key] = (schema, cls(schema))
    return _VALIDATORS[key][1]


def validate(message):
    """What ``Message.validate`` checks (headers against both header schemas, then the body
    against the class's body schema), with validators built once per schema instead of on
    every call: that is most of the cost of writing a message in the hub.

    Raises:
        jsonschema.ValidationError: the first error, as fedora-messaging would raise it.
    """
    headers = message._properties.headers
    for schema, instance in ((type(message).headers_schema, headers),
                             (Message.headers_schema, headers),
                             (type(message).body_schema, message.body)):
        error = jsonschema.exceptions.best_match(_validator(schema).iter_errors(instance))
        if error is not None:
            raise error


def _envelope(topic, message):
    props = message._properties
    return Envelope(
        message_id=message.id,
        topic=topic,
        routing_key=message._encoded_routing_key,
        schema_name=props.headers["fedora_messaging_schema"],
        headers=dict(props.headers),
        priority=props.priority,
        body=message._encoded_body.decode("utf-8"),
    )


def to_wire(row):
    """A :class:`WireMessage` from an outbox row (id, message_id, routing_key, headers,
    priority, body). Raises ValueError when the stored row cannot be encoded."""
    row_id, message_id, routing_key, headers, priority, body = row
    try:
        headers = json.loads(headers)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"stored headers are not JSON: {exc}") from None
    if not isinstance(headers, dict):
        raise ValueError("stored headers are not a JSON object")
    try:
        encoded = body.encode("utf-8")
    except (AttributeError, UnicodeError) as exc:
        raise ValueError(f"stored body cannot be encoded: {exc}") from None
    return WireMessage(row_id=row_id, routing_key=routing_key, body=encoded,
                       properties=amqp_properties(message_id, headers, priority))


def revalidate(row):
    """Why a stored dead letter still cannot be published, or None when it now can.

    ``row`` is a dict with topic, headers and body, as the outbox lists dead letters.
    """
    try:
        headers = json.loads(row["headers"])
        body = json.loads(row["body"])
    except (TypeError, ValueError) as exc:
        return f"stored message is not JSON: {exc}"
    cls = CLASSES.get(row["topic"])
    if cls is None or not headers.get("fedora_messaging_schema"):
        return "its body could not be built from the Koji event; it cannot be published"
    message = cls(body=body, topic=row["topic"],
                  properties=amqp_properties(row["message_id"], headers, headers.get("priority")))
    try:
        message.validate()
    except jsonschema.ValidationError as exc:
        return f"does not validate: {exc.message}"
    return None

# SPDX-License-Identifier: GPL-3.0-or-later
"""Message bodies from the keyword arguments of Koji's hub callbacks. No I/O.

:func:`build_body` is the entry point. The few facts a body needs beyond the callback's own
arguments (user and host names, task trees and results) come from the ``lookups`` object of
the :class:`Env`; in the hub that is :mod:`koji_fedoramessaging.lookups`.

Bodies for the eight topics Fedora has always published match the 1.x plugin field for field;
values are normalised so that every body is plain JSON that validates under its class.
"""

import base64
import datetime
import decimal
import json
import logging
import math
import os
from dataclasses import dataclass

import koji
import koji.xmlrpcplus

log = logging.getLogger("koji.plugin.fedoramessaging.bodies")

TASK_STATES = ("FREE", "OPEN", "CLOSED", "CANCELED", "ASSIGNED", "FAILED")
# Float fields the 1.x plugin always removed (they encode differently between Pythons).
_SCRUBBED = {"weight", "start_ts", "create_ts", "completion_ts"}
_MAX_DEPTH = 40


class BodyError(Exception):
    """The event cannot become a valid message; the text says why."""


@dataclass(frozen=True)
class Env:
    """What a builder needs besides the callback's arguments."""

    settings: object
    base_url: str
    files_base_url: str
    lookups: object

    @property
    def web_url(self):
        return f"{self.base_url}/koji"


def base_url(environ, settings):
    """The hub's public URL: the setting, else the request's (proxy headers honoured)."""
    if settings.base_url:
        return settings.base_url
    host = (environ.get("HTTP_X_FORWARDED_HOST") or environ.get("HTTP_HOST")
            or environ.get("SERVER_NAME") or "localhost").split(",")[0].strip()
    scheme = (environ.get("HTTP_X_FORWARDED_SCHEME") or environ.get("HTTP_X_FORWARDED_PROTO")
              or environ.get("wsgi.url_scheme") or "https").split(",")[0].strip()
    return f"{scheme}://{host}"


# -- value normalisation ----------------------------------------------------------------


def plain(value, depth=0):
    """``value`` as plain JSON data: dicts with string keys, lists, str, int, float, bool, None.

    Tuples and sets become lists, bytes are decoded, datetimes become ISO 8601 strings,
    Decimals become numbers, NaN and infinities become None, anything else its ``str``.
    """
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, decimal.Decimal):
        if not value.is_finite():
            return None
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, (datetime.datetime, datetime.date, datetime.time)):
        return value.isoformat()
    if isinstance(value, (bytes, bytearray, memoryview)):
        return bytes(value).decode("utf-8", "replace")
    if depth >= _MAX_DEPTH:
        return str(value)
    if isinstance(value, dict):
        return {str(k): plain(v, depth + 1) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v, depth + 1) for v in value]
    if isinstance(value, (set, frozenset)):
        return sorted((plain(v, depth + 1) for v in value), key=repr)
    return str(value)


def epoch_seconds(value):
    """A timestamp (datetime, number or ISO string) as whole epoch seconds, or None."""
    if value is None or isinstance(value, bool):
        return None
    try:
        if isinstance(value, datetime.datetime):
            if value.tzinfo is None:  # Koji's database session runs in UTC
                value = value.replace(tzinfo=datetime.timezone.utc)
            return int(value.timestamp())
        if isinstance(value, (int, float, decimal.Decimal)):
            number = float(value)
            return int(number) if math.isfinite(number) else None
        if isinstance(value, str):
            return epoch_seconds(datetime.datetime.fromisoformat(value))
    except (ValueError, OverflowError, OSError):
        return None
    return None


def iso_time(value):
    """A timestamp as an ISO 8601 string (what 1.x sent for build times), or None."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, datetime.datetime):
        return value.isoformat()
    if isinstance(value, str):
        return value
    seconds = epoch_seconds(value)
    if seconds is None:
        return None
    return datetime.datetime.fromtimestamp(seconds, tz=datetime.timezone.utc).isoformat()


def as_int(value):
    """An integer id or state, or None when ``value`` is not one."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int):
        return value
    try:
        number = decimal.Decimal(str(value).strip())
    except (decimal.InvalidOperation, ValueError):
        return None
    return int(number) if number.is_finite() and number == number.to_integral_value() else None


def as_str(value):
    if value is None:
        return None
    if isinstance(value, (bytes, bytearray)):
        return bytes(value).decode("utf-8", "replace")
    return str(value)


def as_bool(value):
    return None if value is None else bool(value)


def scalar(value):
    """A JSON scalar for an attribute's old/new value."""
    value = plain(value)
    return value if value is None or isinstance(value, (str, int, float, bool)) else json.dumps(
        value, sort_keys=True)


def _fit_value(kind, value):
    """``value`` coerced to ``kind`` (str, int, num, bool, id: int-or-str), or None."""
    if kind == "str":
        return as_str(value) if isinstance(value, (str, bytes, int, float, decimal.Decimal)) \
            and not isinstance(value, bool) else None
    if kind == "int":
        return as_int(value)
    if kind == "num":
        value = plain(value)
        return value if isinstance(value, (int, float)) and not isinstance(value, bool) else None
    if kind == "bool":
        return value if isinstance(value, bool) else None
    if kind == "id":
        return value if isinstance(value, str) else as_int(value)
    raise ValueError(kind)


def fit(mapping, types, nullable=()):
    """Coerce the keys of ``mapping`` named in ``types`` to their kind, in place.

    A value that cannot be coerced, or a null where ``nullable`` does not allow one, is
    removed rather than sent with the wrong type. Other keys are left alone.
    """
    for key, kind in types.items():
        if key not in mapping:
            continue
        value = _fit_value(kind, mapping[key]) if mapping[key] is not None else None
        if value is None and key not in nullable:
            del mapping[key]
        else:
            mapping[key] = value
    return mapping


def _get(mapping, key, default=None):
    return mapping.get(key, default) if isinstance(mapping, dict) else default


def _require_dict(kws, key):
    value = kws.get(key)
    if not isinstance(value, dict):
        raise BodyError(f"argument '{key}' is {type(value).__name__}, expected a dict")
    return value


def _name(value):
    """A name from a Koji info dict, or the value itself when Koji gave a plain name."""
    if isinstance(value, dict):
        return as_str(value.get("name"))
    return as_str(value) if isinstance(value, (str, bytes)) else None


def _user_name(env, user_id):
    user_id = as_int(user_id)
    return env.lookups.user_name(user_id) if user_id is not None else None


def owner_name(env, info):
    """The owner's name from a build or task dict: owner_name, else owner_id or owner."""
    if not isinstance(info, dict):
        return None
    if info.get("owner_name"):
        return as_str(info["owner_name"])
    for key in ("owner_id", "owner"):
        if isinstance(info.get(key), str):
            return info[key]
        if info.get(key) is not None:
            return _user_name(env, info[key])
    return None


def decode_request(request):
    """A task request as a list: Koji passes it XML-RPC encoded when a task is created."""
    if isinstance(request, (bytes, bytearray)):
        request = bytes(request).decode("utf-8", "replace")
    if isinstance(request, str):
        text = request
        if "<?xml" not in text[:10]:
            try:  # requests stored by very old hubs are base64-encoded XML
                text = base64.b64decode(text, validate=True).decode("utf-8")
            except (ValueError, UnicodeDecodeError):
                return [request]
        try:
            return plain(list(koji.xmlrpcplus.loads(text)[0]))
        except Exception:  # an undecodable request is reported as the raw text
            return [request]
    if isinstance(request, (list, tuple)):
        return plain(list(request))
    return [] if request is None else [plain(request)]


# -- task trees -----------------------------------------------------------------------------


def _task_result(result):
    """Fit a task result to the schema: a dict of file lists, a string, or None."""
    if result is None or isinstance(result, str):
        return result
    if not isinstance(result, dict):
        return json.dumps(plain(result), sort_keys=True)
    result = plain(result)
    for key in ("rpms", "srpms", "logs"):
        if key in result and not (isinstance(result[key], list)
                                  and all(isinstance(i, str) for i in result[key])):
            result[key] = [str(i) for i in result[key]] if isinstance(result[key], list) else []
    if "srpm" in result and not isinstance(result["srpm"], str):
        result["srpm"] = str(result["srpm"])
    if "brootid" in result and not isinstance(result["brootid"], (int, float)):
        del result["brootid"]
    if "source" in result and not (isinstance(result["source"], dict) and all(
            isinstance(v, str) for k, v in result["source"].items() if k in ("source", "url"))):
        del result["source"]
    return result


_TASK_TYPES = {"state": "int", "priority": "int", "channel_id": "int", "parent": "int",
               "host_id": "int", "method": "str", "arch": "str", "label": "str",
               "create_time": "num", "start_time": "num", "completion_time": "num"}
_TASK_NULLABLE = ("parent", "host_id", "label", "start_time", "completion_time", "waiting",
                  "awaited")


def task_tree(env, info, depth=0, seen=None):
    """A task dict as 1.x sent it: epoch times, host name, URL, owner name, result and the
    sub-tasks, recursively (Koji gives only the task; children come from the lookups)."""
    seen = set() if seen is None else seen
    task_id = as_int(_get(info, "id"))
    if task_id is None:
        raise BodyError("task info has no integer 'id'")
    task = {k: plain(v) for k, v in info.items()
            if k not in _SCRUBBED and not k.endswith("_ts")}
    task["id"] = task_id
    for key in ("create_time", "start_time", "completion_time"):
        if key in info:
            task[key] = epoch_seconds(info[key])
    for key in ("waiting", "awaited"):
        if key in task:
            task[key] = as_bool(task[key])
    fit(task, _TASK_TYPES, nullable=_TASK_NULLABLE)
    task["parent"] = task.get("parent")
    task["host_id"] = task.get("host_id")
    task["method"] = task.get("method") or ""
    task["arch"] = task.get("arch") or "noarch"
    task["host_name"] = env.lookups.host_name(task["host_id"]) if task["host_id"] else None
    task["url"] = f"{env.web_url}/taskinfo?taskID={task_id}"
    task["result"] = _task_result(info["result"] if "result" in info
                                  else env.lookups.task_result(task_id))
    task["owner"] = owner_name(env, info)
    if "request" in info:
        task["request"] = decode_request(info["request"])
    children = []
    seen.add(task_id)
    if depth < _MAX_DEPTH:
        for child in env.lookups.task_children(task_id) or []:
            if isinstance(child, dict) and as_int(child.get("id")) not in seen:
                children.append(task_tree(env, child, depth + 1, seen))
    task["children"] = children
    return task


# -- one builder per callback ---------------------------------------------------------------


def _common(env):
    return {"base_url": env.base_url, "instance": env.settings.instance}


def _build_fields(env, build):
    build_id = as_int(build.get("id"))
    return {
        "build_id": build_id,
        "name": as_str(build.get("name")) or "",
        "version": as_str(build.get("version")) or "",
        "release": as_str(build.get("release")) or "",
        "epoch": build.get("epoch") if isinstance(build.get("epoch"), (int, str))
        and not isinstance(build.get("epoch"), bool) else as_int(build.get("epoch")),
        "owner": owner_name(env, build),
        "url": f"{env.web_url}/buildinfo?buildID={build_id}" if build_id is not None else None,
    }


def build_state_change(env, kws):
    info = _require_dict(kws, "info")
    attribute = as_str(kws.get("attribute"))
    if attribute != "state":
        return build_change(env, kws)
    new = as_int(kws.get("new"))
    if new is None or new not in koji.BUILD_STATES.values():
        raise BodyError(f"build state change to an unknown state {kws.get('new')!r}")
    body = _common(env)
    body["files_base_url"] = env.files_base_url
    body.update(_build_fields(env, info))
    task_id = as_int(info.get("task_id"))
    task = env.lookups.task_info(task_id) if task_id is not None else None
    task = task_tree(env, task) if isinstance(task, dict) else None
    body.update(
        attribute="state",
        old=as_int(kws.get("old")),
        new=new,
        task_id=task_id,
        task=task,
        request=task.get("request") if task else None,
        creation_time=iso_time(info.get("creation_time")) or iso_time(
            info.get("creation_ts")) or "",
        completion_time=iso_time(info.get("completion_time")) or iso_time(
            info.get("completion_ts")),
    )
    return "buildsys.build.state.change", body


def build_change(env, kws):
    info = _require_dict(kws, "info")
    attribute = as_str(kws.get("attribute")) or ""
    if attribute == "volume_id" and env.settings.build_skip_volume_id:
        return None
    body = _common(env)
    body.update(_build_fields(env, info))
    body.update(attribute=attribute, old=scalar(kws.get("old")), new=scalar(kws.get("new")))
    if attribute == "owner_id":
        body["old_owner"] = _user_name(env, kws.get("old"))
        body["new_owner"] = _user_name(env, kws.get("new"))
    return "buildsys.build.change", body


def task_state_change(env, kws):
    if as_str(kws.get("attribute")) != "state":
        return None  # only state changes are ever published as task.state.change
    info = _require_dict(kws, "info")
    request = decode_request(info.get("request"))
    settings = env.settings
    if settings.task_toplevel_only and info.get("parent"):
        return None
    if settings.task_scratch_only:
        opts = request[-1] if request else None
        if not (isinstance(opts, dict) and opts.get("scratch")):
            return None
    task = task_tree(env, dict(info, request=request))
    new, old = kws.get("new"), kws.get("old")
    body = _common(env)
    body.update(
        files_base_url=env.files_base_url,
        info=task,
        id=task["id"],
        method=task["method"],
        attribute="state",
        owner=task["owner"],
        old=_task_state(old) if old is not None else None,
        new=_task_state(new),
        srpm=str(request[0]).split("/")[-1] if request else "",
    )
    if body["new"] is None:
        raise BodyError(f"task state change to an unknown state {new!r}")
    return "buildsys.task.state.change", body


def _task_state(value):
    if isinstance(value, str) and value in TASK_STATES:
        return value
    number = as_int(value)
    if number is not None and 0 <= number < len(TASK_STATES):
        return TASK_STATES[number]
    return None


def _tag_body(env, kws):
    tag = _require_dict(kws, "tag")
    build = _require_dict(kws, "build")
    fields = _build_fields(env, build)
    body = _common(env)
    body.update(
        tag=_name(tag),
        tag_id=as_int(tag.get("id")),
        build_id=fields["build_id"],
        name=fields["name"],
        version=fields["version"],
        release=fields["release"],
        user=_name(kws.get("user")),
        owner=fields["owner"],
    )
    if body["tag_id"] is None or body["build_id"] is None:
        raise BodyError("tag or build without an integer id")
    # 1.x's schema types these as strings: leave them out rather than send null.
    for key in ("user", "owner"):
        if body[key] is None:
            del body[key]
    return body


def tag(env, kws):
    return "buildsys.tag", _tag_body(env, kws)


def untag(env, kws):
    return "buildsys.untag", _tag_body(env, kws)


def package_list_change(env, kws):
    tag_name = _name(kws.get("tag"))
    package = _name(kws.get("package"))
    if not tag_name or not package:
        raise BodyError("package list change without a tag or package name")
    body = _common(env)
    body.update(
        tag=tag_name,
        package=package,
        action=as_str(kws.get("action")) or "",
        owner=_user_name(env, kws["owner"]) if kws.get("owner") is not None else None,
        user=_name(kws.get("user")),
        block=as_bool(kws.get("block")),
        extra_arches=as_str(kws.get("extra_arches")),
        force=as_bool(kws.get("force")),
        update=as_bool(kws.get("update")),
    )
    return "buildsys.package.list.change", body


def repo_init(env, kws):
    tag_info = _require_dict(kws, "tag")
    body = _common(env)
    body.update(tag=_name(tag_info), tag_id=as_int(tag_info.get("id")),
                repo_id=as_int(kws.get("repo_id")))
    if not body["tag"] or body["tag_id"] is None or body["repo_id"] is None:
        raise BodyError("repo init without a tag name, tag id or repo id")
    return "buildsys.repo.init", body


def repo_done(env, kws):
    repo = _require_dict(kws, "repo")
    body = _common(env)
    body.update(tag=as_str(repo.get("tag_name")), tag_id=as_int(repo.get("tag_id")),
                repo_id=as_int(repo.get("id")))
    if not body["tag"] or body["tag_id"] is None or body["repo_id"] is None:
        raise BodyError("repo done without a tag name, tag id or repo id")
    return "buildsys.repo.done", body


# Types of the rpm.sign build/rpm fields as 1.x's schema has them; a value of another type,
# or a null where 1.x does not allow one, is left out instead of sent.
_RPM_TYPES = {"id": "int", "build_id": "int", "name": "str", "version": "str",
              "release": "str", "epoch": "id", "arch": "str", "buildtime": "int",
              "size": "int", "payloadhash": "str", "metadata_only": "bool",
              "buildroot_id": "int", "external_repo_id": "int", "external_repo_name": "str",
              "extra": "str"}
_BUILD_TYPES = {"id": "int", "build_id": "int", "name": "str", "version": "str",
                "release": "str", "epoch": "id", "nvr": "str", "state": "int",
                "owner_id": "int", "owner_name": "str", "package_id": "int",
                "package_name": "str", "task_id": "int", "source": "str", "volume_id": "int",
                "volume_name": "str", "creation_event_id": "int", "creation_time": "num",
                "start_time": "int", "completion_time": "num", "cg_id": "id", "cg_name": "id"}
_TIME_KEYS = ("creation_time", "start_time", "completion_time", "promotion_time", "buildtime")


def _sign_dict(info):
    out = {}
    for key, value in info.items():
        if key in _SCRUBBED:
            continue
        if key in _TIME_KEYS or key.endswith("_ts"):
            value = epoch_seconds(value)
        else:
            value = plain(value)
        out[key] = value
    return out


def _sign_rpm(info):
    rpm = _sign_dict(info)
    if isinstance(rpm.get("extra"), (dict, list)):
        rpm["extra"] = json.dumps(rpm["extra"], sort_keys=True)
    return fit(rpm, _RPM_TYPES, nullable=("epoch", "extra"))


def _sign_build(info):
    build = fit(_sign_dict(info), _BUILD_TYPES,
                nullable=("epoch", "completion_time", "cg_id", "cg_name"))
    extra = build.get("extra")
    if "extra" in build and not isinstance(extra, dict):
        del build["extra"]
    elif isinstance(extra, dict) and "source" in extra:
        source = extra["source"]
        if not isinstance(source, dict):
            del extra["source"]
        elif "original_url" in source and not isinstance(source["original_url"], str):
            del source["original_url"]
    return build


def rpm_sign(env, kws):
    body = _common(env)
    if "attribute" in kws and "sigkey" not in kws:
        # Koji 1.10 and older: attribute/old/new/info, the RPM (with its sigkey) in info
        info = _require_dict(kws, "info")
        sigkey = as_str(info.get("sigkey"))
        if sigkey is None and kws.get("attribute") == "sigkey":
            sigkey = as_str(kws.get("new"))
        if not sigkey and env.settings.rpm_sign_skip_unsigned:
            return None
        body.update(attribute=as_str(kws.get("attribute")), old=scalar(kws.get("old")),
                    new=scalar(kws.get("new")), info=plain(info), rpm=_sign_rpm(info),
                    sigkey=sigkey or "")
        return "buildsys.rpm.sign", body
    sigkey = as_str(kws.get("sigkey"))
    if not sigkey and env.settings.rpm_sign_skip_unsigned:
        return None
    body.update(sigkey=sigkey or "", sighash=as_str(kws.get("sighash")) or "",
                build=_sign_build(_require_dict(kws, "build")),
                rpm=_sign_rpm(_require_dict(kws, "rpm")))
    return "buildsys.rpm.sign", body


def build_promote(env, kws):
    build = _require_dict(kws, "build")
    body = _common(env)
    body.update(_build_fields(env, build))
    body.update(
        draft_release=as_str(kws.get("draft_release")) or "",
        target_release=as_str(kws.get("target_release")) or body["release"],
        user=_name(kws.get("user")),
        task_id=as_int(build.get("task_id")),
        promotion_time=iso_time(build.get("promotion_time")),
    )
    if body["build_id"] is None:
        raise BodyError("promoted build without an integer id")
    return "buildsys.build.promote", body


def import_(env, kws):
    build = kws.get("build") if isinstance(kws.get("build"), dict) else {}
    fields = _build_fields(env, build)
    filename = None
    for key in ("filepath", "fullpath", "filename"):
        if isinstance(kws.get(key), str):
            filename = os.path.basename(kws[key])
            break
    for key in ("rpm", "archive"):
        if filename is None and isinstance(kws.get(key), dict):
            filename = as_str(kws[key].get("filename")) or as_str(kws[key].get("name"))
    body = _common(env)
    body.update(fields)
    body.update(type=as_str(kws.get("type")) or "unknown", filename=filename,
                build_id=fields["build_id"] if fields["build_id"] is not None
                else as_int(kws.get("build_id")))
    return "buildsys.import", body


BUILDERS = {
    "postBuildStateChange": build_state_change,
    "postTaskStateChange": task_state_change,
    "postTag": tag,
    "postUntag": untag,
    "postPackageListChange": package_list_change,
    "postRepoInit": repo_init,
    "postRepoDone": repo_done,
    "postRPMSign": rpm_sign,
    "postBuildPromote": build_promote,
    "postImport": import_,
}


# -- size limits ----------------------------------------------------------------------------


def _walk_dicts(value):
    if isinstance(value, dict):
        yield value
        for item in value.values():
            yield from _walk_dicts(item)
    elif isinstance(value, list):
        for item in value:
            yield from _walk_dicts(item)


def encoded_size(body):
    return len(json.dumps(body).encode("utf-8"))


def enforce_limits(topic, body, settings):
    """Drop oversized values so the body fits ``max_body_size``, or raise :class:`BodyError`.

    First any ``extra`` dict over ``extra_limit``, then every ``extra``, then task sub-trees;
    each drop is logged.
    """
    if settings.extra_limit:
        for item in _walk_dicts(body):
            extra = item.get("extra")
            if extra is not None:
                size = len(json.dumps(extra))
                if size > settings.extra_limit:
                    log.warning("%s: dropped an 'extra' of %d bytes (extra_limit %d)",
                             topic, size, settings.extra_limit)
                    del item["extra"]
    size = encoded_size(body)
    if size <= settings.max_body_size:
        return body
    for item in _walk_dicts(body):
        item.pop("extra", None)
    for item in _walk_dicts(body):
        if item.get("children"):
            item["children"] = []
            item["children_dropped"] = True
    new_size = encoded_size(body)
    log.warning("%s: body of %d bytes over max_body_size %d, dropped extra and sub-tasks: %d",
                topic, size, settings.max_body_size, new_size)
    if new_size > settings.max_body_size:
        raise BodyError(f"body is {new_size} bytes, over max_body_size "
                        f"{settings.max_body_size}, even without extra and sub-tasks")
    return body


def build_body(cbtype, kws, env):
    """Return ``(topic, body)`` for a callback, or None when the event is filtered out.

    Never raises anything but :class:`BodyError`: a malformed argument becomes a BodyError
    naming the callback and the problem.
    """
    builder = BUILDERS.get(cbtype)
    if builder is None:
        return None
    try:
        built = builder(env, kws)
        if built is None:
            return None
        topic, body = built
        if topic[len("buildsys."):] not in env.settings.publish:
            return None
        return topic, enforce_limits(topic, body, env.settings)
    except BodyError as exc:
        raise BodyError(f"{cbtype}: {exc}") from None
    except Exception as exc:
        raise BodyError(f"{cbtype}: cannot build the body: {exc!r}") from exc

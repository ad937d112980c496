# SPDX-License-Identifier: GPL-3.0-or-later
"""Koji-shaped callback arguments for every event the plugin handles, with their variants.

Shapes follow Koji's own return values (kojihub.get_build, Task.getInfo, get_tag, get_user,
repo_info, get_rpm) and the keyword arguments of its run_callbacks call sites. Used by the
unit tests, the integration tests and the 1.x compatibility tests.
"""

import datetime
import decimal

import koji
import koji.xmlrpcplus

from . import kojihub_double as hub

UTC = datetime.timezone.utc
T0 = datetime.datetime(2024, 5, 6, 7, 8, 9, 123456, tzinfo=UTC)
SCM = "git+https://src.fedoraproject.org/rpms/python-requests.git#4f7e2b1c9d"
ST = koji.TASK_STATES
BS = koji.BUILD_STATES


def ts(offset=0):
    return T0 + datetime.timedelta(seconds=offset)


def task_info(task_id, method, state, parent=None, arch="noarch", host_id=None, request=None,
              start=10, end=600, owner=101):
    """A dict as kojihub.Task.getInfo(request=True) returns it."""
    done = state in (ST["CLOSED"], ST["FAILED"], ST["CANCELED"])
    return {
        "id": task_id, "state": state,
        "create_time": ts(0), "create_ts": decimal.Decimal("1714979289.123456"),
        "start_time": ts(start) if start is not None else None,
        "start_ts": 1714979299.123456 if start is not None else None,
        "completion_time": ts(end) if done else None,
        "completion_ts": 1714979889.123456 if done else None,
        "channel_id": 1, "host_id": host_id, "parent": parent, "label": None,
        "waiting": None if parent is None else False, "awaited": None if parent is None else True,
        "owner": owner, "method": method, "arch": arch, "priority": 20, "weight": 0.2,
        "request": request if request is not None else [],
    }


def install_lookups():
    """Users, hosts and a build task tree in the kojihub double."""
    hub.reset()
    hub.add_user(101, "ralph")
    hub.add_user(102, "releng")
    hub.add_user(103, "bodhi")
    hub.add_host(7, "buildvm-x86-07.iad2.fedoraproject.org")
    hub.add_host(8, "buildvm-a64-08.iad2.fedoraproject.org")
    # build task 5000 with its sub-tasks
    opts = {"scratch": False}
    hub.add_task(task_info(5000, "build", ST["CLOSED"], request=[SCM, "f41-candidate", opts]),
                 result=None)
    hub.add_task(task_info(5001, "buildSRPMFromSCM", ST["CLOSED"], parent=5000, host_id=7,
                           request=[SCM, "f41-build", {"repo_id": 4242}]),
                 result={"srpm": "tasks/5001/5001/python-requests-2.31.0-3.fc41.src.rpm",
                         "logs": ["tasks/5001/5001/build.log", "tasks/5001/5001/root.log"],
                         "brootid": 9001,
                         "source": {"source": SCM, "url": SCM}})
    hub.add_task(task_info(5002, "buildArch", ST["CLOSED"], parent=5000, host_id=7,
                           arch="noarch", request=["tasks/5001/...src.rpm", 2, "noarch", True,
                                                   {"repo_id": 4242}]),
                 result={"rpms": ["tasks/5002/5002/python3-requests-2.31.0-3.fc41.noarch.rpm"],
                         "srpms": ["tasks/5002/5002/python-requests-2.31.0-3.fc41.src.rpm"],
                         "logs": ["tasks/5002/5002/build.log"], "brootid": 9002})
    hub.add_task(task_info(5003, "tagBuild", ST["CLOSED"], parent=5000, host_id=8,
                           request=[2, 301, False, None, True]), result=None)
    # scratch build 6000: closed, one arch failed
    scratch = [SCM, "f41-candidate", {"scratch": True}]
    hub.add_task(task_info(6000, "build", ST["CLOSED"], request=scratch), result=None)
    hub.add_task(task_info(6001, "buildArch", ST["CLOSED"], parent=6000, host_id=8,
                           arch="aarch64", request=["x.src.rpm", 2, "aarch64", False, {}]),
                 result={"rpms": ["tasks/6001/6001/python3-requests.aarch64.rpm"], "srpms": [],
                         "logs": ["tasks/6001/6001/build.log"], "brootid": 9100})
    hub.add_task(task_info(6002, "buildArch", ST["FAILED"], parent=6000, host_id=7,
                           arch="x86_64", request=["x.src.rpm", 2, "x86_64", True, {}]))
    # a livecd task returns a plain string result, newRepo a list
    hub.add_task(task_info(7000, "createLiveCD", ST["CLOSED"],
                           request=["f41", "1", "x86_64", "kickstart.ks", {"scratch": True}]),
                 result="tasks/7000/7000/fedora-live.iso")
    hub.add_task(task_info(7100, "newRepo", ST["CLOSED"], request=["f41-build"]),
                 result=[4243, 88112233])


def build_info(build_id=2, task_id=5000, state=BS["COMPLETE"], epoch=None, owner_id=101,
               release="3.fc41", extra=None, completed=True, source=SCM):
    """A dict as kojihub.get_build returns it."""
    return {
        "id": build_id, "build_id": build_id, "version": "2.31.0", "release": release,
        "epoch": epoch, "draft": False, "state": state, "task_id": task_id,
        "owner_id": owner_id, "owner_name": hub.USERS.get(owner_id, {}).get("name"),
        "cg_id": None, "cg_name": None,
        "creation_event_id": 77001, "creation_time": ts(0), "creation_ts": 1714979289.123456,
        "start_time": ts(5), "start_ts": 1714979294.123456,
        "completion_time": ts(900) if completed else None,
        "completion_ts": 1714980189.123456 if completed else None,
        "promotion_time": None, "promotion_ts": None, "promoter_id": None,
        "promoter_name": None,
        "package_id": 55, "package_name": "python-requests", "name": "python-requests",
        "nvr": f"python-requests-2.31.0-{release}", "volume_id": 0, "volume_name": "DEFAULT",
        "source": source,
        "extra": extra if extra is not None else {"source": {"original_url": SCM}},
    }


def tag_info(tag_id=301, name="f41-updates-candidate"):
    return {"id": tag_id, "name": name, "perm_id": None, "perm": None,
            "arches": "x86_64 aarch64", "locked": False, "maven_support": False,
            "maven_include_all": False, "extra": {}}


def user_info(user_id=102):
    return hub.get_user(user_id)


def rpm_info(buildroot_id=9002, extra=None):
    """A dict as kojihub.get_rpm returns it."""
    return {"id": 880001, "name": "python3-requests", "version": "2.31.0", "release": "3.fc41",
            "arch": "noarch", "epoch": None, "draft": False, "payloadhash": "0cc175b9c0f1b6a8",
            "size": 201234, "buildtime": 1714979700, "build_id": 2,
            "buildroot_id": buildroot_id, "external_repo_id": 0,
            "external_repo_name": "INTERNAL", "metadata_only": False, "extra": extra}


def variants():
    """name -> (callback, kwargs, topic or None when the default config filters it out)."""
    install_lookups()
    encoded = koji.xmlrpcplus.dumps((SCM, "f41-candidate", {"scratch": True}),
                                    methodname="build")
    created = {"priority": 20, "arch": "noarch", "owner": 101, "label": None, "parent": None,
               "channel_id": 1, "request": encoded, "state": ST["FREE"], "method": "build",
               "id": 6000}
    scratch_closed = dict(hub.TASKS[6000]["info"], result=None)
    livecd = dict(hub.TASKS[7000]["info"], result="tasks/7000/7000/fedora-live.iso")
    child = hub.TASKS[6001]["info"]
    regular = hub.TASKS[5000]["info"]
    imported_build = build_info(build_id=3, task_id=None, epoch=None, source=None, extra=None)
    imported_build["extra"] = None
    return {
        "build_started": ("postBuildStateChange", dict(
            attribute="state", old=None, new=BS["BUILDING"],
            info=build_info(state=BS["BUILDING"], completed=False)), "buildsys.build.state.change"),
        "build_complete": ("postBuildStateChange", dict(
            attribute="state", old=BS["BUILDING"], new=BS["COMPLETE"], info=build_info()),
            "buildsys.build.state.change"),
        "build_failed": ("postBuildStateChange", dict(
            attribute="state", old=BS["BUILDING"], new=BS["FAILED"],
            info=build_info(state=BS["FAILED"])), "buildsys.build.state.change"),
        "build_canceled": ("postBuildStateChange", dict(
            attribute="state", old=BS["BUILDING"], new=BS["CANCELED"],
            info=build_info(state=BS["CANCELED"])), "buildsys.build.state.change"),
        "build_deleted": ("postBuildStateChange", dict(
            attribute="state", old=BS["COMPLETE"], new=BS["DELETED"],
            info=build_info(state=BS["DELETED"])), "buildsys.build.state.change"),
        "build_import_epoch_none": ("postBuildStateChange", dict(
            attribute="state", old=None, new=BS["COMPLETE"], info=imported_build),
            "buildsys.build.state.change"),
        "build_import_epoch_0": ("postBuildStateChange", dict(
            attribute="state", old=None, new=BS["COMPLETE"],
            info=build_info(task_id=None, epoch=0)), "buildsys.build.state.change"),
        "build_epoch_3": ("postBuildStateChange", dict(
            attribute="state", old=BS["BUILDING"], new=BS["COMPLETE"],
            info=build_info(epoch=3)), "buildsys.build.state.change"),
        "build_owner_change": ("postBuildStateChange", dict(
            attribute="owner_id", old=101, new=103, info=build_info(owner_id=103)),
            "buildsys.build.change"),
        "build_completion_ts_change": ("postBuildStateChange", dict(
            attribute="completion_ts", old=1714980189.123456, new=1714990000.5,
            info=build_info()), "buildsys.build.change"),
        "build_volume_change": ("postBuildStateChange", dict(
            attribute="volume_id", old=0, new=2, info=build_info()), None),
        "task_scratch_created": ("postTaskStateChange", dict(
            attribute="state", old=None, new="FREE", info=created),
            "buildsys.task.state.change"),
        "task_scratch_closed": ("postTaskStateChange", dict(
            attribute="state", old="OPEN", new="CLOSED", info=scratch_closed),
            "buildsys.task.state.change"),
        "task_livecd_closed": ("postTaskStateChange", dict(
            attribute="state", old="OPEN", new="CLOSED", info=livecd),
            "buildsys.task.state.change"),
        "task_not_scratch": ("postTaskStateChange", dict(
            attribute="state", old="OPEN", new="CLOSED", info=regular), None),
        "task_child": ("postTaskStateChange", dict(
            attribute="state", old="OPEN", new="CLOSED", info=child), None),
        "task_weight": ("postTaskStateChange", dict(
            attribute="weight", old=0.2, new=1.5, info=scratch_closed), None),
        "tag": ("postTag", dict(tag=tag_info(), build=build_info(), user=user_info(103),
                                force=False), "buildsys.tag"),
        "tag_mass_rebuild": ("postTag", dict(tag=tag_info(302, "f41-rebuild"),
                                             build=build_info(), user=user_info(102),
                                             force=True), "buildsys.tag"),
        "untag": ("postUntag", dict(tag=tag_info(), build=build_info(), user=user_info(103),
                                    force=False, strict=True), "buildsys.untag"),
        "untag_eln": ("postUntag", dict(tag=tag_info(303, "eln"), build=build_info(epoch=1),
                                        user=user_info(102), force=False, strict=True),
                      "buildsys.untag"),
        "pkglist_add": ("postPackageListChange", dict(
            action="add", tag=tag_info(), package={"id": 55, "name": "python-requests"},
            owner=101, block=False, extra_arches=None, force=False, update=False,
            user=user_info(102)), "buildsys.package.list.change"),
        "pkglist_update": ("postPackageListChange", dict(
            action="update", tag=tag_info(), package={"id": 55, "name": "python-requests"},
            owner=103, block=False, extra_arches="ppc64le", force=False, update=True,
            user=user_info(102)), "buildsys.package.list.change"),
        "pkglist_block": ("postPackageListChange", dict(
            action="block", tag=tag_info(), package={"id": 55, "name": "python-requests"},
            owner=101, block=True, extra_arches=None, force=True, update=False,
            user=user_info(102)), "buildsys.package.list.change"),
        "pkglist_unblock": ("postPackageListChange", dict(
            action="unblock", tag=tag_info(), package={"id": 55, "name": "python-requests"},
            user=user_info(102)), "buildsys.package.list.change"),
        "pkglist_remove": ("postPackageListChange", dict(
            action="remove", tag=tag_info(), package={"id": 55, "name": "python-requests"},
            user=user_info(102)), "buildsys.package.list.change"),
        "repo_init": ("postRepoInit", dict(
            tag=tag_info(401, "f41-build"), event=88112233, repo_id=4243, task_id=7100,
            opts={"src": False, "debuginfo": False, "separate_src": False}),
            "buildsys.repo.init"),
        "repo_init_dist": ("postRepoInit", dict(
            tag=tag_info(402, "f41-dist"), with_src=False, with_debuginfo=False, event=None,
            repo_id=4244, dist=True, keys=["a15b79cc"], arches=["x86_64"], task_opts={},
            repodir="/mnt/koji/repos-dist/f41-dist/4244", with_separate_src=False),
            "buildsys.repo.init"),
        "repo_done": ("postRepoDone", dict(
            repo={"id": 4243, "tag_id": 401, "tag_name": "f41-build", "state": 0,
                  "create_event": 88112233, "creation_time": ts(0), "create_ts": 1714979289.1,
                  "dist": False, "task_id": 7100, "opts": {"src": False}},
            data={"x86_64": ["repodata"]}, expire=False), "buildsys.repo.done"),
        "rpm_sign": ("postRPMSign", dict(
            sigkey="a15b79cc", sighash="5d41402abc4b2a76b9719d911017c592",
            build=build_info(), rpm=rpm_info()), "buildsys.rpm.sign"),
        "rpm_sign_imported": ("postRPMSign", dict(
            sigkey="a15b79cc", sighash="5d41402abc4b2a76b9719d911017c592",
            build=imported_build, rpm=rpm_info(buildroot_id=None, extra={"origin": "import"})),
            "buildsys.rpm.sign"),
        "rpm_sign_unsigned": ("postRPMSign", dict(
            sigkey="", sighash="5d41402abc4b2a76b9719d911017c592", build=build_info(),
            rpm=rpm_info()), None),
        "rpm_sign_old_form": ("postRPMSign", dict(
            attribute="sighash", old=None, new="5d41402abc4b2a76b9719d911017c592",
            info=dict(rpm_info(), sigkey="a15b79cc")), "buildsys.rpm.sign"),
        "build_promote": ("postBuildPromote", dict(
            draft_release="3.fc41,draft_2", target_release="3.fc41",
            build=dict(build_info(), promotion_time=ts(1000), promoter_id=102,
                       promoter_name="releng"), user=user_info(102)), "buildsys.build.promote"),
        "import_build": ("postImport", dict(
            type="build", srpm="python-requests-2.31.0-3.fc41.src.rpm", rpms=[], brmap={},
            task_id=None, build_id=2, build=build_info(), logs=None), None),
        "import_rpm": ("postImport", dict(
            type="rpm", rpm=rpm_info(), build=build_info(),
            filepath="/mnt/koji/work/x/python3-requests-2.31.0-3.fc41.noarch.rpm",
            fileinfo=None), None),
        "import_archive": ("postImport", dict(
            type="archive", archive={"id": 9, "filename": "app.tar.gz"}, build=build_info(),
            build_type="maven", filepath="/tmp/app.tar.gz", fileinfo={}), None),
        "import_cg": ("postImport", dict(type="cg", metadata={"build": {}}, directory="/x",
                                         build=build_info()), None),
    }

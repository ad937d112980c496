#!/usr/bin/env bash
# Release check for both packages: build sdists and wheels, twine check, check that each
# sdist carries what a downstream rebuild needs, install the wheels into a fresh virtualenv,
# load the plugin through Koji's PluginTracker, import every schema class through its entry
# point, and build the source RPMs when rpmbuild is available.
set -euo pipefail
cd "$(dirname "$0")/.."
dist=$(pwd)/dist
rm -rf "$dist" && mkdir -p "$dist"

python tools/check_versions.py
python -m build --sdist --wheel --outdir "$dist" .
python -m build --sdist --wheel --outdir "$dist" schemas
python -m twine check --strict "$dist"/*

need() {  # need SDIST PATH...: every PATH must be in the sdist
    local sdist=$1; shift
    local listing; listing=$(tar tzf "$sdist")
    for path in "$@"; do
        grep -q "^[^/]*/$path" <<<"$listing" || { echo "MISSING in $(basename "$sdist"): $path"; exit 1; }
    done
    echo "$(basename "$sdist"): contains $*"
}
plugin_sdist=$(ls "$dist"/koji_fedoramessaging-*.tar.gz)
messages_sdist=$(ls "$dist"/koji_fedoramessaging_messages-*.tar.gz)
need "$plugin_sdist" LICENSE README.md CHANGELOG.md tests/test_delivery.py tests/conftest.py \
    koji_fedoramessaging/sql/001_outbox.sql conf/koji-fedoramessaging.conf \
    conf/koji-fedoramessaging-drain.service hub-plugins/koji-fedoramessaging.py \
    python3-koji-fedoramessaging.spec tox.ini
need "$messages_sdist" LICENSE README.md CHANGELOG.md tests/test_messages.py tests/bodies/ \
    python3-koji-fedoramessaging-messages.spec

venv=$(mktemp -d)/venv
python -m venv "$venv"
"$venv/bin/pip" install -q "$dist"/*.whl
"$venv/bin/python" - <<'PY'
import importlib.metadata
import os
import sys

import koji.plugin

plugin_dir = os.path.join(sys.prefix, "share", "koji-fedoramessaging", "hub-plugins")
os.environ.setdefault("KOJI_FEDORAMESSAGING_CONF", "/nonexistent")
module = koji.plugin.PluginTracker(path=[plugin_dir]).load("koji-fedoramessaging")
callbacks = {cb for v in vars(module).values() for cb in getattr(v, "callbacks", ()) or ()}
assert "postCommit" in callbacks and "postTag" in callbacks, callbacks
print(f"plugin loaded from {plugin_dir}: {len(callbacks)} callbacks")
names = []
for ep in importlib.metadata.entry_points(group="fedora.messages"):
    if ep.name.startswith("koji_fedoramessaging."):
        cls = ep.load()
        assert cls.topic.startswith("buildsys."), ep
        names.append(ep.name)
assert len(names) == 11, names
print(f"{len(names)} schema classes import through their entry points")
for name in ("koji-fedoramessaging", "koji-fedoramessaging-messages"):
    print(name, importlib.metadata.version(name))
PY
"$venv/bin/koji-fedoramessaging" --help >/dev/null

if command -v rpmbuild >/dev/null 2>&1; then
    for spec in python3-koji-fedoramessaging.spec schemas/python3-koji-fedoramessaging-messages.spec; do
        rpmspec -P "$spec" >/dev/null
        rpmbuild -bs --define "_sourcedir $dist" --define "_srcrpmdir $dist" "$spec"
    done
    ls "$dist"/*.src.rpm
else
    echo "rpmbuild not found: source RPMs not built" >&2
    [ -z "${CI:-}" ] || exit 1
fi
echo "release check passed"

#!/usr/bin/env bash
# Runs the example playbook for real against localhost into a temporary root, with the local
# PostgreSQL and RabbitMQ: first run, second run (must report changed=0), --check --diff
# (must be clean), then ansible-lint. Steps that need systemd as PID 1 or SELinux are turned
# off by variables; everything else runs.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
work=$(mktemp -d /tmp/kfm-ansible.XXXXXX)
db="koji_fedoramessaging_ansible_$$"
export ANSIBLE_ROLES_PATH="$repo/ansible/roles"
export ANSIBLE_NOCOLOR=1 ANSIBLE_FORCE_COLOR=0 ANSIBLE_RETRY_FILES_ENABLED=0
cleanup() {
    psql -q -h 127.0.0.1 -U postgres -d postgres -c "DROP DATABASE IF EXISTS $db" || true
    rm -rf "$work"
}
trap cleanup EXIT

psql -q -h 127.0.0.1 -U postgres -d postgres -c "CREATE DATABASE $db"
mkdir -p "$work/root/etc/koji-hub" "$work/wheels"
printf '[hub]\nDBName = koji\nPlugins = protonmsg sidetag\nKojiDir = /mnt/koji\n' \
    > "$work/root/etc/koji-hub/hub.conf"
python -m pip wheel -q --no-deps --wheel-dir "$work/wheels" "$repo/schemas" "$repo"

cat > "$work/vars.yml" <<VARS
koji_fedoramessaging_root: $work/root
koji_fedoramessaging_virtualenv: $work/venv
koji_fedoramessaging_wheel_dir: $work/wheels
koji_fedoramessaging_db_dsn: "host=127.0.0.1 user=postgres dbname=$db"
koji_fedoramessaging_amqp_url: "amqp://guest:guest@127.0.0.1:5672/%2F"
koji_fedoramessaging_tls_ca_cert: ""
koji_fedoramessaging_tls_certfile: ""
koji_fedoramessaging_tls_keyfile: ""
koji_fedoramessaging_manage_systemd: false
koji_fedoramessaging_manage_selinux: false
koji_fedoramessaging_instance: s390
koji_fedoramessaging_settings:
  publish:
    budget: 0.5
VARS
printf 'localhost ansible_connection=local ansible_python_interpreter=%s\n[koji_hubs]\nlocalhost\n' \
    "$(command -v python)" > "$work/inventory"
playbook() {
    ansible-playbook -i "$work/inventory" "$repo/ansible/site.yml" -e "@$work/vars.yml" \
        -e ansible_become=false "$@"
}
recap() { grep -E '^localhost +:' "$1"; }

playbook | tee "$work/first.log"
echo "first run:  $(recap "$work/first.log")"
playbook | tee "$work/second.log"
echo "second run: $(recap "$work/second.log")"
recap "$work/second.log" | grep -q 'changed=0 .*failed=0' || { echo "second run changed something"; exit 1; }
playbook --check --diff | tee "$work/check.log"
recap "$work/check.log" | grep -q 'changed=0 .*failed=0' || { echo "--check --diff is not clean"; exit 1; }

# what the role did
plugins=$(grep '^Plugins' "$work/root/etc/koji-hub/hub.conf")
[ "$plugins" = "Plugins = protonmsg sidetag koji-fedoramessaging" ] || { echo "hub.conf: $plugins"; exit 1; }
test -f "$work/root/usr/lib/koji-hub-plugins/koji-fedoramessaging.py"
grep -q '^instance = s390' "$work/root/etc/koji-hub/plugins/koji-fedoramessaging.conf"
grep -q "ExecStart=$work/venv/bin/koji-fedoramessaging drain --follow" \
    "$work/root/etc/systemd/system/koji-fedoramessaging-drain.service"
if grep -q 'guest:guest' "$work/first.log" "$work/second.log" "$work/check.log"; then
    echo "the broker URL leaked into the output"; exit 1
fi
"$work/venv/bin/koji-fedoramessaging" --dsn "host=127.0.0.1 user=postgres dbname=$db" \
    --config "$work/root/etc/koji-hub/plugins/koji-fedoramessaging.conf" status

cd "$repo/ansible"
ansible-lint --offline site.yml roles/koji_fedoramessaging
echo "ansible role test passed"

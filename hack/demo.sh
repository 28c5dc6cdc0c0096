#!/usr/bin/env bash
# demo.sh: run one container that shows it is isolated. Called by `make demo`.
set -euo pipefail
cd "$(dirname "$0")/.."

if [[ $(id -u) -ne 0 ]]; then
	echo "demo: run as root (in a root shell, or sudo make demo): containers need namespaces and cgroups" >&2
	exit 1
fi
# With the engine: the built-in busybox image, made offline from the host's
# static busybox.
if [[ -x bin/berth ]] && bin/berth run --help >/dev/null 2>&1; then
	exec bin/berth run --rm --hostname berth-demo busybox sh -c \
		'echo "hello from $(hostname), pid $$"; ps; echo; ip addr 2>/dev/null || ifconfig -a'
fi
# Without it: an OCI bundle run straight by berth-runtime.
bundle=$(mktemp -d /tmp/berth-demo.XXXXXX)
trap 'rm -rf "$bundle"' EXIT
go run ./hack/mkbundle -runtime bin/berth-runtime "$bundle" sh -c \
	'echo "hello from $(hostname), pid $$"; ps; echo; ls /dev'
exec bin/berth-runtime run -b "$bundle" "demo-$$"

#!/usr/bin/env bash
# install-deps.sh: what berth's build and tests need on a fresh Debian host.
# Idempotent: apt is only asked for packages that are missing, so a machine
# that has them pays nothing.
set -euo pipefail

packages=(
	busybox-static                # the rootfs of test bundles and of the built-in image
	runc crun                     # reference runtimes for compatibility tests and benchmarks
	skopeo docker-registry        # peer image tool and a real registry for image tests
	containerd podman conmon      # clients of berth-runtime in test/clients (private daemons;
	docker.io                     #   docker.io's own service is not used and may stay stopped)
	buildah                       # bench/build: buildah bud beside berth build and docker build
	docker-compose                # test/api: compose 1.29 drives berth system service
	libseccomp-dev                # seccomp filters
	uidmap                        # newuidmap/newgidmap for rootless containers
	slirp4netns                   # the egress of rootless containers, and rootless podman's (rootless/network.go)
	iproute2 procps psmisc        # ip, ps and fuser used by tests and leak checks
	nftables util-linux           # nft for berth's network table; nsenter for network tests
	containernetworking-plugins   # podman's CNI in bench/network (berth's side side by side)
	qemu-system-x86 cpio          # make vm-test: the cgroup v2 tests in a pure-v2 VM (test/vm)
	criu iptables                 # checkpoint/restore (CRIU runs iptables-save); tested in the VM, see test/vm
	openssh-client                # ssh-agent for berth build --ssh (test/engine/storage)
	git                           # berth build: ADD of a git repository (builder/addgit.go)
	fuse-overlayfs fuse3          # the overlay fallback where the kernel refuses overlayfs (snapshot/fuse.go)
	time                          # GNU time: the peak RSS of each runtime in bench/runtime
)

missing=()
for p in "${packages[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if ((${#missing[@]})); then
	if [[ $(id -u) -ne 0 ]]; then
		echo "install-deps: need root to install: ${missing[*]}" >&2
		exit 1
	fi
	echo "install-deps: installing ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# Rootless networking (slirp4netns) opens /dev/net/tun as the user. udev makes it
# 0666 on a Debian host (its default rule); a host without udev, as this
# one, leaves the kernel's 0600.
if [[ -c /dev/net/tun && $(stat -c %a /dev/net/tun) != 666 && $(id -u) -eq 0 ]]; then
	chmod 0666 /dev/net/tun
fi

# Go modules, so the build and the tests need no network afterwards.
go mod download

# staticcheck, pinned, for `make lint`.
staticcheck_version=v0.8.2
gobin=$(go env GOPATH)/bin
if [[ ! -x $gobin/staticcheck ]] || ! "$gobin/staticcheck" -version 2>/dev/null | grep -q "${staticcheck_version#v}"; then
	go install "honnef.co/go/tools/cmd/staticcheck@$staticcheck_version"
fi

# errcheck, pinned, for `make lint` (staticcheck has no unchecked-error check).
errcheck_version=v1.9.0
# It has no -version: the binary's build info names its module version.
if ! go version -m "$gobin/errcheck" 2>/dev/null | grep -q "mod[[:space:]]*github.com/kisielk/errcheck[[:space:]]*$errcheck_version"; then
	go install "github.com/kisielk/errcheck@$errcheck_version"
fi

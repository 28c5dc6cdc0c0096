#!/bin/bash
# test/vm/run.sh: run berth-runtime's cgroup tests on a pure cgroup v2 host.
#
# A hybrid host (v1 controllers) cannot give a cgroup2 mount any controller,
# so the tests boot a VM: QEMU with software emulation (TCG; this host's
# /dev/kvm is PVM and boots no ordinary guest), Debian's own kernel package
# unpacked with dpkg -x into a cache (never installed), a busybox initramfs,
# the repository's static binaries shared over virtio-9p. The guest mounts
# cgroup2 alone (cgroup_no_v1=all), delegates every controller from the
# root, runs the test binary, and leaves its exit status in the share.
#
# Usage: test/vm/run.sh [go test -run regexp]   (default: the cgroup tests)
#        test/vm/run.sh --exec ./bench/pkg [args...]   (a static build of
#        that main package runs in the guest instead of the tests)
# Env:   BERTH_VM_CACHE (default .cache/vm), BERTH_VM_TIMEOUT seconds (900),
#        BERTH_VM_CGROUPS: v2 (default: cgroup2 alone) or hybrid (v1
#        controllers and an empty cgroup2 at /sys/fs/cgroup/unified, as
#        systemd mounts them on this project's hosts),
#        BERTH_VM_PKGS: the test packages whose binaries run in the guest,
#        one after the other (default ./test/runtime/ ./test/runtime/checkpoint/),
#        BERTH_VM_MEM MiB (1536), BERTH_VM_TOOLS: host programs the guest
#        needs (default: criu and what it runs, and runc, where installed),
#        copied with their shared libraries.
# Needs: qemu-system-x86 busybox-static cpio (apt), apt-get download access.
set -euo pipefail

repo=$(cd "$(dirname "$0")/../.." && pwd)
cache=${BERTH_VM_CACHE:-$repo/.cache/vm}
run=${1:-TestCgroup}
execpkg=
if [ "$run" = --exec ]; then
	execpkg=$2
	shift 2
fi
timeout=${BERTH_VM_TIMEOUT:-900}
pkgs=${BERTH_VM_PKGS:-./test/runtime/ ./test/runtime/checkpoint/}
cgroups=${BERTH_VM_CGROUPS:-v2}
case $cgroups in v2 | hybrid) ;; *) echo "vm-test: BERTH_VM_CGROUPS is v2 or hybrid, not $cgroups" >&2; exit 2 ;; esac
mem=${BERTH_VM_MEM:-1536}
busybox=/usr/bin/busybox

for tool in qemu-system-x86_64 cpio dpkg "$busybox"; do
	command -v "$tool" >/dev/null || { echo "vm-test: $tool is missing: apt-get install qemu-system-x86 busybox-static cpio" >&2; exit 2; }
done

# The kernel: whatever linux-image-amd64 points at, fetched once.
pkg=$(apt-cache depends linux-image-amd64 2>/dev/null | awk '/Depends: linux-image-[0-9]/ {print $2; exit}')
[ -n "$pkg" ] || { echo "vm-test: apt knows no linux-image-amd64: run apt-get update" >&2; exit 2; }
kver=${pkg#linux-image-}
kdir=$cache/$kver
if [ ! -f "$kdir/vmlinuz" ]; then
	mkdir -p "$kdir"
	(cd "$kdir" && apt-get download "$pkg" >/dev/null 2>&1) || { echo "vm-test: apt-get download $pkg failed" >&2; exit 2; }
	dpkg -x "$kdir"/"$pkg"_*.deb "$kdir/pkg"
	rm -f "$kdir"/"$pkg"_*.deb
	cp "$kdir/pkg/boot/vmlinuz-$kver" "$kdir/vmlinuz"
fi
moddir=$kdir/pkg/lib/modules/$kver
# The package leaves modules.dep to its postinst: make it for the tree.
[ -f "$moddir/modules.dep" ] || "$busybox" depmod -b "$kdir/pkg" "$kver"

work=$(mktemp -d /tmp/berth-vm.XXXXXX)
trap 'rm -rf "$work"' EXIT
share=$work/share
root=$work/initramfs
mkdir -p "$share" "$root"/{bin,sbin,usr/bin,usr/sbin,lib/modules,lib64,etc}

# Static binaries for a guest whose userland is busybox.
make -C "$repo" --no-print-directory build >/dev/null
cp "$repo/bin/berth-runtime" "$share/"
if [ -n "$execpkg" ]; then
	(cd "$repo" && CGO_ENABLED=0 go build -o "$share/exec.bin" "$execpkg")
else
	for pkg in $pkgs; do
		(cd "$repo" && CGO_ENABLED=0 go test -c -o "$share/$(basename "$pkg").test" "$pkg")
	done
fi

# Host programs with their shared libraries, at the same paths: CRIU is
# dynamic, runs ip and iptables to lock and dump a network namespace, and
# GNU tar (busybox's lacks its options) for the contents of a tmpfs.
# A program that picks its applet by name (xtables-nft-multi) keeps the
# name it is called by.
tools=${BERTH_VM_TOOLS-criu ip iptables-save iptables-restore ip6tables-save ip6tables-restore tar gzip runc}
for t in $tools; do
	p=$(command -v "$t") || continue
	mkdir -p "$root$(dirname "$p")"
	cp -L "$p" "$root$p"
	for lib in $(ldd "$p" 2>/dev/null | grep -o '/[^ ]*'); do
		[ -e "$root$lib" ] && continue
		mkdir -p "$root$(dirname "$lib")"
		cp -L "$lib" "$root$lib"
	done
done
# iptables loads its matches (criu's network lock uses "mark") as plugins.
xt=$(dirname "$(readlink -f "$(command -v iptables-restore 2>/dev/null || echo /nonexistent)")")/../lib/x86_64-linux-gnu/xtables
for d in /usr/lib/x86_64-linux-gnu/xtables "$xt"; do
	[ -d "$d" ] || continue
	mkdir -p "$root/usr/lib/x86_64-linux-gnu"
	cp -a "$(readlink -f "$d")" "$root/usr/lib/x86_64-linux-gnu/"
	break
done

# Modules, each after what it depends on (modules.dep lists the whole
# chain, the last to load first).
: >"$root/lib/modules/order"
# The diag, nf_tables, xt_mark and ctnetlink modules are for CRIU (criu
# check, its conntrack dump,
# its network lock of iptables rules).
for m in virtio_pci 9pnet_virtio 9p overlay veth tun unix_diag inet_diag tcp_diag udp_diag raw_diag netlink_diag af_packet_diag crc32c_generic nf_tables nft_compat xt_mark nf_conntrack_netlink; do
	line=$(grep -E "(^|/)$m\.ko(\.xz)?:" "$moddir/modules.dep") || continue # built in
	for f in $(echo "${line#*:}" | tr ' ' '\n' | tac) "${line%%:*}"; do
		name=$(basename "$f")
		grep -qx "$name" "$root/lib/modules/order" && continue
		cp "$moddir/$f" "$root/lib/modules/"
		echo "$name" >>"$root/lib/modules/order"
	done
done

cp "$busybox" "$root/bin/busybox"
ln "$root/bin/busybox" "$root/usr/bin/busybox" # the tests' rootfs is built from it
echo 'root:x:0:0:root:/root:/bin/sh' >"$root/etc/passwd"
echo 'root:x:0:' >"$root/etc/group"
cat >"$root/init" <<'INIT'
#!/bin/busybox sh
/bin/busybox --install -s /bin
export PATH=/usr/sbin:/usr/bin:/sbin:/bin
if [ ! -e /stage2 ]; then
	# pivot_root cannot leave the initramfs: copy it into a tmpfs first.
	mkdir -p /newroot
	mount -t tmpfs -o mode=755 tmpfs /newroot
	cp -a /bin /sbin /usr /lib /lib64 /etc /init /newroot/ 2>/dev/null
	touch /newroot/stage2
	exec switch_root /newroot /init
fi
mkdir -p /proc /sys /dev /tmp /run /share /root
chmod 1777 /tmp
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mkdir -p /dev/pts
mount -t devpts -o ptmxmode=0666 devpts /dev/pts
[ -e /dev/ptmx ] || ln -s pts/ptmx /dev/ptmx
# busybox's depmod does not promise load order: retry until all are in.
left=$(cat /lib/modules/order)
for pass in 1 2 3 4 5 6; do
	next=
	for m in $left; do insmod /lib/modules/$m 2>/dev/null || next="$next $m"; done
	left=$next
	[ -z "$left" ] && break
done
[ -z "$left" ] || echo "guest: could not load$left"
ip link set lo up
mount -t 9p -o trans=virtio,version=9p2000.L,msize=262144 share /share
# Each exec of a binary on the 9p share pages it in over 9p again, which
# under TCG costs seconds for berth-runtime (runc and criu live in this
# tmpfs): run it from a copy here, bound over the shared path.
cp /share/berth-runtime /bin/berth-runtime.vm && mount --bind /bin/berth-runtime.vm /share/berth-runtime
if [ "$(cat /share/cgroup-mode)" = hybrid ]; then
	# systemd's hybrid layout, as on this project's hosts: each v1
	# controller on its own hierarchy, cgroup2 (no controllers) beside them.
	mount -t tmpfs -o mode=755 cgroup /sys/fs/cgroup
	for c in $(awk 'NR > 1 && $4 == 1 {print $1}' /proc/cgroups); do
		mkdir /sys/fs/cgroup/$c && mount -t cgroup -o $c cgroup /sys/fs/cgroup/$c
	done
	mkdir /sys/fs/cgroup/unified && mount -t cgroup2 cgroup2 /sys/fs/cgroup/unified
	echo "guest: kernel $(uname -r), hybrid cgroups, v1: $(ls /sys/fs/cgroup | tr '\n' ' ')"
else
	mount -t cgroup2 cgroup2 /sys/fs/cgroup
	for c in $(cat /sys/fs/cgroup/cgroup.controllers); do echo "+$c" >/sys/fs/cgroup/cgroup.subtree_control; done
	echo "guest: kernel $(uname -r), cgroup2 controllers: $(cat /sys/fs/cgroup/cgroup.subtree_control)"
fi
cd /share
sh /share/cmd
echo $? >/share/exit
sync
poweroff -f
INIT
chmod 755 "$root/init"
(cd "$root" && find . | cpio -o -H newc --quiet) >"$work/initrd"

if [ -n "$execpkg" ]; then
	printf '%q ' ./exec.bin "$@" >"$share/cmd"
	echo '2>&1' >>"$share/cmd"
else
	# Each package's binary in turn; the exit status is the first failure's.
	echo 'rc=0' >"$share/cmd"
	for pkg in $pkgs; do
		cat >>"$share/cmd" <<CMD
echo "guest: $pkg"
BERTH_TEST_RUNTIME=/share/berth-runtime ./$(basename "$pkg").test -test.run '$run' -test.v -test.count=1 -test.timeout $((timeout - 60))s 2>&1 || { r=\$?; [ \$rc -ne 0 ] || rc=\$r; }
CMD
	done
	echo 'exit $rc' >>"$share/cmd"
fi

echo "$cgroups" >"$share/cgroup-mode"
cgroup_args="cgroup_no_v1=all systemd.unified_cgroup_hierarchy=1"
[ "$cgroups" = hybrid ] && cgroup_args=
bios=()
[ -f /usr/share/qemu/qboot.rom ] && bios=(-M q35 -bios /usr/share/qemu/qboot.rom)
start=$(date +%s)
timeout "$timeout" qemu-system-x86_64 "${bios[@]}" -accel tcg -cpu max -smp 1 -m "$mem" \
	-nographic -no-reboot \
	-kernel "$kdir/vmlinuz" -initrd "$work/initrd" \
	-append "console=ttyS0 $cgroup_args mitigations=off quiet panic=-1 rdinit=/init" \
	-virtfs "local,path=$share,mount_tag=share,security_model=none,id=share" </dev/null || true
echo "vm-test: VM ran $(($(date +%s) - start)) s"
if [ ! -f "$share/exit" ]; then
	echo "vm-test: the guest left no exit status (crashed or timed out after ${timeout}s)" >&2
	exit 1
fi
exit "$(cat "$share/exit")"

// Package mountopt parses an OCI spec mount's option list ("ro", "rbind",
// "rprivate", "rnosuid", "mode=755", ...) into what the kernel takes:
// mount(2) flags, propagation changes, a recursive mount_setattr and the
// filesystem's data string, with runc's table of fstab words. It is pure:
// nothing here touches a mount, so runtime/rootfs and `features` share it.
package mountopt

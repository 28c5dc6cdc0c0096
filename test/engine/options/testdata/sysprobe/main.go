// Command sysprobe makes one system call and prints its result, "ok" or
// the errno's name: the container side of the seccomp tests, for calls
// busybox has no applet to make.
//
//	sysprobe personality VALUE   personality(VALUE)
//	sysprobe keyctl              keyctl(KEYCTL_GET_KEYRING_ID, session, create)
//	sysprobe clone3              clone3(NULL, 0): EINVAL where allowed
package main

import (
	"fmt"
	"os"
	"strconv"

	"golang.org/x/sys/unix"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: sysprobe personality VALUE | keyctl | clone3")
		os.Exit(2)
	}
	var errno unix.Errno
	switch os.Args[1] {
	case "personality":
		v, err := strconv.ParseUint(os.Args[2], 0, 32)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(2)
		}
		_, _, errno = unix.Syscall(unix.SYS_PERSONALITY, uintptr(v), 0, 0)
	case "keyctl":
		session := int32(unix.KEY_SPEC_SESSION_KEYRING)
		_, _, errno = unix.Syscall(unix.SYS_KEYCTL, unix.KEYCTL_GET_KEYRING_ID, uintptr(uint32(session)), 1)
	case "clone3":
		_, _, errno = unix.Syscall(unix.SYS_CLONE3, 0, 0, 0)
	default:
		fmt.Fprintln(os.Stderr, "sysprobe: unknown call", os.Args[1])
		os.Exit(2)
	}
	if errno != 0 {
		fmt.Println(unix.ErrnoName(errno))
		return
	}
	fmt.Println("ok")
}

// Package join links a constructor into berth that, when EnvJoin names a
// pause process, enters that process's user and mount namespaces before
// the Go runtime starts (see join.c for why this must be C). Importing it
// is all it takes; package rootless sets the variable and re-executes.
package join

// #cgo CFLAGS: -Wall -Wextra -O2
import "C"

// EnvJoin names the variable join.c reads: the pid of the pause process
// whose namespaces to enter. The constructor unsets it.
const EnvJoin = "_BERTH_USERNS_JOIN"

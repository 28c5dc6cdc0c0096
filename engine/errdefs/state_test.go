package errdefs

import "testing"

func TestStateErrorDocker(t *testing.T) {
	for _, tc := range []struct {
		err           *StateError
		error, docker string
	}{
		{NewStateError("", "container abc is not running"), "container abc is not running", "Container abc is not running"},
		{NewStateError("cannot kill container: c1", "container abc is not running"),
			"cannot kill container: c1: container abc is not running", "Cannot kill container: c1: Container abc is not running"},
		{&StateError{Msg: "you cannot attach to a stopped container, start it first", Bare: true},
			"you cannot attach to a stopped container, start it first", "You cannot attach to a stopped container, start it first"},
		{NewStateError("", ""), "", ""},
	} {
		if got := tc.err.Error(); got != tc.error {
			t.Errorf("Error() = %q, want %q", got, tc.error)
		}
		if got := tc.err.Docker(); got != tc.docker {
			t.Errorf("Docker() = %q, want %q", got, tc.docker)
		}
	}
}

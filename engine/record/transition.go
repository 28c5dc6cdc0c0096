package record

import (
	"errors"
	"fmt"
	"slices"
)

// transitions are the status changes a container's record may make, from
// the status it really has (see SetStatus): every write of a status goes
// through SetStatus, which refuses any other.
//
//	(new)      → created                      create
//	created    → running                      start
//	created    → exited                       a start that failed
//	running    → paused → running             pause, unpause
//	running    → restarting → running         an exit the policy restarts
//	running    → exited                       an exit that stays
//	paused     → restarting, exited           killed while frozen
//	restarting → exited                       stopped in the wait, or its start failed
//	exited     → running                      start again
//	exited     → exited                       a start again that failed; boot's repair
var transitions = map[string][]string{
	"":               {StatusCreated},
	StatusCreated:    {StatusRunning, StatusExited},
	StatusRunning:    {StatusPaused, StatusRestarting, StatusExited},
	StatusPaused:     {StatusRunning, StatusRestarting, StatusExited},
	StatusRestarting: {StatusRunning, StatusExited},
	StatusExited:     {StatusRunning, StatusExited},
}

// ErrTransition is a status change the table does not allow.
var ErrTransition = errors.New("status change not allowed")

// CanTransition says whether the table allows from → to.
func CanTransition(from, to string) bool { return slices.Contains(transitions[from], to) }

// SetStatus moves the record to status to. The change is judged from the
// status the container really has, as Refresh sees it: a record left
// "running" by a killed monitor is exited, and may start again.
func (c *Container) SetStatus(to string) error {
	cur := *c
	cur.Refresh()
	from := cur.State.Status
	if !CanTransition(from, to) {
		return fmt.Errorf("container %s: %s → %s: %w", c.ID, from, to, ErrTransition)
	}
	c.State.Status = to
	return nil
}

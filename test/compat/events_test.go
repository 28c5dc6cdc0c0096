package compat_test

// eventScenarios read back the events of a scripted lifecycle between the
// scenario's start ({since}) and now ({until}).
func eventScenarios() []scenario {
	events := func(a ...string) step {
		return cmd(append([]string{"events", "--since", "{since}", "--until", "{until}"}, a...)...)
	}
	lifecycle := [][]string{
		{"create", "--name", "c1", "--label", "tier=web", img, "sh", "-c", `trap "exit 0" TERM; while :; do sleep 0.1; done`},
		{"start", "c1"},
		{"pause", "c1"},
		{"unpause", "c1"},
		{"kill", "-s", "USR1", "c1"},
	}
	fields := "{{.Status}} {{.Type}} {{.Action}} {{.Actor.Attributes.name}} {{.Actor.Attributes.exitCode}} {{.Actor.Attributes.signal}} {{.Actor.Attributes.tier}} {{.From}} {{.Scope}}"
	return []scenario{
		{name: "events/lifecycle", setup: lifecycle, steps: []step{
			later("stop", "c1"), cmd("rename", "c1", "c2"), cmd("rm", "c2"),
			events("--filter", "type=container", "--format", fields),
			events("--filter", "event=die", "--format", "{{json .}}"),
			events("--filter", "event=rename", "--format", "{{.Actor.Attributes.name}} {{.Actor.Attributes.oldName}}"),
			events("--filter", "container=c1", "--filter", "event=pause", "--filter", "event=unpause", "--format", "{{.Action}}"),
			events("--filter", "label=tier=web", "--filter", "event=create", "--format", "{{.Action}} {{.Actor.Attributes.image}}"),
		}},
		{name: "events/exec", setup: [][]string{sleeper}, steps: []step{
			cmd("exec", "c1", "sh", "-c", "exit 4"),
			events("--filter", "type=container", "--format", "{{.Action}} {{.Actor.Attributes.exitCode}}"),
		}},
		{name: "events/rm-force", setup: [][]string{sleeper}, steps: []step{
			cmd("rm", "-f", "c1"),
			events("--filter", "type=container", "--format", "{{.Action}} {{.Actor.Attributes.signal}} {{.Actor.Attributes.exitCode}}"),
		}},
		{name: "events/run-attached", steps: []step{
			cmd("run", "--name", "c1", img, "sh", "-c", "exit 5"), cmd("rm", "c1"),
			events("--filter", "type=container", "--format", "{{.Action}} {{.Actor.Attributes.exitCode}}"),
		}},
		{name: "events/start-attach", steps: []step{
			cmd("create", "--name", "c1", img, "echo", "hi"), cmd("start", "-a", "c1"), cmd("rm", "c1"),
			events("--filter", "type=container", "--format", "{{.Action}} {{.Actor.Attributes.exitCode}}"),
		}},
		{name: "events/bad-input", steps: []step{
			events("--filter", "bogus=1"),
			cmd("events", "--filter", "noequals"),
			cmd("events", "--since", "yesterday"),
		}},
	}
}

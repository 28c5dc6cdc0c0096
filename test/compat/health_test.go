package compat_test

import "time"

// healthScenarios compare healthchecks: inspect's State.Health, ps's
// STATUS and health filter, and the daemon's refusal of too short a
// duration.
func healthScenarios() []scenario {
	health := cmd("inspect", "-f", "{{.State.Health.Status}} {{.State.Health.FailingStreak}}", "c1")
	// The streak grows with the probes done, which timing decides.
	settled := step{args: []string{"inspect", "-f", "{{.State.Health.Status}}", "c1"}, pause: 2 * time.Second}
	ps := cmd("ps", "--format", "{{.Names}} {{.Status}}")
	run := func(flags ...string) [][]string {
		return [][]string{append(append([]string{"run", "-d", "--name", "c1"}, flags...), img, "sleep", "1000")}
	}
	return []scenario{
		{name: "health/starting", setup: run("--health-cmd", "true", "--health-interval", "1h"), steps: []step{health, ps}},
		{name: "health/healthy", setup: run("--health-cmd", "true", "--health-interval", "200ms"), steps: []step{
			settled, ps, cmd("ps", "--format", "{{.Names}}", "--filter", "health=healthy")}},
		{name: "health/unhealthy", setup: run("--health-cmd", "exit 1", "--health-interval", "200ms", "--health-retries", "2"), steps: []step{
			settled, ps, cmd("ps", "--format", "{{.Names}}", "--filter", "health=unhealthy")}},
		{name: "health/stopped", setup: run("--health-cmd", "true", "--health-interval", "200ms"), steps: []step{
			settled, cmd("kill", "c1"), cmd("wait", "c1"), cmd("inspect", "-f", "{{.State.Health.Status}}", "c1"), cmd("ps", "-a", "--format", "{{.Names}} {{.Status}}")}},
		{name: "health/paused", setup: run("--health-cmd", "true", "--health-interval", "200ms"), steps: []step{
			// Past 3 intervals paused, Docker's probes (execs) have failed.
			settled, cmd("pause", "c1"), settled, ps, cmd("unpause", "c1"), settled}},
		{name: "health/none", setup: run("--no-healthcheck"), steps: []step{
			cmd("inspect", "-f", "{{json .State.Health}}", "c1"), ps}},
		{name: "health/short-interval", steps: []step{
			cmd("create", "--health-interval", "500us", img, "true"), cmd("run", "--health-timeout", "10ns", img, "true")}},
		{name: "health/no-healthcheck-conflict", steps: []step{cmd("create", "--no-healthcheck", "--health-cmd", "true", img, "true")}},
	}
}

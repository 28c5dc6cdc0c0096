package main

import (
	"fmt"
	"time"

	"github.com/berth-containers/berth/bench/internal/daemons"
)

func ms(d time.Duration) string { return fmt.Sprintf("%.1f ms", d.Seconds()*1000) }

// report prints each part's table and berth's ratios to the others.
func report(cfg config, servers []*daemons.Daemon, runs, ps times, act activation, idleKB int) {
	table := func(title string, t times, n int) {
		fmt.Printf("\n%s (%d each, interleaved):\n", title, n)
		fmt.Printf("  %-8s %10s %10s\n", "server", "median", "p90")
		for _, s := range servers {
			fmt.Printf("  %-8s %10s %10s\n", s.Name, ms(t.median(s.Name)), ms(t.p90(s.Name)))
		}
	}
	// ratio prints berth's median over other's, against target (0: none).
	ratio := func(t times, other string, target float64) {
		if len(t[other]) == 0 {
			return
		}
		r := t.median("berth").Seconds() / t.median(other).Seconds()
		if target == 0 {
			fmt.Printf("  berth/%s %.2fx\n", other, r)
			return
		}
		fmt.Printf("  berth/%s %.2fx (target <= %.1f)%s\n", other, r, target, verdict(r <= target))
	}
	table("docker run --rm --network none busybox true", runs, cfg.runs)
	ratio(runs, "dockerd", 0.5)
	ratio(runs, "podman", 0.5)
	table(fmt.Sprintf("docker ps -a, %d containers", cfg.containers), ps, cfg.psRuns)
	fmt.Printf("  %-8s %10s %10s  (the CLI alone: berth's answer served at once)\n", "floor", ms(ps.median("CLI floor")), ms(ps.p90("CLI floor")))
	ratio(ps, "dockerd", 0.5)
	ratio(ps, "podman", 0)
	if f, d := ps.median("CLI floor"), ps.median("dockerd"); f > 0 && d > 0 {
		b := ps.median("berth")
		fmt.Printf("  beyond the CLI's own time: berth %s, dockerd %s (%.2fx); the least berth/dockerd any server reaches here is %.2fx\n",
			ms(b-f), ms(d-f), (b-f).Seconds()/(d-f).Seconds(), f.Seconds()/d.Seconds())
	}
	fmt.Printf("\nberth system service:\n")
	fmt.Printf("  idle RSS (%v after its last request): %.1f MiB (target < 15)%s\n",
		trimAfter+2*time.Second, float64(idleKB)/1024, verdict(idleKB < 15<<10))
	first := times{"act": act.first}
	fmt.Printf("  socket activation, connect to /_ping answered (%d starts): median %s, p90 %s (target < 50 ms)%s\n",
		len(act.first), ms(first.median("act")), ms(first.p90("act")), verdict(first.median("act") < 50*time.Millisecond))
	if len(act.rssKB) > 0 {
		fmt.Printf("  RSS just after that first answer: %.1f MiB\n", float64(act.rssKB[len(act.rssKB)/2])/1024)
	}
	fmt.Printf("  load average after: %s\n", loadavg())
}

func verdict(ok bool) string {
	if ok {
		return ""
	}
	return "  MISSED"
}

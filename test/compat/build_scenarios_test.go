package compat_test

// buildScenarios build small Dockerfiles on both engines (Docker 20.10's
// classic builder) and compare the image config that results: what a
// container of the image starts with.
func buildScenarios() []scenario {
	config := `{{json .Config.Cmd}} {{json .Config.Entrypoint}} {{json .Config.Env}} {{.Config.WorkingDir}} {{.Config.User}} {{json .Config.Labels}} {{json .Config.ExposedPorts}} {{json .Config.Volumes}} {{.Config.StopSignal}}`
	return []scenario{
		{name: "build/cmd-forms",
			files: map[string]string{
				"dockerfile_shell": "FROM busybox\nCMD httpd -f -p 8080\n",
				"dockerfile_exec":  "FROM busybox\nCMD [\"httpd\", \"-f\", \"-p\", \"8080\"]\n",
			},
			setup: [][]string{
				{"build", "-q", "-t", "cmpb:shell", "-f", "dockerfile_shell", "."},
				{"build", "-q", "-t", "cmpb:exec", "-f", "dockerfile_exec", "."},
			},
			steps: []step{cmd("image", "inspect", "-f", config, "cmpb:shell"), cmd("image", "inspect", "-f", config, "cmpb:exec")}},
		{name: "build/config",
			files: map[string]string{"Dockerfile": `FROM busybox
ARG V=default
ENV A=1 B="two words"
ENV A=$V PATH=/opt/bin:$PATH
WORKDIR /srv
WORKDIR app
USER 1000:1000
LABEL one=1 "two words"=2
EXPOSE 80 53/udp
VOLUME /data
STOPSIGNAL SIGUSR1
ENTRYPOINT top -b
`},
			setup: [][]string{{"build", "-q", "-t", "cmpb:config", "--build-arg", "V=given", "--label", "from=flag", "."}},
			steps: []step{cmd("image", "inspect", "-f", config, "cmpb:config")}},
		{name: "build/entrypoint-keeps-cmd",
			files: map[string]string{"Dockerfile": "FROM busybox AS first\nCMD [\"-b\"]\nENTRYPOINT [\"top\"]\nFROM busybox\nCOPY --from=0 /bin/busybox /bb\nENTRYPOINT [\"/bb\"]\n"},
			setup: [][]string{{"build", "-q", "-t", "cmpb:ep", "--target", "first", "."}, {"build", "-q", "-t", "cmpb:ep2", "."}},
			steps: []step{cmd("image", "inspect", "-f", config, "cmpb:ep"), cmd("image", "inspect", "-f", config, "cmpb:ep2")}},
		{name: "build/run",
			files: map[string]string{"Dockerfile": "FROM busybox\nARG X=x\nRUN echo $X > /x && mkdir /made\nCMD [\"cat\", \"/x\"]\n"},
			setup: [][]string{{"build", "-q", "-t", "cmpb:run", "."}},
			steps: []step{cmd("run", "--rm", "cmpb:run"), cmd("image", "inspect", "-f", config, "cmpb:run")}},
		// The file tree a build makes: paths, modes, owners, sizes, kinds
		// and symlink targets, from COPY (--chown, a directory's contents,
		// a wildcard), WORKDIR and RUN; then the healthcheck.
		{name: "build/tree",
			files: map[string]string{
				"a.txt": "alpha\n", "b.txt": "bravo bravo\n", "dir/sub/c": "charlie\n", "dir/d": "delta\n",
				"Dockerfile": `FROM busybox
COPY --chown=1000:1001 a.txt /srv/a
COPY dir /srv/dir/
COPY *.txt /srv/all/
WORKDIR /srv/work
RUN ln -s /srv/a /srv/link && chmod 0640 /srv/a && mkdir -m 0700 /srv/private && touch /srv/dir/gone && rm /srv/dir/gone
HEALTHCHECK --interval=5s --timeout=2s --retries=2 CMD true
`},
			setup: [][]string{{"build", "-q", "-t", "cmpb:tree", "."}},
			steps: []step{
				cmd("run", "--rm", "cmpb:tree", "sh", "-c", `cd /srv && find . | sort | while read f; do stat -c "%n %a %u %g %s %F" "$f"; done; readlink link`),
				cmd("image", "inspect", "-f", "{{json .Config.Healthcheck}}", "cmpb:tree"),
			}},
		{name: "build/history",
			files: map[string]string{"a.txt": "alpha\n", "Dockerfile": "FROM busybox\nCOPY a.txt /a\nWORKDIR /w\nRUN touch /w/x\nCMD [\"cat\", \"/a\"]\n"},
			setup: [][]string{{"build", "-q", "-t", "cmpb:hist", "."}},
			steps: []step{cmd("history", "--no-trunc", "--format", "{{.CreatedBy}} {{.Size}}", "cmpb:hist")}},
	}
}

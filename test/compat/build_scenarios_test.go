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
	}
}

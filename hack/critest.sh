#!/usr/bin/env bash
# critest.sh: Kubernetes' CRI validation suite (critest of cri-tools,
# pinned) through a private containerd 1.6 whose CRI plugin runs the
# runtime under test as its runc handler: test/clients' TestCritest, which
# builds only with -tags critest (3-4 minutes idle, more on a loaded host,
# too long for make test).
#
#   hack/critest.sh                        # bin/berth-runtime
#   RUNTIME=$(which runc) hack/critest.sh  # the control
#   BERTH_CRITEST_FOCUS='attach|NamespaceOption' hack/critest.sh
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH=$PATH:/usr/local/go/bin
gobin=$(go env GOPATH)/bin

# critest is a Go test binary, not a command: `go test -c` in the module as
# the module proxy serves it. A stamp file names the version built.
critest_version=v1.37.0
if [[ ! -x $gobin/critest || $(cat "$gobin/critest.version" 2>/dev/null) != "$critest_version" ]]; then
	dir=$(go mod download -json "sigs.k8s.io/cri-tools@$critest_version" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
	(cd "$dir" && GOFLAGS=-mod=mod go test -c -vet=off -o "$gobin/critest" ./cmd/critest)
	echo "$critest_version" >"$gobin/critest.version"
fi

if [[ -z ${RUNTIME:-} ]]; then
	make build
	RUNTIME=$PWD/bin/berth-runtime
fi
BERTH_CRITEST=$gobin/critest BERTH_TEST_RUNTIME=$RUNTIME \
	go test -tags critest -count=1 -timeout 45m -run '^TestCritest$' -v ./test/clients/

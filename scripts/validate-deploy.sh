#!/usr/bin/env bash
# Runs the validators people run on gongsync's deployment files, installing
# the missing ones first (Go tools through the Go module proxy, the OpenAPI
# linters through npx). Not part of .ci/run: CI must not depend on npm. The
# Go checks of the same files (deploy/deploy_test.go) run in `go test ./...`.
#
#   scripts/validate-deploy.sh            # every step; exit 1 if one fails
#   SKIP_NPM=1 scripts/validate-deploy.sh # without Redocly and Spectral
#
# Tools go to $(go env GOPATH)/bin unless GOBIN is set. Versions are pinned to
# ones that build with this repository's Go (1.26); change them here.
set -uo pipefail
cd "$(dirname "$0")/.."

KUSTOMIZE_VERSION=v5.8.2     # v5.8.3 needs Go 1.27
KUBE_SCORE_VERSION=v1.20.0
PROMETHEUS_VERSION=v0.316.0  # promtool
GOVULNCHECK_VERSION=v1.9.0
STATICCHECK_VERSION=v0.8.2
COMPOSE_VERSION=v5.6.0       # docker compose plugin, built from source if missing
REDOCLY_VERSION=2.77.0
SPECTRAL_VERSION=6.16.3

gobin="${GOBIN:-$(go env GOPATH)/bin}"
export PATH="$gobin:$PATH"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

results=()
failed=0
step() { # step NAME COMMAND...: run, remember PASS or FAIL
	local name="$1"
	shift
	echo
	echo "=== $name"
	if "$@"; then
		results+=("PASS  $name")
	else
		results+=("FAIL  $name")
		failed=1
	fi
}
skip() { results+=("SKIP  $1 ($2)"); echo; echo "=== $1: skipped, $2"; }

install_go_tool() { # install_go_tool BINARY PACKAGE@VERSION
	command -v "$1" >/dev/null && return 0
	echo "installing $2"
	# Tools are their own modules: install them outside this one.
	(cd "$work" && GOFLAGS= GOBIN="$gobin" go install "$2")
}

install_go_tool kustomize "sigs.k8s.io/kustomize/kustomize/v5@$KUSTOMIZE_VERSION"
install_go_tool kube-score "github.com/zegl/kube-score/cmd/kube-score@$KUBE_SCORE_VERSION"
install_go_tool promtool "github.com/prometheus/prometheus/cmd/promtool@$PROMETHEUS_VERSION"
install_go_tool govulncheck "golang.org/x/vuln/cmd/govulncheck@$GOVULNCHECK_VERSION"
install_go_tool staticcheck "honnef.co/go/tools/cmd/staticcheck@$STATICCHECK_VERSION"

# docker compose: the docker client runs `compose config` without an engine,
# but needs the compose plugin. Debian's docker-compose package is v1 (no
# `docker compose`), so build the plugin from its Go module when it is missing
# (several minutes on 2 cores).
install_compose_plugin() {
	docker compose version >/dev/null 2>&1 && return 0
	echo "building the docker compose plugin $COMPOSE_VERSION"
	local src
	src="$(cd "$work" && GOFLAGS= go mod download -json "github.com/docker/compose/v5@$COMPOSE_VERSION" | sed -n 's/^\t"Dir": "\(.*\)",$/\1/p')" || return 1
	cp -r "$src" "$work/compose" && chmod -R u+w "$work/compose" || return 1
	mkdir -p "$HOME/.docker/cli-plugins"
	(cd "$work/compose" && CGO_ENABLED=0 GOFLAGS= go build -trimpath \
		-ldflags "-X github.com/docker/compose/v5/internal.Version=$COMPOSE_VERSION" \
		-o "$HOME/.docker/cli-plugins/docker-compose" ./cmd)
}

# --- Go: the manifest test, the routes the probes and OpenAPI rely on, the healthcheck subcommand.
step "go test (deploy files)" go test -count=1 ./deploy/
step "go test (OpenAPI vs router)" go test -count=1 -run TestOpenAPIMatchesRouter ./internal/server
step "go test (gongsync healthcheck)" go test -count=1 -run 'TestHealthcheck|TestReadyzURL' ./cmd/gongsync

# --- Kubernetes: render each overlay, then kube-score it. The optional checks
# that make sense here are on; container-cpu-requests-equal-limits (and
# container-resource-requests-equal-limits, which includes it) are left off on
# purpose: a small CPU request with room to burst (see base/deployment.yaml).
# Checks ignored per object carry a kube-score/ignore annotation with the reason.
kube_score() {
	local overlay="$1"
	kustomize build "deploy/kubernetes/$overlay" >"$work/$overlay.yaml" || return 1
	kube-score score \
		--enable-optional-test container-seccomp-profile \
		--enable-optional-test container-ports-check \
		--enable-optional-test container-memory-requests-equal-limits \
		--enable-optional-test container-ephemeral-storage-request-equals-limit \
		"$work/$overlay.yaml"
}
step "kustomize build + kube-score: sqlite" kube_score sqlite
step "kustomize build + kube-score: postgres" kube_score postgres

# --- compose: interpolation and schema, with stand-in secrets.
compose_config() {
	POSTGRES_PASSWORD=stand-in WEBHOOK_KEY=stand-in-webhook-key-of-32-characters \
		GONG_ACCESS_KEY=stand-in GONG_ACCESS_KEY_SECRET=stand-in PLANHAT_API_TOKEN=stand-in \
		docker compose -f deploy/compose.yaml config --quiet
}
if ! command -v docker >/dev/null; then
	skip "docker compose config" "no docker client"
elif install_compose_plugin; then
	step "docker compose config" compose_config
else
	step "docker compose config (plugin build)" false
fi

# --- Prometheus alert rules.
step "promtool check rules" promtool check rules deploy/prometheus/alerts.yaml

# --- OpenAPI. Redocly's info-license rule is skipped: the project has not
# chosen a license yet, and the document should not claim one.
if [[ "${SKIP_NPM:-}" == 1 ]]; then
	skip "redocly lint" "SKIP_NPM=1"
	skip "spectral lint" "SKIP_NPM=1"
else
	# redocly.yaml and .spectral.yaml say which rules are off, and why.
	step "redocly lint" npx --yes "@redocly/cli@$REDOCLY_VERSION" lint api/openapi.yaml
	step "spectral lint (spectral:oas)" npx --yes "@stoplight/spectral-cli@$SPECTRAL_VERSION" lint --ruleset .spectral.yaml --fail-severity warn api/openapi.yaml
fi

# --- Go code. govulncheck runs on the Go that go.mod's toolchain line names
# (GOTOOLCHAIN=auto fetches it from the module proxy), which is what a build
# with Go's defaults uses. Without access to vuln.go.dev it builds the
# database from the golang.org/x/vulndb module instead.
vulncheck() {
	local out="$work/govulncheck.txt"
	echo "Go: $(GOTOOLCHAIN=auto go version)"
	GOTOOLCHAIN=auto govulncheck ./... >"$out" 2>&1
	local rc=$?
	if grep -q 'fetching vulnerabilities' "$out"; then
		echo "vuln.go.dev unreachable: building the database from golang.org/x/vulndb@latest"
		local dir
		dir="$(cd "$work" && GOFLAGS= go mod download -json golang.org/x/vulndb@latest | sed -n 's/^\t"Dir": "\(.*\)",$/\1/p')" || return 1
		(cd "$work" && GOFLAGS=-mod=mod GOBIN="$work/bin" go install golang.org/x/vulndb/cmd/indexdb@latest) || return 1
		"$work/bin/indexdb" -vulns "$dir/data/osv" -out "$work/vulndb" || return 1
		GOTOOLCHAIN=auto govulncheck -db "file://$work/vulndb" ./... >"$out" 2>&1
		rc=$?
	fi
	cat "$out"
	return $rc
}
step "govulncheck" vulncheck
step "staticcheck" staticcheck ./...

echo
echo "=== summary"
printf '%s\n' "${results[@]}"
exit $failed

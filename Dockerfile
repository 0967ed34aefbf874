# syntax=docker/dockerfile:1
# Build: a static, CGO-free binary (SQLite is pure Go). The builder's Go is the
# toolchain line of go.mod (a patch release without the standard-library
# vulnerabilities govulncheck reports); deploy/deploy_test.go keeps the two in
# step. The image sets GOTOOLCHAIN=local, so this tag is the Go that builds.
FROM --platform=$BUILDPLATFORM golang:1.26.11-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
ARG TARGETOS=linux
ARG TARGETARCH
RUN CGO_ENABLED=0 GOOS=$TARGETOS GOARCH=$TARGETARCH \
    go build -trimpath -ldflags "-s -w -X main.version=${VERSION}" -o /out/gongsync ./cmd/gongsync \
 && mkdir -p /out/data

# Run: distroless static (no shell, no package manager), as its non-root user
# "nonroot", written as the numeric 65532 so that Kubernetes' runAsNonRoot can
# verify it. For reproducible deployments pin this by digest as well.
FROM gcr.io/distroless/static-debian12:nonroot
WORKDIR /app
COPY --from=build /out/gongsync /app/gongsync
COPY --from=build --chown=65532:65532 /out/data /app/data
USER 65532:65532
ENV LISTEN_ADDR=:8080 \
    DATABASE_URL=sqlite:/app/data/gongsync.db
EXPOSE 8080
VOLUME ["/app/data"]
# No shell or curl here: the binary asks its own /readyz (exit 0 on 200, 1
# otherwise). Kubernetes ignores HEALTHCHECK and uses the manifests' probes.
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD ["/app/gongsync", "healthcheck"]
ENTRYPOINT ["/app/gongsync"]
CMD ["serve"]

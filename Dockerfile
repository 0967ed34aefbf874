# syntax=docker/dockerfile:1
# Build: a static, CGO-free binary (SQLite is pure Go).
FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
RUN CGO_ENABLED=0 GOOS=linux go build -trimpath -ldflags "-s -w -X main.version=${VERSION}" -o /out/gongsync ./cmd/gongsync \
 && mkdir -p /out/data

# Run: distroless static, as the non-root user 65532.
FROM gcr.io/distroless/static-debian12:nonroot
WORKDIR /app
COPY --from=build /out/gongsync /app/gongsync
COPY --from=build --chown=65532:65532 /out/data /app/data
USER 65532:65532
ENV LISTEN_ADDR=:8080 \
    DATABASE_URL=sqlite:/app/data/gongsync.db
EXPOSE 8080
VOLUME ["/app/data"]
ENTRYPOINT ["/app/gongsync"]
CMD ["serve"]

package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/gongsync/gongsync/internal/config"
)

// healthcheckTimeout bounds the whole request. /readyz gives the database 2 s,
// so 3 s leaves it room and still fits Docker's and compose's 5 s timeout.
const healthcheckTimeout = 3 * time.Second

// healthcheck asks the local process whether it is ready, for container
// runtimes whose image has no shell or curl (distroless): exit 0 on 200 from
// /readyz, 1 otherwise. It uses readiness, not liveness, because what reads
// it (compose's depends_on: service_healthy, docker ps) wants "can take
// webhooks", and Docker never restarts a container for being unhealthy.
// Kubernetes ignores it and probes the routes itself.
//
// It reads LISTEN_ADDR only, so a missing or invalid secret elsewhere cannot
// stop it, and it prints no setting: only the status and /readyz's reasons.
func healthcheck(ctx context.Context, getenv func(string) string, stdout io.Writer) error {
	url, err := readyzURL(getenv("LISTEN_ADDR"))
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, healthcheckTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	// A Transport of its own: no proxy from the environment, no keep-alive.
	client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	resp, err := client.Do(req)
	if err != nil {
		var netErr net.Error
		if errors.As(err, &netErr) && netErr.Timeout() {
			return fmt.Errorf("healthcheck: no answer from %s within %s", url, healthcheckTimeout)
		}
		return fmt.Errorf("healthcheck: %w", err)
	}
	defer resp.Body.Close()
	var body struct {
		Status  string   `json:"status"`
		Reasons []string `json:"reasons"`
	}
	_ = json.NewDecoder(io.LimitReader(resp.Body, 64<<10)).Decode(&body)
	if resp.StatusCode != http.StatusOK {
		message := fmt.Sprintf("healthcheck: %s answered %d", url, resp.StatusCode)
		if len(body.Reasons) > 0 {
			message += ": " + strings.Join(body.Reasons, "; ")
		}
		return errors.New(message)
	}
	_, err = fmt.Fprintln(stdout, "ready")
	return err
}

// readyzURL is /readyz on the port gongsync listens on. An unspecified host
// (":8080", "0.0.0.0:8080", "[::]:8080") is reached on 127.0.0.1; a process
// bound to one address is asked there.
func readyzURL(listenAddr string) (string, error) {
	listenAddr = strings.TrimSpace(listenAddr)
	if listenAddr == "" {
		listenAddr = defaultListenAddr()
	}
	host, port, err := net.SplitHostPort(listenAddr)
	if err != nil || port == "" || port == "0" {
		return "", fmt.Errorf("healthcheck: LISTEN_ADDR %q has no port to ask", listenAddr)
	}
	if ip := net.ParseIP(host); host == "" || (ip != nil && ip.IsUnspecified()) {
		host = "127.0.0.1"
	}
	return "http://" + net.JoinHostPort(host, port) + "/readyz", nil
}

// defaultListenAddr is LISTEN_ADDR's default, named once in the Config struct.
func defaultListenAddr() string {
	for _, setting := range config.Variables() {
		if setting.Name == "LISTEN_ADDR" {
			return setting.Default
		}
	}
	return ":8080"
}

package main

import (
	"os"
	"os/exec"
	"syscall"
	"testing"
	"time"
)

// runMainEnv makes the test binary act as gongsync itself, so the durability
// tests can start the real program and kill it.
const runMainEnv = "GONGSYNC_TEST_RUN_MAIN"

func TestMain(m *testing.M) {
	if os.Getenv(runMainEnv) == "1" {
		main()
		return
	}
	os.Exit(m.Run())
}

// process is gongsync running as a separate OS process.
type process struct {
	t      testing.TB
	cmd    *exec.Cmd
	url    string
	logs   *logCapture
	exited chan error
}

func startProcess(t testing.TB, env map[string]string) *process {
	t.Helper()
	cmd := exec.Command(os.Args[0], "serve")
	cmd.Env = []string{runMainEnv + "=1", "PATH=" + os.Getenv("PATH")}
	for name, value := range env {
		cmd.Env = append(cmd.Env, name+"="+value)
	}
	p := &process{t: t, cmd: cmd, logs: newLogCapture(), exited: make(chan error, 1)}
	cmd.Stdout, cmd.Stderr = p.logs, p.logs
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting gongsync: %v", err)
	}
	go func() { p.exited <- cmd.Wait() }()
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			_ = cmd.Process.Kill()
			<-p.exited
		}
	})
	select {
	case addr := <-p.logs.listening:
		p.url = "http://" + addr
	case err := <-p.exited:
		t.Fatalf("gongsync exited before listening: %v\n%s", err, p.logs.String())
	case <-time.After(30 * time.Second):
		t.Fatalf("gongsync did not listen within 30s\n%s", p.logs.String())
	}
	return p
}

// kill ends the process at once, as a crash or an OOM kill would.
func (p *process) kill() {
	p.t.Helper()
	if err := p.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		p.t.Fatalf("SIGKILL: %v", err)
	}
	<-p.exited
}

// terminate asks for a graceful stop and returns the exit error (nil for 0).
func (p *process) terminate() error {
	p.t.Helper()
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		return err
	}
	select {
	case err := <-p.exited:
		return err
	case <-time.After(60 * time.Second):
		p.t.Fatalf("gongsync did not stop within 60s after SIGTERM\n%s", p.logs.Tail(40))
		return nil
	}
}

// service gives the process the same client helpers as an in-process service.
func (p *process) service() *service {
	return &service{t: p.t, url: p.url, logs: p.logs, stopped: true, httpClient: testHTTPClient()}
}

// Package devstack is what `rcmbot dev` starts and stops around the rcmbot
// processes: it finds (or installs) the pinned Temporal CLI, runs the
// Temporal development server with its Web UI on a SQLite file in the data
// directory, and shuts it down cleanly.
package devstack

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"
)

// TemporalCLIModule is the pinned Temporal CLI (Server 1.29.1, UI 2.42.1).
// It is installed with `go install`, never added to rcmbot's go.mod: its
// server's API version clashes with the one the SDK needs.
const TemporalCLIModule = "github.com/temporalio/cli/cmd/temporal@v1.5.1"

// ToolsDir is where rcmbot installs the Temporal CLI, relative to the
// working directory (the repository root for `go run ./cmd/rcmbot dev`).
const ToolsDir = ".tools/bin"

// FindTemporalCLI looks for the Temporal CLI: $RCMBOT_TEMPORAL_CLI, then
// ToolsDir (searched in the working directory and its parents, so tests in
// package directories find the repository's copy), then $PATH. It returns
// "" when there is none.
func FindTemporalCLI() string {
	if p := os.Getenv("RCMBOT_TEMPORAL_CLI"); p != "" {
		if isExecutable(p) {
			return p
		}
		return ""
	}
	if dir, err := os.Getwd(); err == nil {
		for {
			p := filepath.Join(dir, ToolsDir, "temporal")
			if isExecutable(p) {
				return p
			}
			parent := filepath.Dir(dir)
			if parent == dir {
				break
			}
			dir = parent
		}
	}
	if p, err := exec.LookPath("temporal"); err == nil {
		return p
	}
	return ""
}

func isExecutable(p string) bool {
	st, err := os.Stat(p)
	return err == nil && !st.IsDir() && st.Mode()&0o111 != 0
}

// InstallTemporalCLI builds the pinned CLI into dir with `go install`. The
// first build takes a few minutes; progress (go's own lines and a timer)
// goes to progress.
func InstallTemporalCLI(ctx context.Context, dir string, progress io.Writer) (string, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return "", err
	}
	if err := os.MkdirAll(abs, 0o755); err != nil {
		return "", fmt.Errorf("create %s: %w", abs, err)
	}
	goBin, err := exec.LookPath("go")
	if err != nil {
		return "", errors.New("the Temporal CLI is not installed and the go command is not on PATH to build it: install Go 1.26 or set RCMBOT_TEMPORAL_CLI")
	}
	fmt.Fprintf(progress, "installing the Temporal CLI (%s) into %s; the first build takes a few minutes\n", TemporalCLIModule, abs)
	cmd := exec.CommandContext(ctx, goBin, "install", TemporalCLIModule)
	cmd.Env = append(os.Environ(), "GOBIN="+abs)
	out, err := cmd.StderrPipe()
	if err != nil {
		return "", err
	}
	cmd.Stdout = cmd.Stderr
	if err := cmd.Start(); err != nil {
		return "", fmt.Errorf("go install: %w", err)
	}
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		start := time.Now()
		t := time.NewTicker(15 * time.Second)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				fmt.Fprintf(progress, "  still building the Temporal CLI (%s)\n", time.Since(start).Round(time.Second))
			}
		}
	}()
	sc := bufio.NewScanner(out)
	var tail []string
	for sc.Scan() {
		line := sc.Text()
		tail = append(tail, line)
		if len(tail) > 20 {
			tail = tail[1:]
		}
		if !strings.HasPrefix(line, "go: downloading") {
			fmt.Fprintln(progress, "  "+line)
		}
	}
	err = cmd.Wait()
	close(done)
	wg.Wait()
	if err != nil {
		return "", fmt.Errorf("go install %s: %w\n%s", TemporalCLIModule, err, strings.Join(tail, "\n"))
	}
	p := filepath.Join(abs, "temporal")
	if !isExecutable(p) {
		return "", fmt.Errorf("go install %s finished but %s is missing", TemporalCLIModule, p)
	}
	return p, nil
}

// DevServerOptions configures `temporal server start-dev`.
type DevServerOptions struct {
	CLI           string   // path to the temporal binary
	Address       string   // frontend host:port, e.g. localhost:7233
	UIPort        int      // Web UI port, e.g. 8233
	Namespace     string   // registered at start
	DBFile        string   // SQLite file: state survives restarts
	CodecEndpoint string   // --ui-codec-endpoint; empty for none
	ExtraArgs     []string // e.g. search-attribute flags
	LogFile       string   // where the server's output goes
}

// DevServer is a running Temporal development server.
type DevServer struct {
	cmd  *exec.Cmd
	done chan struct{}
	err  error
	log  *os.File
}

// Args returns the command line for the options (without the binary).
func (o DevServerOptions) Args() ([]string, error) {
	host, port, err := net.SplitHostPort(o.Address)
	if err != nil {
		return nil, fmt.Errorf("TEMPORAL_ADDRESS %q is not host:port: %w", o.Address, err)
	}
	if host == "localhost" || host == "" {
		host = "127.0.0.1"
	}
	args := []string{"server", "start-dev",
		"--ip", host, "--port", port,
		"--ui-port", fmt.Sprint(o.UIPort),
		"--namespace", o.Namespace,
		"--db-filename", o.DBFile,
		"--log-level", "warn",
	}
	if o.CodecEndpoint != "" {
		args = append(args, "--ui-codec-endpoint", o.CodecEndpoint)
	}
	return append(args, o.ExtraArgs...), nil
}

// StartDevServer starts the server as a child process in its own process
// group (so a terminal Ctrl-C reaches rcmbot, which stops it in order) that
// the kernel kills if rcmbot dies.
func StartDevServer(o DevServerOptions) (*DevServer, error) {
	args, err := o.Args()
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(filepath.Dir(o.DBFile), 0o700); err != nil {
		return nil, fmt.Errorf("create data dir: %w", err)
	}
	logf, err := os.OpenFile(o.LogFile, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return nil, fmt.Errorf("open Temporal log: %w", err)
	}
	cmd := exec.Command(o.CLI, args...)
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGTERM}
	if err := cmd.Start(); err != nil {
		logf.Close()
		return nil, fmt.Errorf("start %s: %w", o.CLI, err)
	}
	d := &DevServer{cmd: cmd, done: make(chan struct{}), log: logf}
	go func() {
		d.err = cmd.Wait()
		logf.Close()
		close(d.done)
	}()
	return d, nil
}

// Exited is closed when the server process ends.
func (d *DevServer) Exited() <-chan struct{} { return d.done }

// Err is the process's exit error, valid once Exited is closed.
func (d *DevServer) Err() error { return d.err }

// Stop interrupts the server and waits for it to exit, killing it after
// timeout.
func (d *DevServer) Stop(timeout time.Duration) error {
	select {
	case <-d.done:
		return nil
	default:
	}
	_ = d.cmd.Process.Signal(os.Interrupt)
	select {
	case <-d.done:
		return nil
	case <-time.After(timeout):
		_ = d.cmd.Process.Kill()
		<-d.done
		return fmt.Errorf("the Temporal dev server did not stop within %s; killed", timeout)
	}
}

// Reachable reports whether something accepts TCP connections at addr.
func Reachable(addr string, timeout time.Duration) bool {
	c, err := net.DialTimeout("tcp", addr, timeout)
	if err != nil {
		return false
	}
	c.Close()
	return true
}

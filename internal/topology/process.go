package topology

import (
	"bytes"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// Process is one program of the topology running as its own OS process,
// its output appended to a log file.
type Process struct {
	Name string
	Log  string // path of its log file

	args []string
	env  []string
	dir  string

	mu   sync.Mutex
	cmd  *exec.Cmd
	done chan struct{}
	err  error // how the last run ended
}

// Start runs the process (again, after it ended: a restart).
func (p *Process) Start() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.cmd != nil && !p.exited() {
		return fmt.Errorf("%s is already running (pid %d)", p.Name, p.cmd.Process.Pid)
	}
	lf, err := os.OpenFile(p.Log, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
	if err != nil {
		return err
	}
	cmd := exec.Command(p.args[0], p.args[1:]...)
	cmd.Env, cmd.Dir = p.env, p.dir
	cmd.Stdout, cmd.Stderr = lf, lf
	// Its own process group: a signal to the test does not reach it, and
	// Kill reaches whatever it started; it ends if the test process dies.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGTERM}
	if err := cmd.Start(); err != nil {
		lf.Close()
		return fmt.Errorf("start %s: %w", p.Name, err)
	}
	done := make(chan struct{})
	p.cmd, p.done = cmd, done
	go func() {
		err := cmd.Wait()
		lf.Close()
		p.mu.Lock()
		p.err = err
		p.mu.Unlock()
		close(done)
	}()
	return nil
}

func (p *Process) exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// Pid is the process ID of the current run (0 before the first).
func (p *Process) Pid() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.cmd == nil {
		return 0
	}
	return p.cmd.Process.Pid
}

// Running says whether the current run is alive.
func (p *Process) Running() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.cmd != nil && !p.exited()
}

// Signal sends sig to the process.
func (p *Process) Signal(sig syscall.Signal) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.cmd == nil || p.exited() {
		return fmt.Errorf("%s is not running", p.Name)
	}
	return p.cmd.Process.Signal(sig)
}

// Wait waits up to timeout for the process to exit and returns how it
// ended; ok is false if it is still running.
func (p *Process) Wait(timeout time.Duration) (ok bool, err error) {
	p.mu.Lock()
	done := p.done
	p.mu.Unlock()
	if done == nil {
		return true, nil
	}
	select {
	case <-done:
		p.mu.Lock()
		defer p.mu.Unlock()
		return true, p.err
	case <-time.After(timeout):
		return false, nil
	}
}

// Stop sends SIGTERM and waits up to timeout, then kills the process
// group. It returns how the process ended.
func (p *Process) Stop(timeout time.Duration) error {
	if !p.Running() {
		return nil
	}
	_ = p.Signal(syscall.SIGTERM)
	if ok, err := p.Wait(timeout); ok {
		if err != nil {
			return fmt.Errorf("%s after SIGTERM: %w", p.Name, err)
		}
		return nil
	}
	p.kill()
	_, err := p.Wait(10 * time.Second)
	return fmt.Errorf("%s did not stop within %s after SIGTERM (killed): %v", p.Name, timeout, err)
}

// kill sends SIGKILL to the process and its group.
func (p *Process) kill() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.cmd != nil && !p.exited() {
		_ = syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL)
	}
}

// CPUTime is the processor time (user and system) the current run has
// used so far, read from /proc (Linux, 100 clock ticks a second).
func (p *Process) CPUTime() (time.Duration, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", p.Pid()))
	if err != nil {
		return 0, err
	}
	// Fields after the command name (which may hold spaces) in parentheses.
	f := strings.Fields(string(b[bytes.LastIndexByte(b, ')')+1:]))
	if len(f) < 13 {
		return 0, fmt.Errorf("/proc/%d/stat: %d fields", p.Pid(), len(f))
	}
	utime, err1 := strconv.ParseInt(f[11], 10, 64)
	stime, err2 := strconv.ParseInt(f[12], 10, 64)
	if err := errors.Join(err1, err2); err != nil {
		return 0, err
	}
	return time.Duration(utime+stime) * 10 * time.Millisecond, nil
}

// Kill ends the process with SIGKILL (no chance to clean up) and waits
// for it.
func (p *Process) Kill() error {
	if !p.Running() {
		return fmt.Errorf("%s is not running", p.Name)
	}
	p.kill()
	if ok, _ := p.Wait(10 * time.Second); !ok {
		return fmt.Errorf("%s survived SIGKILL", p.Name)
	}
	return nil
}

// ports hands out free TCP ports on 127.0.0.1 below 32768: Temporal
// stores membership ports in a PostgreSQL smallint, and the kernel's
// ephemeral range (where ":0" listens) starts above it. A port is free
// when it can be listened on now; other programs on the machine might
// take it later, which is as good as picking at run time gets.
type ports struct {
	mu   sync.Mutex
	used map[int]bool
}

// next returns a free port not handed out before.
func (ps *ports) next() (int, error) {
	ps.mu.Lock()
	defer ps.mu.Unlock()
	if ps.used == nil {
		ps.used = map[int]bool{}
	}
	for range 1000 {
		p := 20000 + rand.IntN(12000)
		if ps.used[p] {
			continue
		}
		ln, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(p))
		if err != nil {
			continue
		}
		ln.Close()
		ps.used[p] = true
		return p, nil
	}
	return 0, errors.New("no free port between 20000 and 32000")
}

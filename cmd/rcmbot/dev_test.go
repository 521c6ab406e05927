package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/rcmbot/rcmbot/internal/devstack"
	"github.com/rcmbot/rcmbot/internal/temporalx/temporaltest"
)

// TestDevRunsTheProduct runs `rcmbot dev` as staff would (a separate
// process, on free ports), waits for "rcmbot ready", submits the demo
// workbook with `rcmbot batch submit --wait`, stops it with SIGINT, starts
// it again and finds the batch still there and the demos not loaded twice.
func TestDevRunsTheProduct(t *testing.T) {
	if testing.Short() {
		t.Skip("builds rcmbot and runs the whole stack twice")
	}
	cli := temporaltest.Require(t)
	bin := filepath.Join(t.TempDir(), "rcmbot")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	data := t.TempDir()
	// The second start reuses the first one's ports unless one was taken
	// in between (another test's connection may take it as its source
	// port); then both choose again.
	var ports, env []string
	choosePorts := func() {
		ports = freePorts(t, 8)
		env = append(os.Environ(),
			"RCMBOT_TEMPORAL_CLI="+cli,
			"RCMBOT_DATA_DIR="+data,
			"TEMPORAL_ADDRESS=127.0.0.1:"+ports[0],
			"TEMPORAL_UI_URL=http://127.0.0.1:"+ports[1],
			"RCMBOT_HTTP_ADDR=127.0.0.1:"+ports[2],
			"RCMBOT_PUBLIC_URL=http://127.0.0.1:"+ports[2],
			"RCMBOT_ELIGIBILITY_URL=http://127.0.0.1:"+ports[3],
			"RCMBOT_CLEARINGHOUSE_URL=http://127.0.0.1:"+ports[4],
			"RCMBOT_SMTP_HOST=127.0.0.1",
			"RCMBOT_SMTP_PORT="+ports[5],
			"RCMBOT_SMTP_SINK_URL=http://127.0.0.1:"+ports[6],
			"RCMBOT_SUPPLIER_URL=http://127.0.0.1:"+ports[7],
		)
	}
	// log holds everything rcmbot dev printed, for the failure messages.
	var log syncBuffer
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("rcmbot dev printed:\n%s", log.String())
		}
	})
	// startOnce runs rcmbot dev on the current ports until it is ready,
	// or returns what it printed when it ended before that.
	startOnce := func() (*exec.Cmd, string, error) {
		cmd := exec.Command(bin, "dev")
		cmd.Env = env
		out, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		cmd.Stderr = cmd.Stdout
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = cmd.Process.Kill() })
		ready := make(chan string, 1)
		go func() {
			sc := bufio.NewScanner(out)
			var printed strings.Builder
			isReady := false
			for sc.Scan() {
				log.WriteLine(sc.Text())
				if !isReady {
					printed.WriteString(sc.Text() + "\n")
				}
				if sc.Text() == "rcmbot ready" && !isReady {
					isReady = true
					ready <- ""
				}
			}
			if !isReady {
				ready <- printed.String()
			}
		}()
		select {
		case printed := <-ready:
			if printed != "" {
				_ = cmd.Wait()
				return nil, printed, fmt.Errorf("rcmbot dev ended before it was ready")
			}
		case <-time.After(3 * time.Minute):
			t.Fatal("rcmbot dev was not ready within 3 minutes")
		}
		return cmd, "", nil
	}
	// start chooses ports and starts rcmbot dev, choosing again when a
	// port was taken in the moment between the choice and the start (the
	// refusal itself is TestDevRefusesAPortInUse's subject).
	start := func() (*exec.Cmd, <-chan error) {
		for attempt := 1; ; attempt++ {
			if ports == nil || attempt > 1 {
				choosePorts()
			}
			cmd, printed, err := startOnce()
			if err == nil {
				done := make(chan error, 1)
				go func() { done <- cmd.Wait() }()
				return cmd, done
			}
			if !strings.Contains(printed, "cannot listen on") || attempt == 3 {
				lines := strings.Split(strings.TrimSpace(printed), "\n")
				t.Fatalf("%v; its last lines:\n%s", err, strings.Join(lines[max(0, len(lines)-15):], "\n"))
			}
			t.Logf("attempt %d: a port was taken before rcmbot dev could listen on it; choosing others", attempt)
		}
	}
	stop := func(cmd *exec.Cmd, done <-chan error) {
		if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
			t.Fatal(err)
		}
		select {
		case err := <-done:
			if err != nil {
				t.Fatalf("rcmbot dev exited with %v after SIGINT", err)
			}
		case <-time.After(time.Minute):
			t.Fatal("rcmbot dev did not stop within a minute of SIGINT")
		}
		if devstack.Reachable("127.0.0.1:"+ports[0], time.Second) {
			t.Error("the Temporal dev server still answers after rcmbot dev stopped")
		}
	}

	cmd, done := start()
	for _, u := range []string{"http://127.0.0.1:" + ports[1] + "/", "http://127.0.0.1:" + ports[2] + "/healthz"} {
		resp, err := http.Get(u)
		if err != nil || resp.StatusCode != http.StatusOK {
			t.Fatalf("GET %s: %v %v", u, resp, err)
		}
		resp.Body.Close()
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	// The scheduling demo is loaded: templates, booked visits, history,
	// and requests whose workflows plan their options.
	loaded := regexp.MustCompile(`Scheduling demo: 3 providers from \d{4}-\d\d-\d\d, \d+ visit types, [1-9]\d* booked visits, 600 past visits, ([1-5]) requests being planned`).
		FindStringSubmatch(log.String())
	if loaded == nil {
		t.Fatal("rcmbot dev did not load the scheduling demo")
	}
	for deadline := time.Now().Add(time.Minute); ; {
		list := exec.CommandContext(ctx, bin, "schedule", "list", "--status", "proposed", "--format", "json")
		list.Env = env
		out, err := list.CombinedOutput()
		if err != nil {
			t.Fatalf("schedule list: %v\n%s", err, out)
		}
		if n := strings.Count(string(out), `"status": "proposed"`); n == int(loaded[1][0]-'0') {
			break
		} else if time.Now().After(deadline) {
			t.Fatalf("%d of the demo's %s requests proposed after a minute:\n%s", n, loaded[1], out)
		}
		time.Sleep(time.Second)
	}
	// The access-monitoring demo is imported and its scan fills the
	// privacy officer's queue with an alert on each planted case.
	if !regexp.MustCompile(`Access-monitoring demo: [1-9]\d* accesses by 40 staff to 311 patients over 28 days, 8 planted cases, being scanned`).
		MatchString(log.String()) {
		t.Fatal("rcmbot dev did not load the access-monitoring demo")
	}
	planted := []string{"self_access", "coworker", "family", "neighbour", "vip", "bulk_export", "outside_employment"}
	var alerts map[string]int
	for deadline := time.Now().Add(time.Minute); ; {
		alerts = auditAlertRules(t, ctx, bin, env)
		missing := slices.DeleteFunc(slices.Clone(planted), func(r string) bool { return alerts[r] > 0 })
		if len(missing) == 0 {
			break
		} else if time.Now().After(deadline) {
			t.Fatalf("no %v alerts a minute after the access-monitoring demo was imported (alerts by rule: %v)", missing, alerts)
		}
		time.Sleep(time.Second)
	}
	submit := exec.CommandContext(ctx, bin, "batch", "submit", filepath.Join(data, "demo-claims.xlsx"), "--wait")
	submit.Env = env
	out, err := submit.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "awaiting_review") {
		t.Fatalf("batch submit: %v\n%s", err, out)
	}
	id := regexp.MustCompile(`batch (b-[0-9a-z]+) started`).FindSubmatch(out)
	if id == nil {
		t.Fatalf("no batch ID in:\n%s", out)
	}
	stop(cmd, done)

	cmd, done = start()
	if !strings.Contains(log.String(), "Scheduling demo: kept the stored templates and calendar") {
		t.Error("the second start did not keep the scheduling demo")
	}
	if !strings.Contains(log.String(), "Access-monitoring demo: kept the stored access logs and alerts") {
		t.Error("the second start did not keep the access-monitoring demo")
	}
	if again := auditAlertRules(t, ctx, bin, env); !maps.Equal(again, alerts) {
		t.Errorf("access alerts by rule after the restart %v, before it %v", again, alerts)
	}
	status := exec.CommandContext(ctx, bin, "batch", "status", string(id[1]))
	status.Env = env
	if out, err := status.CombinedOutput(); err != nil || !strings.Contains(string(out), "awaiting_review") {
		t.Fatalf("the batch did not survive the restart: %v\n%s", err, out)
	}
	stop(cmd, done)
}

// auditAlertRules counts the access alerts by rule, as `rcmbot audit
// alerts --format json` lists them.
func auditAlertRules(t *testing.T, ctx context.Context, bin string, env []string) map[string]int {
	t.Helper()
	cmd := exec.CommandContext(ctx, bin, "audit", "alerts", "--format", "json")
	cmd.Env = env
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("audit alerts: %v\n%s", err, out)
	}
	var alerts []struct {
		Rule string `json:"rule"`
	}
	if err := json.Unmarshal(out, &alerts); err != nil {
		t.Fatalf("audit alerts: %v\n%s", err, out)
	}
	n := map[string]int{}
	for _, a := range alerts {
		n[a.Rule]++
	}
	return n
}

// syncBuffer collects lines written from one goroutine and read from another.
type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

// WriteLine appends line and a newline.
func (s *syncBuffer) WriteLine(line string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.b.WriteString(line)
	s.b.WriteByte('\n')
}

// String returns what was written.
func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestDevRefusesAPortInUse: a port rcmbot dev needs that another program
// holds is an error naming the setting, before anything starts.
func TestDevRefusesAPortInUse(t *testing.T) {
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	ports := freePorts(t, 4)
	a := &app{}
	a.cfg.DataDir = t.TempDir()
	a.cfg.HTTPAddr = "127.0.0.1:" + ports[0]
	a.cfg.EligibilityURL = "http://127.0.0.1:" + ports[1]
	a.cfg.ClearingURL = "http://" + taken.Addr().String()
	a.cfg.SMTPHost = "127.0.0.1"
	a.cfg.SMTPPort, _ = strconv.Atoi(ports[2])
	a.cfg.SMTPSinkURL = "http://127.0.0.1:" + ports[3]
	_, err = a.listenDev()
	if err == nil || !strings.Contains(err.Error(), "RCMBOT_CLEARINGHOUSE_URL") || !strings.Contains(err.Error(), taken.Addr().String()) {
		t.Fatalf("listenDev with the clearinghouse port taken: %v", err)
	}
	// What it opened before the taken port is closed again.
	ln, err := net.Listen("tcp", a.cfg.HTTPAddr)
	if err != nil {
		t.Fatalf("the web port is still held after the refusal: %v", err)
	}
	ln.Close()
}

// freePorts returns n TCP ports free on the loopback interface now.
func freePorts(t *testing.T, n int) []string {
	var out []string
	var ls []net.Listener
	for range n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		ls = append(ls, l)
		_, p, _ := net.SplitHostPort(l.Addr().String())
		out = append(out, p)
	}
	for _, l := range ls {
		l.Close()
	}
	return out
}

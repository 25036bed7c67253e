// Package e2e is the end-to-end harness: it starts the built otelcol-quell
// binary on free loopback ports, sends it telemetry over OTLP, collects what
// comes out through an in-process OTLP sink, and stops it, checking it exited
// cleanly. The end-to-end tests live in this package and run serially.
package e2e

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/quell-otel/quell/internal/freeport"
	"github.com/quell-otel/quell/internal/syncbuf"
)

// StandardPorts are allocated for every collector the harness starts and
// exported as QUELL_<NAME>_PORT; every config in this repository reads its
// ports from these variables.
var StandardPorts = []string{"OTLP_GRPC", "OTLP_HTTP", "HEALTH", "METRICS", "PPROF", "ZPAGES"}

const (
	startTimeout = 60 * time.Second
	stopTimeout  = 30 * time.Second
)

// Binary returns the path of the collector binary under test: $QUELL_BINARY,
// else bin/otelcol-quell at the repository root. It fails the test when the
// binary is missing: `make test` builds it first.
func Binary(t testing.TB) string {
	t.Helper()
	path := os.Getenv("QUELL_BINARY")
	if path == "" {
		path = filepath.Join(RepoRoot(t), "bin", "otelcol-quell")
	}
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("collector binary not found at %s (run `make build`, or set QUELL_BINARY): %v", path, err)
	}
	return path
}

// RepoRoot returns the repository root: the nearest parent folder of the
// working directory that holds go.mod.
func RepoRoot(t testing.TB) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("repository root (go.mod) not found above the working directory")
		}
		dir = parent
	}
}

// Options describe one collector to start.
type Options struct {
	// Configs are passed in order as --config flags: file paths (relative
	// to the repository root, or absolute) or URIs such as "yaml:...".
	Configs []string
	// Env adds to the environment the collector starts with.
	Env map[string]string
	// Ports names extra ports to allocate, exported as QUELL_<NAME>_PORT.
	Ports []string
	// Sink, when set, is exported as QUELL_SINK_PORT.
	Sink *Sink
	// DataDir is exported as QUELL_DATA_DIR (default: a new t.TempDir()).
	DataDir string
	// SkipHealthWait starts the collector without waiting for its health
	// check, for configs without one or tests of failed starts.
	SkipHealthWait bool
}

// Collector is a running otelcol-quell process.
type Collector struct {
	cmd     *exec.Cmd
	ports   map[string]int
	dataDir string
	out     *syncbuf.Buffer
	done    chan struct{}
	waitErr error
	stopped bool
}

// Start starts the binary with opts and waits until its health check answers.
// The collector is stopped (and its clean exit checked) when the test ends,
// unless the test stops it first.
//
// A port chosen in advance can be taken by another socket before the
// collector binds it; a start that fails with "address already in use" is
// tried again on new ports.
func Start(t *testing.T, opts Options) *Collector {
	t.Helper()
	for attempt := 1; ; attempt++ {
		c := launch(t, opts)
		if opts.SkipHealthWait {
			c.stopOnCleanup(t)
			return c
		}
		err := c.waitHealthy()
		if err == nil {
			c.stopOnCleanup(t)
			return c
		}
		if c.stopped && strings.Contains(c.Output(), "address already in use") && attempt < startAttempts {
			t.Logf("collector start %d of %d lost a port (%v); trying new ports", attempt, startAttempts, err)
			continue
		}
		if !c.stopped {
			c.Stop(t)
		}
		t.Fatalf("%v; output:\n%s", err, c.Output())
	}
}

// startAttempts bounds the retries of a start that lost a port.
const startAttempts = 3

// launch starts the process with newly allocated ports.
func launch(t *testing.T, opts Options) *Collector {
	t.Helper()
	c := &Collector{ports: map[string]int{}, out: &syncbuf.Buffer{}, done: make(chan struct{})}
	env := os.Environ()
	for _, name := range append(append([]string(nil), StandardPorts...), opts.Ports...) {
		c.ports[name] = freeport.Port(t)
		env = append(env, fmt.Sprintf("QUELL_%s_PORT=%d", name, c.ports[name]))
	}
	if opts.Sink != nil {
		c.ports["SINK"] = opts.Sink.Port()
		env = append(env, fmt.Sprintf("QUELL_SINK_PORT=%d", opts.Sink.Port()))
	}
	c.dataDir = opts.DataDir
	if c.dataDir == "" {
		c.dataDir = t.TempDir()
	}
	env = append(env, "QUELL_DATA_DIR="+c.dataDir)
	for k, v := range opts.Env {
		env = append(env, k+"="+v)
	}

	root := RepoRoot(t)
	args := make([]string, 0, 2*len(opts.Configs))
	for _, cfg := range opts.Configs {
		if !strings.Contains(cfg, ":") && !filepath.IsAbs(cfg) {
			cfg = filepath.Join(root, cfg)
		}
		args = append(args, "--config", cfg)
	}
	c.cmd = exec.Command(Binary(t), args...)
	c.cmd.Env = env
	c.cmd.Dir = c.dataDir
	c.cmd.Stdout = c.out
	c.cmd.Stderr = c.out
	if err := c.cmd.Start(); err != nil {
		t.Fatalf("starting collector: %v", err)
	}
	go func() {
		c.waitErr = c.cmd.Wait()
		close(c.done)
	}()
	return c
}

// stopOnCleanup stops the collector when the test ends, unless the test
// stopped it first, and shows its output if the test failed.
func (c *Collector) stopOnCleanup(t *testing.T) {
	t.Cleanup(func() {
		if !c.stopped {
			c.Stop(t)
		}
		if t.Failed() {
			t.Logf("collector output:\n%s", c.Output())
		}
	})
}

// waitHealthy waits for the health check to answer 200. It returns an error
// if the collector exits first (c.stopped is then set) or the start timeout
// passes.
func (c *Collector) waitHealthy() error {
	url := fmt.Sprintf("http://127.0.0.1:%d/", c.ports["HEALTH"])
	deadline := time.Now().Add(startTimeout)
	for time.Now().Before(deadline) {
		select {
		case <-c.done:
			c.stopped = true
			if c.waitErr == nil {
				return errors.New("collector exited during start (status 0)")
			}
			return fmt.Errorf("collector exited during start (%w)", c.waitErr)
		default:
		}
		resp, err := http.Get(url) //nolint:gosec // loopback URL built from our own port
		if err == nil {
			_, _ = io.Copy(io.Discard, resp.Body)
			_ = resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	return fmt.Errorf("collector not healthy at %s after %s", url, startTimeout)
}

// Port returns the port allocated for name (e.g. "OTLP_GRPC").
func (c *Collector) Port(name string) int {
	p, ok := c.ports[name]
	if !ok {
		panic("e2e: no port named " + name)
	}
	return p
}

// Addr returns "127.0.0.1:<port>" for the port named name.
func (c *Collector) Addr(name string) string {
	return "127.0.0.1:" + strconv.Itoa(c.Port(name))
}

// DataDir returns the collector's QUELL_DATA_DIR.
func (c *Collector) DataDir() string { return c.dataDir }

// Output returns what the collector has written to stdout and stderr so far.
func (c *Collector) Output() string { return c.out.String() }

// Metrics returns a scrape of the collector's own Prometheus telemetry.
func (c *Collector) Metrics(t *testing.T) string {
	t.Helper()
	resp, err := http.Get(fmt.Sprintf("http://127.0.0.1:%d/metrics", c.ports["METRICS"])) //nolint:gosec // loopback
	if err != nil {
		t.Fatalf("scraping collector metrics: %v", err)
	}
	defer func() { _ = resp.Body.Close() }()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("reading collector metrics: %v", err)
	}
	return string(body)
}

// MetricValue sums, over a scrape of the collector's own telemetry, the
// samples of the metric named name whose labels include every pair in
// labels. It returns 0 when no sample matches.
func (c *Collector) MetricValue(t *testing.T, name string, labels map[string]string) float64 {
	t.Helper()
	return SumMetric(c.Metrics(t), name, labels)
}

// SumMetric sums the samples of name in a Prometheus text exposition whose
// labels include every pair in labels.
func SumMetric(exposition, name string, labels map[string]string) float64 {
	var sum float64
	sc := bufio.NewScanner(strings.NewReader(exposition))
	sc.Buffer(make([]byte, 0, 64*1024), 1024*1024)
	for sc.Scan() {
		line := sc.Text()
		if !strings.HasPrefix(line, name) || strings.HasPrefix(line, "#") {
			continue
		}
		rest := line[len(name):]
		var lbls string
		switch {
		case strings.HasPrefix(rest, "{"):
			end := strings.LastIndex(rest, "}")
			if end < 0 {
				continue
			}
			lbls, rest = rest[1:end], rest[end+1:]
		case strings.HasPrefix(rest, " "):
		default:
			continue // a longer metric name sharing the prefix
		}
		if !hasLabels(lbls, labels) {
			continue
		}
		fields := strings.Fields(rest)
		if len(fields) == 0 {
			continue
		}
		if v, err := strconv.ParseFloat(fields[0], 64); err == nil {
			sum += v
		}
	}
	return sum
}

func hasLabels(lbls string, want map[string]string) bool {
	for k, v := range want {
		if !strings.Contains(lbls, k+`="`+v+`"`) {
			return false
		}
	}
	return true
}

// GrepLines returns the lines of s that contain sub, for failure messages
// that show the relevant part of a scrape or of the collector's output.
func GrepLines(s, sub string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, sub) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

// Stop sends SIGTERM and waits for the collector to exit, failing the test
// unless it exits with status 0 within the stop timeout.
func (c *Collector) Stop(t *testing.T) {
	t.Helper()
	if c.stopped {
		return
	}
	c.stopped = true
	_ = c.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-c.done:
	case <-time.After(stopTimeout):
		_ = c.cmd.Process.Kill()
		<-c.done
		t.Errorf("collector did not stop within %s; output:\n%s", stopTimeout, c.Output())
		return
	}
	if c.waitErr != nil {
		var exitErr *exec.ExitError
		if errors.As(c.waitErr, &exitErr) {
			t.Errorf("collector exited with %v; output:\n%s", exitErr, c.Output())
			return
		}
		t.Errorf("waiting for collector: %v", c.waitErr)
	}
}

// Kill stops the collector at once (SIGKILL), as a crash would, without
// checking its exit.
func (c *Collector) Kill() {
	if c.stopped {
		return
	}
	c.stopped = true
	_ = c.cmd.Process.Kill()
	<-c.done
}

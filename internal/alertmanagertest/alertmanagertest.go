// Package alertmanagertest starts a real Prometheus Alertmanager (Debian's
// prometheus-alertmanager package, 0.25) on a loopback port for tests: as a
// sender of webhooks (its webhook receiver points at the component under
// test) and as a destination (tests read back what was posted to its API v2).
//
// The binary is $QUELL_ALERTMANAGER, else prometheus-alertmanager on PATH,
// else /usr/bin/prometheus-alertmanager. When it is missing a test is
// skipped, or fails when CI is set (CI installs the package first).
package alertmanagertest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/quell-otel/quell/internal/freeport"
	"github.com/quell-otel/quell/internal/syncbuf"
)

// Options configure the Alertmanager that Start runs.
type Options struct {
	// WebhookURL is where the single route's webhook receiver posts
	// notifications. Empty means a receiver with no integrations, for tests
	// that only use the API.
	WebhookURL string
	// GroupBy is the route's group_by; nil means ['...'] (every alert its
	// own group, so each alert arrives on its own webhook).
	GroupBy []string
	// GroupWait, GroupInterval, RepeatInterval: zero means 1s, 1s and 1h.
	GroupWait, GroupInterval, RepeatInterval time.Duration
	// ResolveTimeout is Alertmanager's global resolve_timeout; zero means 5m.
	ResolveTimeout time.Duration
	// MaxAlerts caps the alerts in one webhook (truncatedAlerts counts the
	// rest); zero means no cap.
	MaxAlerts int
}

// Alertmanager is a running Alertmanager process.
type Alertmanager struct {
	// URL is the base URL, e.g. http://127.0.0.1:40123.
	URL string

	cmd    *exec.Cmd
	out    *syncbuf.Buffer
	waitCh chan error
}

// Alert is an alert as posted to or read from the API v2.
type Alert struct {
	Labels       map[string]string `json:"labels"`
	Annotations  map[string]string `json:"annotations,omitempty"`
	StartsAt     time.Time         `json:"startsAt,omitzero"`
	EndsAt       time.Time         `json:"endsAt,omitzero"`
	GeneratorURL string            `json:"generatorURL,omitempty"`
	// Fingerprint and Status are set on alerts read back from the API.
	Fingerprint string       `json:"fingerprint,omitempty"`
	Status      *AlertStatus `json:"status,omitempty"`
}

// AlertStatus is the status block of an alert read back from the API.
type AlertStatus struct {
	State string `json:"state"`
}

// Binary returns the Alertmanager binary, skipping the test (failing it
// under CI) when there is none.
func Binary(t testing.TB) string {
	t.Helper()
	if p := os.Getenv("QUELL_ALERTMANAGER"); p != "" {
		return p
	}
	if p, err := exec.LookPath("prometheus-alertmanager"); err == nil {
		return p
	}
	const debian = "/usr/bin/prometheus-alertmanager"
	if _, err := os.Stat(debian); err == nil {
		return debian
	}
	msg := "prometheus-alertmanager not installed (apt-get install -y prometheus-alertmanager)"
	if os.Getenv("CI") != "" {
		t.Fatal(msg)
	}
	t.Skip(msg)
	return ""
}

// Start runs an Alertmanager on a free loopback port with a temporary
// storage path and no cluster gossip, waits until it is ready, and stops it
// when the test ends.
func Start(t testing.TB, opts Options) *Alertmanager {
	t.Helper()
	bin := Binary(t)
	dir := t.TempDir()
	cfgPath := filepath.Join(dir, "alertmanager.yml")
	if err := os.WriteFile(cfgPath, []byte(configYAML(opts)), 0o600); err != nil {
		t.Fatalf("write alertmanager config: %v", err)
	}
	var lastErr error
	for range 3 { // a free port can be taken between probing and binding
		addr := freeport.Addr(t)
		am := &Alertmanager{URL: "http://" + addr, out: &syncbuf.Buffer{}, waitCh: make(chan error, 1)}
		am.cmd = exec.Command(bin,
			"--config.file="+cfgPath,
			"--storage.path="+filepath.Join(dir, "data"),
			"--web.listen-address="+addr,
			"--cluster.listen-address=",
			"--log.level=debug",
		)
		am.cmd.Stdout, am.cmd.Stderr = am.out, am.out
		if err := am.cmd.Start(); err != nil {
			t.Fatalf("start alertmanager: %v", err)
		}
		go func() { am.waitCh <- am.cmd.Wait() }()
		if lastErr = am.waitReady(15 * time.Second); lastErr == nil {
			t.Cleanup(func() { am.stop(t) })
			return am
		}
		am.kill()
	}
	t.Fatalf("alertmanager did not become ready: %v", lastErr)
	return nil
}

// Output returns what the process logged so far.
func (am *Alertmanager) Output() string { return am.out.String() }

// PostAlerts posts alerts to the API v2, as Prometheus or an exporter would.
func (am *Alertmanager) PostAlerts(t testing.TB, alerts ...Alert) {
	t.Helper()
	body, err := json.Marshal(alerts)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.Post(am.URL+"/api/v2/alerts", "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatalf("post alerts: %v", err)
	}
	defer func() { _ = resp.Body.Close() }()
	msg, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("post alerts: %s: %s", resp.Status, msg)
	}
}

// Alerts returns the alerts Alertmanager currently holds (active, silenced,
// inhibited and unprocessed; resolved alerts disappear once they end).
func (am *Alertmanager) Alerts(t testing.TB) []Alert {
	t.Helper()
	resp, err := http.Get(am.URL + "/api/v2/alerts")
	if err != nil {
		t.Fatalf("get alerts: %v", err)
	}
	defer func() { _ = resp.Body.Close() }()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("get alerts: %s", resp.Status)
	}
	var alerts []Alert
	if err := json.NewDecoder(resp.Body).Decode(&alerts); err != nil {
		t.Fatalf("decode alerts: %v", err)
	}
	return alerts
}

func (am *Alertmanager) waitReady(timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		select {
		case err := <-am.waitCh:
			return fmt.Errorf("exited early (%w): %s", err, am.Output())
		default:
		}
		resp, err := http.Get(am.URL + "/-/ready")
		if err == nil {
			_ = resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	return fmt.Errorf("not ready after %s: %s", timeout, am.Output())
}

func (am *Alertmanager) stop(t testing.TB) {
	if am.cmd.Process == nil {
		return
	}
	_ = am.cmd.Process.Signal(os.Interrupt)
	select {
	case <-am.waitCh:
	case <-time.After(10 * time.Second):
		am.kill()
		t.Errorf("alertmanager did not stop on SIGINT; killed. Output:\n%s", am.Output())
	}
}

func (am *Alertmanager) kill() {
	_ = am.cmd.Process.Kill()
	select {
	case <-am.waitCh:
	case <-time.After(5 * time.Second):
	}
}

func configYAML(opts Options) string {
	dur := func(d, def time.Duration) string {
		if d <= 0 {
			d = def
		}
		return model(d)
	}
	groupBy := "['...']"
	if opts.GroupBy != nil {
		quoted := make([]string, len(opts.GroupBy))
		for i, l := range opts.GroupBy {
			quoted[i] = strconv.Quote(l)
		}
		groupBy = "[" + strings.Join(quoted, ", ") + "]"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "global:\n  resolve_timeout: %s\n", dur(opts.ResolveTimeout, 5*time.Minute))
	fmt.Fprintf(&b, "route:\n  receiver: hook\n  group_by: %s\n  group_wait: %s\n  group_interval: %s\n  repeat_interval: %s\n",
		groupBy, dur(opts.GroupWait, time.Second), dur(opts.GroupInterval, time.Second), dur(opts.RepeatInterval, time.Hour))
	b.WriteString("receivers:\n  - name: hook\n")
	if opts.WebhookURL != "" {
		fmt.Fprintf(&b, "    webhook_configs:\n      - url: %s\n        send_resolved: true\n", strconv.Quote(opts.WebhookURL))
		if opts.MaxAlerts > 0 {
			fmt.Fprintf(&b, "        max_alerts: %d\n", opts.MaxAlerts)
		}
	}
	return b.String()
}

// model renders a duration the way Alertmanager's config parser accepts
// (integer with one unit: 1500ms, 2s, 5m).
func model(d time.Duration) string {
	switch {
	case d%time.Hour == 0:
		return fmt.Sprintf("%dh", d/time.Hour)
	case d%time.Minute == 0:
		return fmt.Sprintf("%dm", d/time.Minute)
	case d%time.Second == 0:
		return fmt.Sprintf("%ds", d/time.Second)
	default:
		return fmt.Sprintf("%dms", d/time.Millisecond)
	}
}

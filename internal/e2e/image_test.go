package e2e

import (
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/quell-otel/quell/internal/freeport"
	"github.com/quell-otel/quell/internal/syncbuf"
	"github.com/quell-otel/quell/internal/workload"
)

// TestImage runs the image `make image` built ($QUELL_IMAGE; `make
// image-test` sets it) with podman on the host network, bound to loopback:
// its health check answers, it accepts OTLP, and it exits 0 when stopped.
// podman runs it with runc: crun refuses hybrid cgroup hierarchies.
func TestImage(t *testing.T) {
	image := os.Getenv("QUELL_IMAGE")
	if image == "" {
		t.Skip("QUELL_IMAGE is not set: run `make image-test`")
	}
	podman, err := exec.LookPath("podman")
	if err != nil {
		t.Fatalf("QUELL_IMAGE is set but podman is missing: %v", err)
	}
	assertImageConfig(t, podman, image)

	health, grpc, metrics := freeport.Port(t), freeport.Port(t), freeport.Port(t)
	name := fmt.Sprintf("quell-e2e-%d", time.Now().UnixNano())
	cmd := exec.Command(podman, "run", "--rm", "--runtime", "runc", "--network", "host", "--name", name,
		"-e", "QUELL_LISTEN_HOST=127.0.0.1",
		"-e", fmt.Sprintf("QUELL_HEALTH_PORT=%d", health),
		"-e", fmt.Sprintf("QUELL_OTLP_GRPC_PORT=%d", grpc),
		"-e", fmt.Sprintf("QUELL_OTLP_HTTP_PORT=%d", freeport.Port(t)),
		"-e", fmt.Sprintf("QUELL_METRICS_PORT=%d", metrics),
		"-e", "QUELL_DECISION_WAIT=1s",
		image)
	out := &syncbuf.Buffer{}
	cmd.Stdout, cmd.Stderr = out, out
	require.NoError(t, cmd.Start())
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	stopped := false
	t.Cleanup(func() {
		if !stopped {
			_ = exec.Command(podman, "rm", "-f", name).Run()
			<-done
		}
	})

	waitHTTP(t, fmt.Sprintf("http://127.0.0.1:%d/", health), done, out)
	traces := workload.NewTraceGenerator(workload.TraceOptions{Seed: 3, ErrorRatio: 0.5}).Generate(50)
	SendTraces(t, fmt.Sprintf("127.0.0.1:%d", grpc), workload.Merge(traces))
	require.Eventually(t, func() bool {
		return SumMetric(scrape(metrics), "otelcol_receiver_accepted_spans", nil) > 0
	}, 60*time.Second, 500*time.Millisecond, "no accepted spans; output:\n%s", out)

	// podman stop sends SIGTERM; `podman run` exits with the collector's status.
	stop, err := exec.Command(podman, "stop", "--time", "30", name).CombinedOutput()
	require.NoError(t, err, "%s", stop)
	select {
	case err = <-done:
		stopped = true
	case <-time.After(2 * time.Minute):
		t.Fatalf("container did not exit after podman stop; output:\n%s", out)
	}
	require.NoError(t, err, "the container must exit 0; output:\n%s", out)
	assert.Contains(t, out.String(), "Shutdown complete")
}

// assertImageConfig checks what the image declares: a non-root user, the
// default config, the exposed ports, and a stamped version.
func assertImageConfig(t *testing.T, podman, image string) {
	t.Helper()
	inspect, err := exec.Command(podman, "image", "inspect", "--format",
		"{{.Config.User}}|{{json .Config.Cmd}}|{{json .Config.ExposedPorts}}", image).CombinedOutput()
	require.NoError(t, err, "%s", inspect)
	parts := strings.Split(strings.TrimSpace(string(inspect)), "|")
	require.Len(t, parts, 3, "%s", inspect)
	assert.Equal(t, "10001:10001", parts[0], "non-root user")
	assert.Contains(t, parts[1], "/etc/quell/config.yaml")
	for _, port := range []string{"4317/tcp", "4318/tcp", "13133/tcp", "8888/tcp"} {
		assert.Contains(t, parts[2], port)
	}
	version, err := exec.Command(podman, "run", "--rm", "--runtime", "runc", "--network", "none", image, "--version").CombinedOutput()
	require.NoError(t, err, "%s", version)
	assert.Regexp(t, `^otelcol-quell version \S+ \(commit [0-9a-f]{7,}\)`, strings.TrimSpace(string(version)))
}

// waitHTTP polls url until it answers 200, failing the test if the process
// behind done exits first or a minute passes.
func waitHTTP(t *testing.T, url string, done <-chan error, out *syncbuf.Buffer) {
	t.Helper()
	deadline := time.Now().Add(startTimeout)
	for time.Now().Before(deadline) {
		select {
		case err := <-done:
			t.Fatalf("container exited before its health check answered (%v); output:\n%s", err, out)
		default:
		}
		resp, err := http.Get(url) //nolint:gosec // a loopback URL the test built
		if err == nil {
			_ = resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		time.Sleep(250 * time.Millisecond)
	}
	t.Fatalf("health check %s did not answer within %s; output:\n%s", url, startTimeout, out)
}

// scrape returns the Prometheus exposition on 127.0.0.1:port, or "" while
// it does not answer.
func scrape(port int) string {
	resp, err := http.Get(fmt.Sprintf("http://127.0.0.1:%d/metrics", port)) //nolint:gosec // loopback
	if err != nil {
		return ""
	}
	defer func() { _ = resp.Body.Close() }()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return ""
	}
	return string(body)
}

package helmcheck

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/yaml"
)

// namespace is where the values files are rendered, as `helm install -n`.
const namespace = "observability"

// TestValuesFiles renders every values file in deploy/helm/ with the chart,
// decodes every object strictly, and validates each collector config with
// the built binary in the environment its pod would have.
func TestValuesFiles(t *testing.T) {
	helm, binary, chart := tool(t, "HELM", "bin/helm"), tool(t, "QUELL_BINARY", "bin/otelcol-quell"), chartDir(t)
	files, err := filepath.Glob(filepath.Join(repoRoot(t), "deploy", "helm", "*.yaml"))
	require.NoError(t, err)
	require.NotEmpty(t, files)
	for _, values := range files {
		release := strings.TrimSuffix(filepath.Base(values), ".yaml")
		t.Run(release, func(t *testing.T) {
			out, err := exec.Command(helm, "template", "quell-"+release, chart,
				"--namespace", namespace, "-f", values).Output()
			require.NoError(t, err, "helm template: %s", stderr(err))
			objs := decodeAll(t, out)
			r := collect(t, objs)
			require.NotEmpty(t, r.relay, "no ConfigMap with the collector config (key relay)")
			require.NotNil(t, r.container, "no Deployment or DaemonSet")
			checkPod(t, r)
			validate(t, binary, r)
		})
	}
}

// scheme knows every kind the chart can render.
func scheme(t *testing.T) *runtime.Scheme {
	t.Helper()
	s := runtime.NewScheme()
	for _, add := range []func(*runtime.Scheme) error{
		corev1.AddToScheme, appsv1.AddToScheme, rbacv1.AddToScheme, policyv1.AddToScheme,
		autoscalingv2.AddToScheme, networkingv1.AddToScheme,
	} {
		require.NoError(t, add(s))
	}
	return s
}

// decodeAll splits a rendered manifest into documents and decodes each into
// its typed object, rejecting unknown fields and unknown kinds.
func decodeAll(t *testing.T, manifest []byte) []runtime.Object {
	t.Helper()
	s := scheme(t)
	reader := utilyaml.NewYAMLReader(bufio.NewReader(bytes.NewReader(manifest)))
	var objs []runtime.Object
	for {
		doc, err := reader.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		require.NoError(t, err)
		if len(bytes.TrimSpace(stripComments(doc))) == 0 {
			continue
		}
		var tm metav1.TypeMeta
		require.NoError(t, yaml.Unmarshal(doc, &tm))
		gvk := schema.FromAPIVersionAndKind(tm.APIVersion, tm.Kind)
		obj, err := s.New(gvk)
		require.NoError(t, err, "unknown kind %s in:\n%s", gvk, doc)
		require.NoError(t, yaml.UnmarshalStrict(doc, obj), "%s does not decode strictly:\n%s", gvk, doc)
		objs = append(objs, obj)
	}
	require.NotEmpty(t, objs)
	return objs
}

func stripComments(doc []byte) []byte {
	var b bytes.Buffer
	for _, line := range strings.Split(string(doc), "\n") {
		if !strings.HasPrefix(strings.TrimSpace(line), "#") {
			b.WriteString(line + "\n")
		}
	}
	return b.Bytes()
}

// rendered is what one release renders that the checks look at.
type rendered struct {
	relay     string
	pod       *corev1.PodSpec
	container *corev1.Container
	pvcs      map[string]bool
	services  []*corev1.Service
}

func collect(t *testing.T, objs []runtime.Object) rendered {
	t.Helper()
	r := rendered{pvcs: map[string]bool{}}
	for _, obj := range objs {
		switch o := obj.(type) {
		case *corev1.ConfigMap:
			if relay, ok := o.Data["relay"]; ok {
				r.relay = relay
			}
		case *appsv1.Deployment:
			r.pod = &o.Spec.Template.Spec
		case *appsv1.DaemonSet:
			r.pod = &o.Spec.Template.Spec
		case *corev1.PersistentVolumeClaim:
			r.pvcs[o.Name] = true
		case *corev1.Service:
			r.services = append(r.services, o)
		}
	}
	if r.pod != nil && len(r.pod.Containers) > 0 {
		r.container = &r.pod.Containers[0]
	}
	return r
}

// checkPod checks what the chart does with Quell's image: the binary at the
// image root, the config from the ConfigMap, probes on the health check,
// a non-root user, and volumes that exist.
func checkPod(t *testing.T, r rendered) {
	t.Helper()
	c := r.container
	assert.Equal(t, []string{"/otelcol-quell"}, c.Command)
	assert.Contains(t, c.Args, "--config=/conf/relay.yaml")
	for name, probe := range map[string]*corev1.Probe{"liveness": c.LivenessProbe, "readiness": c.ReadinessProbe} {
		if assert.NotNil(t, probe, name) && assert.NotNil(t, probe.HTTPGet, name) {
			assert.Equal(t, 13133, probe.HTTPGet.Port.IntValue(), "%s probe port", name)
		}
	}
	assert.Contains(t, r.relay, ":13133", "health_check must listen where the probes call")
	if assert.NotNil(t, r.pod.SecurityContext) && assert.NotNil(t, r.pod.SecurityContext.RunAsNonRoot) {
		assert.True(t, *r.pod.SecurityContext.RunAsNonRoot)
	}
	for _, v := range r.pod.Volumes {
		if v.PersistentVolumeClaim != nil {
			assert.True(t, r.pvcs[v.PersistentVolumeClaim.ClaimName], "volume %s: claim %s is not rendered", v.Name, v.PersistentVolumeClaim.ClaimName)
		}
	}
}

// validate runs `otelcol-quell validate` on the rendered config with the
// container's environment: literal values as they are, the downward API and
// Secrets as stand-ins.
func validate(t *testing.T, binary string, r rendered) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "relay.yaml")
	require.NoError(t, os.WriteFile(path, []byte(r.relay), 0o600))
	cmd := exec.Command(binary, "validate", "--config", path)
	cmd.Env = append(os.Environ(), podEnv(r.container)...)
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "otelcol-quell validate:\n%s\nconfig:\n%s", out, r.relay)
}

func podEnv(c *corev1.Container) []string {
	fields := map[string]string{
		"status.podIP": "127.0.0.1", "status.hostIP": "127.0.0.1", "status.podIPs": "127.0.0.1",
		"spec.nodeName": "node-1", "metadata.name": "pod-1", "metadata.namespace": namespace,
	}
	var env []string
	for _, e := range c.Env {
		v := e.Value
		switch {
		case e.ValueFrom == nil:
		case e.ValueFrom.FieldRef != nil:
			v = fields[e.ValueFrom.FieldRef.FieldPath]
		case e.ValueFrom.SecretKeyRef != nil:
			v = "secret-from-" + e.ValueFrom.SecretKeyRef.Name
		case e.ValueFrom.ResourceFieldRef != nil:
			v = "1"
		}
		env = append(env, e.Name+"="+v)
	}
	return env
}

// tool returns $env, else rel under the repository root, failing when the
// file is missing: `make helm-test` builds both.
func tool(t *testing.T, env, rel string) string {
	t.Helper()
	path := os.Getenv(env)
	if path == "" {
		path = filepath.Join(repoRoot(t), rel)
	}
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("%s not found (run `make helm-test`, or set %s): %v", path, env, err)
	}
	return path
}

// chartDir is the chart copy for offline rendering: $QUELL_CHART, else
// ../shared/charts/opentelemetry-collector beside the repository.
func chartDir(t *testing.T) string {
	t.Helper()
	dir := os.Getenv("QUELL_CHART")
	if dir == "" {
		dir = filepath.Join(repoRoot(t), "..", "shared", "charts", "opentelemetry-collector")
	}
	if _, err := os.Stat(filepath.Join(dir, "Chart.yaml")); err != nil {
		t.Fatalf("chart not found at %s (set QUELL_CHART): %v", dir, err)
	}
	return dir
}

// repoRoot is two folders up from this package.
func repoRoot(t *testing.T) string {
	t.Helper()
	dir, err := filepath.Abs(filepath.Join("..", ".."))
	require.NoError(t, err)
	return dir
}

func stderr(err error) string {
	var exitErr *exec.ExitError
	if errors.As(err, &exitErr) {
		return string(exitErr.Stderr)
	}
	if err != nil {
		return err.Error()
	}
	return ""
}

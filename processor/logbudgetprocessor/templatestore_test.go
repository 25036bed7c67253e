package logbudgetprocessor

import (
	"bufio"
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/pdata/plog"

	"github.com/quell-otel/quell/internal/storageext"
	"github.com/quell-otel/quell/internal/storageext/storageexttest"
	"github.com/quell-otel/quell/processor/logbudgetprocessor/internal/drain"
)

// storedHarness is a started processor that annotates every record, with
// the templates in storage (storage nil: none).
func storedHarness(t *testing.T, storage *component.ID, host component.Host) *harness {
	t.Helper()
	h := newHarness(t, func(cfg *Config) {
		cfg.Annotate = true
		cfg.Dedup.Enabled = false
		cfg.Sampling.Enabled = false
		cfg.Templates.Storage = storage
		cfg.Templates.SaveInterval = 0
	})
	require.NoError(t, h.p.Start(context.Background(), host))
	return h
}

// stamp sends bodies one record each and returns the template ID and
// template text each was stamped with.
func stamp(t *testing.T, h *harness, bodies []string) (ids, templates []string) {
	t.Helper()
	seen := len(h.records())
	ld := plog.NewLogs()
	lrs := ld.ResourceLogs().AppendEmpty().ScopeLogs().AppendEmpty().LogRecords()
	for _, b := range bodies {
		lrs.AppendEmpty().Body().SetStr(b)
	}
	h.send(t, ld)
	recs := h.records()[seen:]
	require.Len(t, recs, len(bodies))
	for _, lr := range recs {
		ids = append(ids, attrStr(lr, AttrTemplateID))
		templates = append(templates, attrStr(lr, AttrTemplate))
	}
	return ids, templates
}

// fixtureBodies are the lines of the drain package's labelled fixture.
func fixtureBodies(t *testing.T) []string {
	t.Helper()
	f, err := os.Open("internal/drain/testdata/labelled.txt")
	require.NoError(t, err)
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if _, body, ok := strings.Cut(sc.Text(), "\t"); ok {
			out = append(out, body)
		}
	}
	require.NoError(t, sc.Err())
	require.NotEmpty(t, out)
	return out
}

// TestTemplatesSurviveRestart: a processor restarted on the same
// file_storage holds the templates of the first run (same count) and stamps
// every line, seen before or not, with the ID and template a processor that
// never restarted stamps it with (widened templates stay widened).
func TestTemplatesSurviveRestart(t *testing.T) {
	bodies := fixtureBodies(t)
	first := bodies[:len(bodies)/2]
	dir := t.TempDir()

	id, host := storageexttest.StartFileStorage(t, dir)
	run1 := storedHarness(t, &id, host)
	stamp(t, run1, first)
	count := run1.p.tree.Len()
	require.Greater(t, count, 10)
	require.NoError(t, run1.p.Shutdown(context.Background()))

	id, host = storageexttest.StartFileStorage(t, dir)
	run2 := storedHarness(t, &id, host)
	defer func() { require.NoError(t, run2.p.Shutdown(context.Background())) }()
	assert.Equal(t, int64(count), run2.metric(t, "processor_log_budget_templates"), "templates restored")
	assert.Zero(t, run2.metric(t, "processor_log_budget_templates_restore_refused"))

	ref := storedHarness(t, nil, componentHostNone{})
	defer func() { require.NoError(t, ref.p.Shutdown(context.Background())) }()
	stamp(t, ref, first)
	wantIDs, wantTemplates := stamp(t, ref, bodies)
	gotIDs, gotTemplates := stamp(t, run2, bodies)
	assert.Equal(t, wantIDs, gotIDs)
	assert.Equal(t, wantTemplates, gotTemplates)
	assert.Equal(t, ref.p.tree.Len(), run2.p.tree.Len())
}

// TestTemplatesRestoreRefused: a snapshot the processor cannot read is
// refused and counted, the processor starts with no templates, and its
// shutdown writes a snapshot the next start restores.
func TestTemplatesRestoreRefused(t *testing.T) {
	dir := t.TempDir()
	id, host := storageexttest.StartFileStorage(t, dir)
	h := newHarness(t, nil)
	client, err := storageext.Client(context.Background(), host, id, component.KindProcessor, h.p.id)
	require.NoError(t, err)
	require.NoError(t, client.Set(context.Background(), templatesKey, []byte("QDT\x00 from another version")))
	require.NoError(t, client.Close(context.Background()))

	run1 := storedHarness(t, &id, host)
	assert.Equal(t, int64(1), run1.metric(t, "processor_log_budget_templates_restore_refused"))
	assert.Zero(t, run1.p.tree.Len())
	ids, _ := stamp(t, run1, []string{"disk 1 full", "fan 2 stopped on rack"})
	require.NoError(t, run1.p.Shutdown(context.Background()))

	run2 := storedHarness(t, &id, host)
	defer func() { require.NoError(t, run2.p.Shutdown(context.Background())) }()
	assert.Zero(t, run2.metric(t, "processor_log_budget_templates_restore_refused"))
	assert.Equal(t, 2, run2.p.tree.Len())
	again, _ := stamp(t, run2, []string{"fan 9 stopped on rack"})
	assert.Equal(t, ids[1], again[0])
}

// TestTemplatesSavedPeriodically: with save_interval set, a changed tree is
// in storage before shutdown (a crash loses at most one interval).
func TestTemplatesSavedPeriodically(t *testing.T) {
	id, host := storageexttest.StartFileStorage(t, t.TempDir())
	h := newHarness(t, func(cfg *Config) {
		cfg.Templates.Storage = &id
		cfg.Templates.SaveInterval = 20 * time.Millisecond
	})
	require.NoError(t, h.p.Start(context.Background(), host))
	defer func() { require.NoError(t, h.p.Shutdown(context.Background())) }()
	stamp(t, h, []string{"disk 1 full", "fan 2 stopped on rack"})
	// the test reads the processor's own client: the loop writes through it
	require.Eventually(t, func() bool {
		b, err := h.p.store.client.Get(context.Background(), templatesKey)
		if err != nil || b == nil {
			return false
		}
		tree, err := drain.Decode(treeSettings(h.p.cfg.Templates), b)
		return err == nil && tree.Len() == 2
	}, 10*time.Second, 10*time.Millisecond)
}

// TestTemplatesStorageMissing: Start fails naming the key when the
// extension is not there.
func TestTemplatesStorageMissing(t *testing.T) {
	id := component.MustNewID("file_storage")
	h := newHarness(t, func(cfg *Config) { cfg.Templates.Storage = &id })
	err := h.p.Start(context.Background(), componentHostNone{})
	require.EqualError(t, err, `templates.storage: storage: extension "file_storage" not found`)
}

type componentHostNone struct{}

func (componentHostNone) GetExtensions() map[component.ID]component.Component { return nil }

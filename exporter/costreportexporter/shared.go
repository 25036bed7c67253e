package costreportexporter // import "github.com/quell-otel/quell/exporter/costreportexporter"

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/exporter"
	"go.uber.org/zap"

	"github.com/quell-otel/quell/exporter/costreportexporter/internal/metadata"
)

// registry is held by the factory: one shared ledger per report directory,
// reference-counted by the exporters (every signal of every instance) that
// use it. The first Start opens it, the last Shutdown writes and closes it.
type registry struct {
	clock   func() time.Time
	mu      sync.Mutex
	ledgers map[string]*sharedLedger
}

func newRegistry(clock func() time.Time) *registry {
	return &registry{clock: clock, ledgers: map[string]*sharedLedger{}}
}

// sharedLedger is one directory's ledger and its writer.
type sharedLedger struct {
	dir    string
	cfg    *Config
	owner  component.ID
	refs   int
	ledger *ledger
	// patterns is nil when patterns.max_patterns is 0.
	patterns *patternBook
	report   report
	store    stateStore
	logger   *zap.Logger
	tb       *metadata.TelemetryBuilder
	clock    func() time.Time

	flushMu sync.Mutex
	stop    chan struct{}
	done    chan struct{}
}

func (r *registry) acquire(ctx context.Context, host component.Host, set exporter.Settings, cfg *Config, tb *metadata.TelemetryBuilder) (*sharedLedger, error) {
	dir, err := filepath.Abs(cfg.Directory)
	if err != nil {
		return nil, fmt.Errorf("directory: %w", err)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if sl := r.ledgers[dir]; sl != nil {
		a, b := *sl.cfg, *cfg
		a.Directory, b.Directory = dir, dir
		if !sameReport(&a, &b) {
			return nil, fmt.Errorf("directory: %q is already used by %s with different settings; instances sharing a report directory may differ only in stage", cfg.Directory, sl.owner)
		}
		sl.refs++
		return sl, nil
	}
	cal, err := newCalendar(cfg.Timezone)
	if err != nil {
		return nil, fmt.Errorf("timezone: %w", err)
	}
	// Fail at start, naming the key, rather than at the first flush.
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("directory: %w", err)
	}
	if err := writeMetadata(dir, focusVersions[cfg.FocusVersion]); err != nil {
		return nil, fmt.Errorf("directory: %w", err)
	}
	sl := &sharedLedger{
		dir:    dir,
		cfg:    cfg,
		owner:  set.ID,
		refs:   1,
		ledger: newLedger(cfg.maxKeys(), cal),
		report: newReport(cfg),
		logger: set.Logger,
		tb:     tb,
		clock:  r.clock,
		stop:   make(chan struct{}),
		done:   make(chan struct{}),
	}
	if cfg.Patterns.MaxPatterns > 0 {
		sl.patterns = newPatternBook(cfg, cal)
	}
	if err := sl.openStore(ctx, host, cal); err != nil {
		return nil, err
	}
	go sl.run(cfg.flushInterval())
	r.ledgers[dir] = sl
	return sl, nil
}

// openStore opens the state store (storage extension or the report
// directory's state file) and restores what it holds.
func (sl *sharedLedger) openStore(ctx context.Context, host component.Host, cal *calendar) error {
	if sl.cfg.Storage != nil {
		store, err := newStorageStore(ctx, host, *sl.cfg.Storage, sl.dir)
		if err != nil {
			return err
		}
		sl.store = store
	} else {
		sl.store = dirStore{path: filepath.Join(sl.dir, stateFileName)}
	}
	data, err := sl.store.load(ctx)
	if err != nil {
		return errors.Join(fmt.Errorf("loading cost ledger state from %s: %w", sl.store, err), sl.store.close(ctx))
	}
	if data != nil {
		sl.restore(ctx, data, cal)
	}
	return nil
}

// restore restores the ledger and the pattern table from a saved state.
// A state we cannot read must not stop the collector: it is set aside for
// inspection and the ledger starts empty. A pattern table that cannot be
// read (another version or zone) is dropped with a warning: the ledger,
// which bills, is kept.
func (sl *sharedLedger) restore(ctx context.Context, state []byte, cal *calendar) {
	if err := sl.ledger.restore(state, sl.clock()); err != nil {
		sl.logger.Error("Cost ledger state unreadable; set aside, starting empty",
			zap.String("state", sl.store.String()), zap.Error(err))
		sl.ledger = newLedger(sl.cfg.maxKeys(), cal)
		if derr := sl.store.discard(ctx); derr != nil {
			sl.logger.Error("Could not set the unreadable state aside", zap.Error(derr))
		}
		return
	}
	if sl.patterns == nil {
		return
	}
	if err := sl.patterns.restore(state); err != nil {
		sl.logger.Warn("Log pattern table not restored; starting it empty",
			zap.String("state", sl.store.String()), zap.Error(err))
	}
}

func (r *registry) release(ctx context.Context, sl *sharedLedger) error {
	r.mu.Lock()
	sl.refs--
	if sl.refs > 0 {
		r.mu.Unlock()
		return nil
	}
	delete(r.ledgers, sl.dir)
	r.mu.Unlock()
	close(sl.stop)
	<-sl.done
	// The last one out writes the partial period and the state.
	err := sl.flush(ctx)
	return errors.Join(err, sl.store.close(ctx))
}

func (sl *sharedLedger) run(every time.Duration) {
	defer close(sl.done)
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-sl.stop:
			return
		case <-t.C:
			if err := sl.flush(context.Background()); err != nil {
				sl.logger.Warn("Writing cost reports failed", zap.Error(err))
			}
		}
	}
}

// flush saves the state, then writes the reports of every period that
// changed, then forgets the closed periods once written (saving again). The
// state is saved first so that it is never older than a report on disk: a
// crash between the two loses nothing, as a restored state marks its
// periods dirty and the next flush rewrites their reports.
func (sl *sharedLedger) flush(ctx context.Context) error {
	sl.flushMu.Lock()
	defer sl.flushMu.Unlock()
	snap := sl.ledger.takeSnapshot()
	var errs []error
	if len(snap.Hours) > 0 || len(snap.Days) > 0 {
		errs = append(errs, sl.saveState(ctx))
	}
	for i := range snap.Hours {
		p := &snap.Hours[i]
		if err := sl.writePeriod(ctx, p, filepath.Join(sl.dir, "hourly")); err != nil {
			errs = append(errs, err)
			sl.ledger.markDirty(p)
		}
	}
	for i := range snap.Days {
		p := &snap.Days[i]
		if err := sl.writePeriod(ctx, p, filepath.Join(sl.dir, "daily")); err != nil {
			errs = append(errs, err)
			sl.ledger.markDirty(p)
		}
	}
	if sl.ledger.prune(sl.clock()) {
		errs = append(errs, sl.saveState(ctx))
	}
	if sl.patterns != nil {
		sl.patterns.prune(sl.ledger.hasDay)
	}
	return errors.Join(errs...)
}

// saveState saves the ledger and the pattern table in one write. They
// are encoded one after the other, each under its own lock, so the table
// may hold a batch more or less than the ledger: it ranks and advises,
// the ledger bills.
func (sl *sharedLedger) saveState(ctx context.Context) error {
	var patterns []byte
	var err error
	if sl.patterns != nil {
		patterns, err = sl.patterns.encode()
	}
	var state []byte
	if err == nil {
		state, err = sl.ledger.encode(patterns)
	}
	if err == nil {
		err = sl.store.save(ctx, state)
	}
	if err != nil {
		sl.tb.CostReportReportWriteErrors.Add(ctx, 1)
		return fmt.Errorf("saving cost ledger state to %s: %w", sl.store, err)
	}
	return nil
}

func (sl *sharedLedger) writePeriod(ctx context.Context, p *period, dir string) error {
	rows := sl.report.rows(p)
	csvData, err := sl.report.csv(rows)
	if err != nil {
		return err
	}
	sum := sl.report.summarize(p, rows, p.Name+".csv")
	jsonData, err := json.MarshalIndent(sum, "", "  ")
	if err != nil {
		return err
	}
	files := []struct {
		name string
		data []byte
	}{{p.Name + ".csv", csvData}, {p.Name + ".json", jsonData}}
	var pr *patternReport
	if d, ok := sl.patternDay(p); ok {
		r := sl.report.patterns(p, &d)
		pr = &r
		data, err := json.MarshalIndent(r, "", "  ")
		if err != nil {
			return err
		}
		files = append(files, struct {
			name string
			data []byte
		}{"log-patterns-" + strings.TrimPrefix(p.Name, "focus-") + ".json", data})
	}
	if p.HTML != "" {
		var trend []trendDay
		if p.set != nil {
			trend = loadTrend(dir, p.set.cal, p.Start.Unix(), &sum)
		}
		page, err := sl.report.html(p, &sum, rows, pr, trend)
		if err != nil {
			return err
		}
		files = append(files, struct {
			name string
			data []byte
		}{p.HTML, page})
	}
	var errs []error
	for _, f := range files {
		if err := writeAtomic(filepath.Join(dir, f.name), f.data); err != nil {
			sl.tb.CostReportReportWriteErrors.Add(ctx, 1)
			errs = append(errs, err)
			continue
		}
		sl.tb.CostReportReportsWritten.Add(ctx, 1)
	}
	return errors.Join(errs...)
}

// patternDay returns the pattern table of a day of the running zone.
func (sl *sharedLedger) patternDay(p *period) (patternDay, bool) {
	if sl.patterns == nil || p.Hourly || p.set == nil || p.set.foreign {
		return patternDay{}, false
	}
	return sl.patterns.day(p.Start.Unix())
}

// writeMetadata writes the FOCUS metadata of the configured version into
// <dir>/metadata/ (see focusmetadata.go).
func writeMetadata(dir string, f *focusSpec) error {
	files, err := f.metadataFiles()
	if err != nil {
		return err
	}
	for _, m := range files {
		if err := writeAtomic(filepath.Join(dir, m.name), m.data); err != nil {
			return err
		}
	}
	return nil
}

package costreportexporter // import "github.com/quell-otel/quell/exporter/costreportexporter"

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"
)

// signal is the telemetry signal a key belongs to.
type signal uint8

const (
	signalTraces signal = iota
	signalLogs
	signalMetrics
	numSignals
)

func (s signal) String() string {
	switch s {
	case signalTraces:
		return "traces"
	case signalLogs:
		return "logs"
	default:
		return "metrics"
	}
}

func parseSignal(s string) (signal, error) {
	switch s {
	case "traces":
		return signalTraces, nil
	case "logs":
		return signalLogs, nil
	case "metrics":
		return signalMetrics, nil
	}
	return 0, fmt.Errorf("unknown signal %q", s)
}

// overflowValue names the key that absorbs volume beyond max_keys.
const overflowValue = "_overflow"

// costKey is what one FOCUS row pair is about.
type costKey struct {
	Team    string
	Service string
	Env     string
	Signal  signal
	// Extra holds the values of keys.extra_attributes in config order,
	// joined by extraSep; empty without extra attributes.
	Extra string
}

const extraSep = "\x1f"

func (k costKey) less(o costKey) bool {
	if k.Team != o.Team {
		return k.Team < o.Team
	}
	if k.Service != o.Service {
		return k.Service < o.Service
	}
	if k.Env != o.Env {
		return k.Env < o.Env
	}
	if k.Signal != o.Signal {
		return k.Signal < o.Signal
	}
	return k.Extra < o.Extra
}

// volume is a count of records and their OTLP protobuf bytes.
type volume struct {
	Records int64
	Bytes   int64
}

// tally is the volume of one key in one hour at both stages.
type tally struct {
	In  volume
	Out volume
}

// meterEntry is one resource's contribution to a key.
type meterEntry struct {
	key costKey
	vol volume
}

// buckets are the tallies of several periods of one length.
type buckets struct {
	m     map[int64]map[costKey]*tally // key: Unix seconds of the period start
	dirty map[int64]struct{}
}

func newBuckets() buckets {
	return buckets{m: map[int64]map[costKey]*tally{}, dirty: map[int64]struct{}{}}
}

func (b *buckets) bucket(start int64) map[costKey]*tally {
	keys := b.m[start]
	if keys == nil {
		keys = map[costKey]*tally{}
		b.m[start] = keys
	}
	b.dirty[start] = struct{}{}
	return keys
}

func (b *buckets) sortedStarts() []int64 {
	starts := make([]int64, 0, len(b.m))
	for s := range b.m {
		starts = append(starts, s)
	}
	sort.Slice(starts, func(i, j int) bool { return starts[i] < starts[j] })
	return starts
}

// ledger holds the tallies of the hours and days that are still open or
// not yet written. Each metered volume goes into its hour and its day, so a
// closed hour can be forgotten once written while its day keeps the total.
type ledger struct {
	mu      sync.Mutex
	maxKeys int
	hours   buckets
	days    buckets
	// exported[s] is set once a stage=exported meter for signal s shares this
	// ledger: the signal is then billed on its exported volume, otherwise on
	// its ingested volume.
	exported [numSignals]bool
}

func newLedger(maxKeys int) *ledger {
	return &ledger{maxKeys: maxKeys, hours: newBuckets(), days: newBuckets()}
}

func hourOf(t time.Time) int64 {
	u := t.Unix()
	return u - u%3600
}

func dayOf(start int64) int64 { return start - start%86400 }

func overflowKey(s signal) costKey {
	return costKey{Team: overflowValue, Service: overflowValue, Env: overflowValue, Signal: s}
}

// slot returns the tally of key in keys, creating it (with its own copy of
// the key's strings, which outlive the batch) or, when keys is full, the
// overflow key's tally.
func (l *ledger) slot(keys map[costKey]*tally, key *costKey, owned *costKey) (t *tally, overflowed bool) {
	if t = keys[*key]; t != nil {
		return t, false
	}
	k := overflowKey(key.Signal)
	if len(keys) < l.maxKeys {
		if owned.Service == "" {
			*owned = costKey{
				Team: strings.Clone(key.Team), Service: strings.Clone(key.Service),
				Env: strings.Clone(key.Env), Signal: key.Signal, Extra: strings.Clone(key.Extra),
			}
		}
		k = *owned
	} else {
		overflowed = true
		if t = keys[k]; t != nil {
			return t, true
		}
	}
	t = &tally{}
	keys[k] = t
	return t, overflowed
}

func (t *tally) add(stage Stage, v volume) {
	if stage == StageIngested {
		t.In.Records += v.Records
		t.In.Bytes += v.Bytes
	} else {
		t.Out.Records += v.Records
		t.Out.Bytes += v.Bytes
	}
}

// add meters entries at one stage into the hour starting at hour and its
// day. It returns the records that went to an overflow key.
func (l *ledger) add(stage Stage, hour int64, entries []meterEntry) (overflow int64) {
	l.mu.Lock()
	defer l.mu.Unlock()
	hk := l.hours.bucket(hour)
	dk := l.days.bucket(dayOf(hour))
	for i := range entries {
		e := &entries[i]
		var owned costKey
		th, o1 := l.slot(hk, &e.key, &owned)
		td, o2 := l.slot(dk, &e.key, &owned)
		th.add(stage, e.vol)
		td.add(stage, e.vol)
		if o1 || o2 {
			overflow += e.vol.Records
		}
	}
	return overflow
}

func (l *ledger) markExported(s signal) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.exported[s] = true
}

func (l *ledger) keysIn(hour int64) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.hours.m[hour])
}

// period is one charge period's tallies, copied out of the ledger.
type period struct {
	Start, End time.Time
	Tallies    map[costKey]tally
	Exported   [numSignals]bool
}

func (p *period) sortedKeys() []costKey {
	keys := make([]costKey, 0, len(p.Tallies))
	for k := range p.Tallies {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return keys[i].less(keys[j]) })
	return keys
}

// snapshot is what one flush writes: the hours and days that changed.
type snapshot struct {
	Hours []period
	Days  []period
}

func (l *ledger) copyLocked(b *buckets, length int64) []period {
	var out []period
	for _, start := range b.sortedStarts() {
		if _, ok := b.dirty[start]; !ok {
			continue
		}
		p := period{
			Start:    time.Unix(start, 0).UTC(),
			End:      time.Unix(start+length, 0).UTC(),
			Tallies:  make(map[costKey]tally, len(b.m[start])),
			Exported: l.exported,
		}
		for k, t := range b.m[start] {
			p.Tallies[k] = *t
		}
		out = append(out, p)
	}
	clear(b.dirty)
	return out
}

// takeSnapshot copies the hours and days that changed since the last one.
func (l *ledger) takeSnapshot() snapshot {
	l.mu.Lock()
	defer l.mu.Unlock()
	return snapshot{Hours: l.copyLocked(&l.hours, 3600), Days: l.copyLocked(&l.days, 86400)}
}

// markDirty asks the next flush to write a period again (after a failed
// write); hour says which kind of period start is.
func (l *ledger) markDirty(start int64, hour bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	b := &l.days
	if hour {
		b = &l.hours
	}
	if _, ok := b.m[start]; ok {
		b.dirty[start] = struct{}{}
	}
}

// prune forgets the closed hours and days that have been written, and
// reports whether it forgot any.
func (l *ledger) prune(now time.Time) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	hour := hourOf(now)
	pruned := false
	for _, p := range []struct {
		b    *buckets
		open int64
	}{{&l.hours, hour}, {&l.days, dayOf(hour)}} {
		for start := range p.b.m {
			if _, dirty := p.b.dirty[start]; start < p.open && !dirty {
				delete(p.b.m, start)
				pruned = true
			}
		}
	}
	return pruned
}

// ledgerState is the durable form of the ledger.
type ledgerState struct {
	Version  int           `json:"version"`
	Exported []string      `json:"billed_on_exported"`
	Hours    []statePeriod `json:"hours"`
	Days     []statePeriod `json:"days"`
}

type statePeriod struct {
	Start string     `json:"start"`
	Keys  []stateKey `json:"keys"`
}

type stateKey struct {
	Team            string `json:"team"`
	Service         string `json:"service"`
	Environment     string `json:"environment"`
	Signal          string `json:"signal"`
	Extra           string `json:"extra,omitempty"`
	IngestedRecords int64  `json:"ingested_records"`
	IngestedBytes   int64  `json:"ingested_bytes"`
	ExportedRecords int64  `json:"exported_records"`
	ExportedBytes   int64  `json:"exported_bytes"`
}

func encodeBuckets(b *buckets) []statePeriod {
	out := []statePeriod{}
	for _, start := range b.sortedStarts() {
		p := period{Tallies: map[costKey]tally{}}
		for k, t := range b.m[start] {
			p.Tallies[k] = *t
		}
		sp := statePeriod{Start: time.Unix(start, 0).UTC().Format(time.RFC3339), Keys: []stateKey{}}
		for _, k := range p.sortedKeys() {
			t := p.Tallies[k]
			sp.Keys = append(sp.Keys, stateKey{
				Team: k.Team, Service: k.Service, Environment: k.Env, Signal: k.Signal.String(), Extra: k.Extra,
				IngestedRecords: t.In.Records, IngestedBytes: t.In.Bytes,
				ExportedRecords: t.Out.Records, ExportedBytes: t.Out.Bytes,
			})
		}
		out = append(out, sp)
	}
	return out
}

// encode returns the durable state: every hour and day the ledger holds.
func (l *ledger) encode() ([]byte, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	st := ledgerState{Version: 1, Exported: []string{}, Hours: encodeBuckets(&l.hours), Days: encodeBuckets(&l.days)}
	for s := range numSignals {
		if l.exported[s] {
			st.Exported = append(st.Exported, s.String())
		}
	}
	return json.Marshal(st)
}

func restoreBuckets(b *buckets, periods []statePeriod, length int64) error {
	for _, sp := range periods {
		start, err := time.Parse(time.RFC3339, sp.Start)
		if err != nil {
			return fmt.Errorf("ledger state period %q: %w", sp.Start, err)
		}
		u := start.Unix()
		if u%length != 0 {
			return fmt.Errorf("ledger state period %q: not aligned", sp.Start)
		}
		keys := b.bucket(u)
		for _, sk := range sp.Keys {
			s, err := parseSignal(sk.Signal)
			if err != nil {
				return fmt.Errorf("ledger state period %q: %w", sp.Start, err)
			}
			k := costKey{Team: sk.Team, Service: sk.Service, Env: sk.Environment, Signal: s, Extra: sk.Extra}
			t := keys[k]
			if t == nil {
				t = &tally{}
				keys[k] = t
			}
			t.In.Records += sk.IngestedRecords
			t.In.Bytes += sk.IngestedBytes
			t.Out.Records += sk.ExportedRecords
			t.Out.Bytes += sk.ExportedBytes
		}
	}
	return nil
}

// restore adds a saved state to the ledger and marks its periods dirty, so
// their reports are rewritten (and closed ones finished) at the next flush.
func (l *ledger) restore(data []byte) error {
	var st ledgerState
	if err := json.Unmarshal(data, &st); err != nil {
		return fmt.Errorf("decoding ledger state: %w", err)
	}
	if st.Version != 1 {
		return fmt.Errorf("ledger state version %d is not supported", st.Version)
	}
	// billed_on_exported is informative only: which signals are billed on
	// their exported volume follows the running configuration (the
	// stage=exported meters that start), not an earlier one.
	for _, name := range st.Exported {
		if _, err := parseSignal(name); err != nil {
			return fmt.Errorf("ledger state billed_on_exported: %w", err)
		}
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if err := restoreBuckets(&l.hours, st.Hours, 3600); err != nil {
		return err
	}
	return restoreBuckets(&l.days, st.Days, 86400)
}

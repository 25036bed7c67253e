package costreportexporter // import "github.com/quell-otel/quell/exporter/costreportexporter"

import (
	"encoding/json"
	"fmt"
	"math"
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

// periodSet holds the periods of one length (hours or days) of one
// calendar.
type periodSet struct {
	buckets
	cal    *calendar
	hourly bool
	// foreign sets hold periods restored from a state written under another
	// time zone that no period of the running zone can take: nothing is
	// added to them, they are written once more under their own zone and
	// names, then dropped.
	foreign bool
}

func newPeriodSet(cal *calendar, hourly, foreign bool) *periodSet {
	return &periodSet{buckets: newBuckets(), cal: cal, hourly: hourly, foreign: foreign}
}

// startOf returns the start of the period holding instant u.
func (ps *periodSet) startOf(u int64) int64 {
	if ps.hourly {
		return ps.cal.hourStart(u)
	}
	return ps.cal.dayStart(u)
}

func (ps *periodSet) end(start int64) int64 {
	if ps.hourly {
		return ps.cal.hourEnd(start)
	}
	return ps.cal.dayEnd(start)
}

// name is the base name of the period's files.
func (ps *periodSet) name(start int64) string {
	if ps.hourly {
		return ps.cal.hourlyName(start)
	}
	return ps.cal.dailyName(start)
}

// span is a period's start (inclusive) and end (exclusive), Unix seconds.
type span struct{ start, end int64 }

// ledger holds the tallies of the hours and days that are still open or
// not yet written. Each metered volume goes into its hour and its day, so a
// closed hour can be forgotten once written while its day keeps the total.
type ledger struct {
	mu      sync.Mutex
	maxKeys int
	cal     *calendar
	hours   *periodSet
	days    *periodSet
	foreign []*periodSet
	// exported[s] is set once a stage=exported meter for signal s shares this
	// ledger: the signal is then billed on its exported volume, otherwise on
	// its ingested volume.
	exported [numSignals]bool
	// The open hour and day, so metering finds them without zone arithmetic.
	hour, day span
}

func newLedger(maxKeys int, cal *calendar) *ledger {
	return &ledger{maxKeys: maxKeys, cal: cal, hours: newPeriodSet(cal, true, false), days: newPeriodSet(cal, false, false)}
}

// periodsAt returns the starts of the hour and the day holding instant u.
// l.mu must be held.
func (l *ledger) periodsAt(u int64) (hour, day int64) {
	if u < l.hour.start || u >= l.hour.end {
		s := l.cal.hourStart(u)
		l.hour = span{s, l.cal.hourEnd(s)}
	}
	if u < l.day.start || u >= l.day.end {
		s := l.cal.dayStart(u)
		l.day = span{s, l.cal.dayEnd(s)}
	}
	return l.hour.start, l.day.start
}

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

// add meters entries at one stage into the hour and the day holding now.
// It returns the records that went to an overflow key.
func (l *ledger) add(stage Stage, now time.Time, entries []meterEntry) (overflow int64) {
	l.mu.Lock()
	defer l.mu.Unlock()
	hour, day := l.periodsAt(now.Unix())
	hk := l.hours.bucket(hour)
	dk := l.days.bucket(day)
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

// billedOnExported reports whether signal s is billed on its exported
// volume (a stage=exported meter for it shares the ledger).
func (l *ledger) billedOnExported(s signal) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.exported[s]
}

// keysAt returns the keys the hour holding now has.
func (l *ledger) keysAt(now time.Time) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	hour, _ := l.periodsAt(now.Unix())
	return len(l.hours.m[hour])
}

// period is one charge period's tallies, copied out of the ledger.
type period struct {
	// Start and End bound the charge period (UTC instants).
	Start, End time.Time
	// BillingStart and BillingEnd bound the calendar month of its day.
	BillingStart, BillingEnd time.Time
	// TimeZone is the zone whose hours, days and months these are.
	TimeZone string
	// Day is the local date of the period's day; Name the base name of its
	// files; HTML the name of its page (days only).
	Day, Name, HTML string
	// Hourly is set on an hour, clear on a day.
	Hourly   bool
	Tallies  map[costKey]tally
	Exported [numSignals]bool

	set *periodSet
}

// sortedKeys returns the keys of tallies (a period's or a bucket's) in
// report order.
func sortedKeys[T any](tallies map[costKey]T) []costKey {
	keys := make([]costKey, 0, len(tallies))
	for k := range tallies {
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

func (l *ledger) copyLocked(ps *periodSet, out []period) []period {
	for _, start := range ps.sortedStarts() {
		if _, ok := ps.dirty[start]; !ok {
			continue
		}
		day := start
		if ps.hourly {
			day = ps.cal.dayStart(start)
		}
		p := period{
			Start:    time.Unix(start, 0).UTC(),
			End:      time.Unix(ps.end(start), 0).UTC(),
			TimeZone: ps.cal.name,
			Day:      ps.cal.dayLabel(day),
			Name:     ps.name(start),
			Hourly:   ps.hourly,
			Tallies:  make(map[costKey]tally, len(ps.m[start])),
			Exported: l.exported,
			set:      ps,
		}
		p.BillingStart, p.BillingEnd = ps.cal.billingPeriod(day)
		if !ps.hourly {
			p.HTML = ps.cal.htmlName(start)
		}
		for k, t := range ps.m[start] {
			p.Tallies[k] = *t
		}
		out = append(out, p)
	}
	clear(ps.dirty)
	return out
}

// sets returns every period set: the running zone's, then foreign ones.
func (l *ledger) sets() []*periodSet {
	return append([]*periodSet{l.hours, l.days}, l.foreign...)
}

// takeSnapshot copies the hours and days that changed since the last one.
func (l *ledger) takeSnapshot() snapshot {
	l.mu.Lock()
	defer l.mu.Unlock()
	var snap snapshot
	for _, ps := range l.sets() {
		if ps.hourly {
			snap.Hours = l.copyLocked(ps, snap.Hours)
		} else {
			snap.Days = l.copyLocked(ps, snap.Days)
		}
	}
	return snap
}

// markDirty asks the next flush to write a period again (after a failed
// write).
func (l *ledger) markDirty(p *period) {
	l.mu.Lock()
	defer l.mu.Unlock()
	start := p.Start.Unix()
	if _, ok := p.set.m[start]; ok {
		p.set.dirty[start] = struct{}{}
	}
}

// prune forgets the closed hours and days that have been written, and the
// written periods of foreign zones, and reports whether it forgot any.
func (l *ledger) prune(now time.Time) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	hour, day := l.periodsAt(now.Unix())
	pruned := false
	for _, ps := range l.sets() {
		open := day
		switch {
		case ps.foreign:
			open = math.MaxInt64 // nothing is open in a foreign zone
		case ps.hourly:
			open = hour
		}
		for start := range ps.m {
			if _, dirty := ps.dirty[start]; start < open && !dirty {
				delete(ps.m, start)
				pruned = true
			}
		}
	}
	kept := l.foreign[:0]
	for _, ps := range l.foreign {
		if len(ps.m) > 0 {
			kept = append(kept, ps)
		}
	}
	clear(l.foreign[len(kept):])
	l.foreign = kept
	return pruned
}

// hasDay reports whether the running zone's day starting at start is
// still held.
func (l *ledger) hasDay(start int64) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	_, ok := l.days.m[start]
	return ok
}

// ledgerState is the durable form of the ledger.
type ledgerState struct {
	Version int `json:"version"`
	// TimeZone is the zone the periods were cut in; absent (states written
	// before the option existed) means UTC.
	TimeZone string        `json:"time_zone,omitempty"`
	Exported []string      `json:"billed_on_exported"`
	Hours    []statePeriod `json:"hours"`
	Days     []statePeriod `json:"days"`
	// Patterns is the log pattern table (patternState), saved with the
	// ledger by one write; the ledger does not read it.
	Patterns json.RawMessage `json:"patterns,omitempty"`
}

type statePeriod struct {
	Start string `json:"start"`
	// TimeZone is set on a period of another zone than the state's: one
	// restored from an earlier zone and not yet written.
	TimeZone string     `json:"time_zone,omitempty"`
	Keys     []stateKey `json:"keys"`
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

func encodeSet(ps *periodSet, zone string, out []statePeriod) []statePeriod {
	for _, start := range ps.sortedStarts() {
		tallies := ps.m[start]
		sp := statePeriod{Start: time.Unix(start, 0).UTC().Format(time.RFC3339), Keys: []stateKey{}}
		if ps.cal.name != zone {
			sp.TimeZone = ps.cal.name
		}
		for _, k := range sortedKeys(tallies) {
			t := tallies[k]
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

// encode returns the durable state: every hour and day the ledger holds,
// and patterns (nil: none) as they are.
func (l *ledger) encode(patterns json.RawMessage) ([]byte, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	st := ledgerState{Version: 1, Exported: []string{}, Hours: []statePeriod{}, Days: []statePeriod{}, Patterns: patterns}
	if !l.cal.utc {
		st.TimeZone = l.cal.name // a UTC state reads as before time zones
	}
	for _, ps := range l.sets() {
		if ps.hourly {
			st.Hours = encodeSet(ps, l.cal.name, st.Hours)
		} else {
			st.Days = encodeSet(ps, l.cal.name, st.Days)
		}
	}
	for s := range numSignals {
		if l.exported[s] {
			st.Exported = append(st.Exported, s.String())
		}
	}
	return json.Marshal(st)
}

// setFor returns the set a restored period starting at start goes to; old
// describes the restored period's zone and length (it holds no periods).
// A period of another zone than the running one joins the running zone's
// period of the same file name, which starts at the same instant (the
// names carry the offset), when that period also holds all the restored
// volume, metered before now; otherwise it stays a period of its own
// zone, to be written once more and dropped. Either way its files keep
// their name, so none is left behind with a stale copy of the volume, and
// no row's charge period misses any of its volume. l.mu must be held.
func (l *ledger) setFor(old *periodSet, start, now int64) *periodSet {
	cur := l.days
	if old.hourly {
		cur = l.hours
	}
	if old.cal.name == l.cal.name {
		return cur
	}
	if cur.startOf(start) == start && cur.name(start) == old.name(start) && cur.end(start) >= min(old.end(start), now) {
		return cur
	}
	for _, ps := range l.foreign {
		if ps.cal.name == old.cal.name && ps.hourly == old.hourly {
			return ps
		}
	}
	ps := newPeriodSet(old.cal, old.hourly, true)
	l.foreign = append(l.foreign, ps)
	return ps
}

func (l *ledger) restorePeriods(periods []statePeriod, hourly bool, zone string, cals map[string]*calendar, now int64) error {
	for _, sp := range periods {
		name := zone
		if sp.TimeZone != "" {
			name = sp.TimeZone
		}
		cal := cals[name]
		if cal == nil {
			var err error
			if cal, err = newCalendar(name); err != nil {
				return fmt.Errorf("ledger state period %q: time zone: %w", sp.Start, err)
			}
			cals[name] = cal
		}
		start, err := time.Parse(time.RFC3339, sp.Start)
		if err != nil {
			return fmt.Errorf("ledger state period %q: %w", sp.Start, err)
		}
		u := start.Unix()
		old := &periodSet{cal: cal, hourly: hourly}
		if old.startOf(u) != u {
			return fmt.Errorf("ledger state period %q: not the start of a period in %s", sp.Start, cal.name)
		}
		keys := l.setFor(old, u, now).bucket(u)
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
// now is when the restore happens: no restored volume is later than that.
func (l *ledger) restore(data []byte, now time.Time) error {
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
	zone := st.TimeZone
	if zone == "" {
		zone = "UTC"
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	cals := map[string]*calendar{l.cal.name: l.cal}
	if err := l.restorePeriods(st.Hours, true, zone, cals, now.Unix()); err != nil {
		return err
	}
	return l.restorePeriods(st.Days, false, zone, cals, now.Unix())
}

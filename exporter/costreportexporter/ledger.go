package costreportexporter // import "github.com/quell-otel/quell/exporter/costreportexporter"

import (
	"encoding/json"
	"fmt"
	"sort"
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

func (t *tally) addTo(o *tally) {
	o.In.Records += t.In.Records
	o.In.Bytes += t.In.Bytes
	o.Out.Records += t.Out.Records
	o.Out.Bytes += t.Out.Bytes
}

// meterEntry is one resource's contribution to a key.
type meterEntry struct {
	key costKey
	vol volume
}

// ledger holds the hourly tallies of the periods that are still open or not
// yet written. Days are rolled up from their hours when reports are written.
type ledger struct {
	mu      sync.Mutex
	maxKeys int
	hours   map[int64]map[costKey]*tally // key: Unix seconds of the hour start
	dirty   map[int64]struct{}
	// exported[s] is set once a stage=exported meter for signal s shares this
	// ledger: the signal is then billed on its exported volume, otherwise on
	// its ingested volume.
	exported [numSignals]bool
}

func newLedger(maxKeys int) *ledger {
	return &ledger{
		maxKeys: maxKeys,
		hours:   map[int64]map[costKey]*tally{},
		dirty:   map[int64]struct{}{},
	}
}

func hourOf(t time.Time) int64 {
	u := t.Unix()
	return u - u%3600
}

// add meters entries at one stage into the hour starting at hour. It
// returns the records that went to the overflow key.
func (l *ledger) add(stage Stage, hour int64, entries []meterEntry) (overflow int64) {
	l.mu.Lock()
	defer l.mu.Unlock()
	keys := l.hours[hour]
	if keys == nil {
		keys = map[costKey]*tally{}
		l.hours[hour] = keys
	}
	l.dirty[hour] = struct{}{}
	for i := range entries {
		e := &entries[i]
		t := keys[e.key]
		if t == nil {
			k := e.key
			if len(keys) >= l.maxKeys {
				k = costKey{Team: overflowValue, Service: overflowValue, Env: overflowValue, Signal: e.key.Signal}
				overflow += e.vol.Records
				t = keys[k]
			}
			if t == nil {
				t = &tally{}
				keys[k] = t
			}
		}
		if stage == StageIngested {
			t.In.Records += e.vol.Records
			t.In.Bytes += e.vol.Bytes
		} else {
			t.Out.Records += e.vol.Records
			t.Out.Bytes += e.vol.Bytes
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
	return len(l.hours[hour])
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

// snapshot is what one flush writes: the dirty hours and the days holding them.
type snapshot struct {
	Hours []period
	Days  []period
	State []byte
}

func dayOf(hour int64) int64 { return hour - hour%86400 }

// takeSnapshot copies the dirty hours and their days, clears the dirty set,
// forgets hours of days before now's day once they have been copied, and
// encodes the remaining state. changed is false when nothing was dirty.
func (l *ledger) takeSnapshot(now time.Time) (s snapshot, changed bool, err error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	changed = len(l.dirty) > 0
	days := map[int64]struct{}{}
	for h := range l.dirty {
		s.Hours = append(s.Hours, l.periodLocked([]int64{h}, h, h+3600))
		days[dayOf(h)] = struct{}{}
	}
	sort.Slice(s.Hours, func(i, j int) bool { return s.Hours[i].Start.Before(s.Hours[j].Start) })
	dayList := make([]int64, 0, len(days))
	for d := range days {
		dayList = append(dayList, d)
	}
	sort.Slice(dayList, func(i, j int) bool { return dayList[i] < dayList[j] })
	for _, d := range dayList {
		var hs []int64
		for h := range l.hours {
			if dayOf(h) == d {
				hs = append(hs, h)
			}
		}
		s.Days = append(s.Days, l.periodLocked(hs, d, d+86400))
	}
	clear(l.dirty)
	today := dayOf(now.Unix())
	for h := range l.hours {
		if dayOf(h) < today {
			delete(l.hours, h)
			changed = true
		}
	}
	s.State, err = l.encodeLocked()
	return s, changed, err
}

func (l *ledger) periodLocked(hours []int64, start, end int64) period {
	p := period{
		Start:    time.Unix(start, 0).UTC(),
		End:      time.Unix(end, 0).UTC(),
		Tallies:  map[costKey]tally{},
		Exported: l.exported,
	}
	for _, h := range hours {
		for k, t := range l.hours[h] {
			sum := p.Tallies[k]
			t.addTo(&sum)
			p.Tallies[k] = sum
		}
	}
	return p
}

// ledgerState is the durable form of the ledger.
type ledgerState struct {
	Version  int         `json:"version"`
	Exported []string    `json:"billed_on_exported"`
	Hours    []stateHour `json:"hours"`
}

type stateHour struct {
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

func (l *ledger) encodeLocked() ([]byte, error) {
	st := ledgerState{Version: 1, Exported: []string{}, Hours: []stateHour{}}
	for s := range numSignals {
		if l.exported[s] {
			st.Exported = append(st.Exported, s.String())
		}
	}
	hours := make([]int64, 0, len(l.hours))
	for h := range l.hours {
		hours = append(hours, h)
	}
	sort.Slice(hours, func(i, j int) bool { return hours[i] < hours[j] })
	for _, h := range hours {
		p := period{Tallies: map[costKey]tally{}}
		for k, t := range l.hours[h] {
			p.Tallies[k] = *t
		}
		sh := stateHour{Start: time.Unix(h, 0).UTC().Format(time.RFC3339)}
		for _, k := range p.sortedKeys() {
			t := p.Tallies[k]
			sh.Keys = append(sh.Keys, stateKey{
				Team: k.Team, Service: k.Service, Environment: k.Env, Signal: k.Signal.String(), Extra: k.Extra,
				IngestedRecords: t.In.Records, IngestedBytes: t.In.Bytes,
				ExportedRecords: t.Out.Records, ExportedBytes: t.Out.Bytes,
			})
		}
		st.Hours = append(st.Hours, sh)
	}
	return json.Marshal(st)
}

// restore adds a saved state to the ledger and marks its hours dirty, so
// their reports are rewritten (and closed days finished) at the next flush.
func (l *ledger) restore(data []byte) error {
	var st ledgerState
	if err := json.Unmarshal(data, &st); err != nil {
		return fmt.Errorf("decoding ledger state: %w", err)
	}
	if st.Version != 1 {
		return fmt.Errorf("ledger state version %d is not supported", st.Version)
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, name := range st.Exported {
		s, err := parseSignal(name)
		if err != nil {
			return fmt.Errorf("ledger state billed_on_exported: %w", err)
		}
		l.exported[s] = true
	}
	for _, sh := range st.Hours {
		start, err := time.Parse(time.RFC3339, sh.Start)
		if err != nil {
			return fmt.Errorf("ledger state hour %q: %w", sh.Start, err)
		}
		h := hourOf(start)
		keys := l.hours[h]
		if keys == nil {
			keys = map[costKey]*tally{}
			l.hours[h] = keys
		}
		for _, sk := range sh.Keys {
			s, err := parseSignal(sk.Signal)
			if err != nil {
				return fmt.Errorf("ledger state hour %q: %w", sh.Start, err)
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
		l.dirty[h] = struct{}{}
	}
	return nil
}

// markDirty asks the next flush to write hour again (after a failed write).
func (l *ledger) markDirty(hour int64) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if _, ok := l.hours[hour]; ok {
		l.dirty[hour] = struct{}{}
	}
}

package costreportexporter // import "github.com/quell-otel/quell/exporter/costreportexporter"

import (
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"time"
)

// patternStateVersion is the version of patternState; a state of another
// version is not read (the table then starts empty, the ledger does not).
const patternStateVersion = 1

// patternState is the durable form of the pattern table, saved as the
// "patterns" member of the ledger state, so that one atomic write keeps
// both. Arrays by stage are [ingested, exported].
type patternState struct {
	Version int `json:"version"`
	// TimeZone is the zone the days were cut in; a table of another zone
	// is not restored (its days are not the running zone's).
	TimeZone string            `json:"time_zone"`
	Days     []patternStateDay `json:"days"`
}

type patternStateDay struct {
	Start       string                `json:"start"`
	First       int64                 `json:"first"`
	Last        int64                 `json:"last"`
	Overflow    [2]stateVolume        `json:"overflow"`
	Unannotated [2]int64              `json:"unannotated"`
	Patterns    []patternStatePattern `json:"patterns"`
}

type stateVolume struct {
	Records int64 `json:"records"`
	Bytes   int64 `json:"bytes"`
}

type patternStatePattern struct {
	Service    string        `json:"service"`
	TemplateID string        `json:"template_id"`
	Template   string        `json:"template"`
	Vol        [2]patternVol `json:"by_stage"`
}

// encode returns the durable table: every day held, patterns sorted.
func (b *patternBook) encode() ([]byte, error) {
	b.mu.Lock()
	st := patternState{Version: patternStateVersion, TimeZone: b.cal.name, Days: make([]patternStateDay, 0, len(b.days))}
	for start, d := range b.days {
		st.Days = append(st.Days, d.state(start))
	}
	b.mu.Unlock()
	sort.Slice(st.Days, func(i, j int) bool { return st.Days[i].Start < st.Days[j].Start })
	return json.Marshal(st)
}

func (d *dayTable) state(start int64) patternStateDay {
	sd := patternStateDay{Start: time.Unix(start, 0).UTC().Format(time.RFC3339), First: d.first, Last: d.last,
		Unannotated: d.unannotated, Patterns: make([]patternStatePattern, 0, d.n)}
	for si, v := range d.overflow {
		sd.Overflow[si] = stateVolume(v)
	}
	for name, svc := range d.services {
		svc.each(func(s *liveStat) {
			sd.Patterns = append(sd.Patterns, patternStatePattern{Service: name, TemplateID: s.id, Template: s.Template, Vol: s.Vol})
		})
	}
	sort.Slice(sd.Patterns, func(i, j int) bool {
		a, b := &sd.Patterns[i], &sd.Patterns[j]
		return a.Service < b.Service || a.Service == b.Service && a.TemplateID < b.TemplateID
	})
	return sd
}

// restore replaces the table with the "patterns" member of a ledger
// state; a state without one leaves the table empty. Patterns beyond
// max_patterns (the setting may have shrunk) are counted as overflow.
func (b *patternBook) restore(ledgerState []byte) error {
	var doc struct {
		Patterns json.RawMessage `json:"patterns"`
	}
	if err := json.Unmarshal(ledgerState, &doc); err != nil {
		return fmt.Errorf("decoding pattern table state: %w", err)
	}
	if doc.Patterns == nil {
		return nil
	}
	var st patternState
	if err := json.Unmarshal(doc.Patterns, &st); err != nil {
		return fmt.Errorf("decoding pattern table state: %w", err)
	}
	if st.Version != patternStateVersion {
		return fmt.Errorf("pattern table state version %d is not supported", st.Version)
	}
	if st.TimeZone != b.cal.name {
		return fmt.Errorf("pattern table state cut in %q, running in %q", st.TimeZone, b.cal.name)
	}
	days := make(map[int64]*dayTable, len(st.Days))
	for i := range st.Days {
		start, d, err := b.restoreDay(&st.Days[i])
		if err != nil {
			return err
		}
		days[start] = d
	}
	b.mu.Lock()
	b.days = days
	b.mu.Unlock()
	return nil
}

func (b *patternBook) restoreDay(sd *patternStateDay) (int64, *dayTable, error) {
	t, err := time.Parse(time.RFC3339, sd.Start)
	if err != nil {
		return 0, nil, fmt.Errorf("pattern table state day %q: %w", sd.Start, err)
	}
	start := t.Unix()
	if b.cal.dayStart(start) != start {
		return 0, nil, fmt.Errorf("pattern table state day %q: not the start of a day in %s", sd.Start, b.cal.name)
	}
	d := newDayTable(sd.First)
	d.last, d.unannotated = sd.Last, sd.Unannotated
	for si, v := range sd.Overflow {
		d.overflow[si] = volume(v)
	}
	for i := range sd.Patterns {
		p := &sd.Patterns[i]
		if p.TemplateID == "" {
			return 0, nil, errors.New("pattern table state: a pattern without template_id")
		}
		svc := d.service(p.Service)
		id := parseTemplateID(p.TemplateID)
		if svc.get(id) != nil {
			return 0, nil, fmt.Errorf("pattern table state day %q: pattern %s/%s twice", sd.Start, p.Service, p.TemplateID)
		}
		if d.n >= b.max {
			for si := range p.Vol {
				d.overflow[si].Records += p.Vol[si].Records
				d.overflow[si].Bytes += p.Vol[si].Bytes
			}
			continue
		}
		svc.put(id, p.Template).Vol = p.Vol
		d.n++
	}
	return start, d, nil
}

package costreportexporter // import "github.com/quell-otel/quell/exporter/costreportexporter"

import (
	"fmt"
	"time"

	// The IANA database inside the binary: a minimal container without
	// /usr/share/zoneinfo still resolves `timezone`.
	_ "time/tzdata"
)

// calendar cuts time into the charge periods of one time zone. Periods are
// kept as Unix seconds of their start; their bounds are instants, so the
// reports can state them in UTC whatever the zone.
//
// An hour starts where the local clock reads HH:00:00, and also where the
// offset changes by part of an hour; with whole-hour DST shifts (every zone
// but Australia/Lord_Howe) every hour is 3600 s. A day starts at the first
// instant whose local date is that day: 23 or 25 hours on DST days, and it
// begins at the shift when midnight is skipped.
type calendar struct {
	name string
	loc  *time.Location
	// utc keeps the file and state names UTC had before time zones
	// existed; its periods are cut like any zone's.
	utc bool
}

func newCalendar(name string) (*calendar, error) {
	if name == "" {
		name = "UTC"
	}
	if name == "Local" {
		return nil, fmt.Errorf("%q depends on the host", name)
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return nil, err
	}
	return &calendar{name: name, loc: loc, utc: name == "UTC"}, nil
}

func floorMod(a, b int64) int64 {
	m := a % b
	if m < 0 {
		m += b
	}
	return m
}

// zoneAt returns the offset in force at u and the bounds of the span of
// time it is in force (0 for an open end).
func (c *calendar) zoneAt(u int64) (offset int64, start, end int64) {
	t := time.Unix(u, 0).In(c.loc)
	_, off := t.Zone()
	s, e := t.ZoneBounds()
	if !s.IsZero() {
		start = s.Unix()
	}
	if !e.IsZero() {
		end = e.Unix()
	}
	return int64(off), start, end
}

// hourStart returns the start of the hour holding instant u.
func (c *calendar) hourStart(u int64) int64 {
	off, zs, _ := c.zoneAt(u)
	s := u - floorMod(u+off, 3600)
	if zs != 0 && s < zs {
		if prev, _, _ := c.zoneAt(zs - 1); floorMod(prev-off, 3600) != 0 {
			s = zs // a shift of part of an hour cuts the hour
		}
	}
	return s
}

// hourEnd returns the exclusive end of the hour starting at start.
func (c *calendar) hourEnd(start int64) int64 {
	off, _, ze := c.zoneAt(start)
	e := start - floorMod(start+off, 3600) + 3600
	if ze != 0 && e > ze {
		if next, _, _ := c.zoneAt(ze); floorMod(next-off, 3600) != 0 {
			e = ze
		}
	}
	return e
}

// firstReach returns the first instant whose local date is the given
// date or later: where that day starts.
func (c *calendar) firstReach(y int, m time.Month, d int) int64 {
	wall := time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Unix() // local midnight read as UTC
	// Offsets lie within -26h..+26h of UTC; start well before the day and
	// walk the zone's spans forward. Within a span the local clock runs
	// with the instant, so the day starts either at the span's first
	// instant (the clock jumped past midnight) or at midnight in the span.
	u := wall - 27*3600
	for {
		off, _, ze := c.zoneAt(u)
		if u+off >= wall {
			return u
		}
		if cand := wall - off; ze == 0 || cand < ze {
			return cand
		}
		u = ze
	}
}

// localDate returns the local calendar date of instant u.
func (c *calendar) localDate(u int64) (int, time.Month, int) {
	return time.Unix(u, 0).In(c.loc).Date()
}

// dayStart returns the start of the day holding instant u.
func (c *calendar) dayStart(u int64) int64 {
	y, m, d := c.localDate(u)
	s := c.firstReach(y, m, d)
	// A clock set back across midnight shows yesterday's date again after
	// today began; those instants stay in today.
	if n := c.firstReach(y, m, d+1); n <= u {
		s = n
	}
	return s
}

// dayEnd returns the exclusive end of the day starting at start.
func (c *calendar) dayEnd(start int64) int64 {
	y, m, d := c.localDate(start)
	return c.firstReach(y, m, d+1)
}

// billingPeriod returns the calendar month holding the day that starts at
// dayStart.
func (c *calendar) billingPeriod(dayStart int64) (time.Time, time.Time) {
	y, m, _ := c.localDate(dayStart)
	return time.Unix(c.firstReach(y, m, 1), 0).UTC(), time.Unix(c.firstReach(y, m+1, 1), 0).UTC()
}

// offsetSuffix names the UTC offset in force at u in file names: `Z` or
// `+0200` (ISO 8601 basic format; no colon, so any file system takes it).
func (c *calendar) offsetSuffix(u int64) string {
	return time.Unix(u, 0).In(c.loc).Format("Z0700")
}

// hourlyName is the base name of an hour's files: the local date and hour
// and the offset, so the hour a DST end repeats gets two names.
func (c *calendar) hourlyName(start int64) string {
	return "focus-" + time.Unix(start, 0).In(c.loc).Format("2006-01-02T15Z0700")
}

// dayLabel is the local date of the day starting at start.
func (c *calendar) dayLabel(start int64) string {
	y, m, d := c.localDate(start)
	return fmt.Sprintf("%04d-%02d-%02d", y, m, d)
}

// daySuffix tells days of different zones apart in file names: none for
// UTC (the names UTC reports always had), the offset at the day's start
// otherwise. Two days of one name therefore start at the same instant.
func (c *calendar) daySuffix(start int64) string {
	if c.utc {
		return ""
	}
	return c.offsetSuffix(start)
}

func (c *calendar) dailyName(start int64) string {
	return "focus-" + c.dayLabel(start) + c.daySuffix(start)
}

func (c *calendar) htmlName(start int64) string {
	return "cost-report-" + c.dayLabel(start) + c.daySuffix(start) + ".html"
}

package costreportexporter

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func mustCalendar(t *testing.T, name string) *calendar {
	t.Helper()
	c, err := newCalendar(name)
	require.NoError(t, err)
	return c
}

// utcCalendar is the default calendar, for tests that build a ledger.
var utcCalendar = func() *calendar {
	c, err := newCalendar("UTC")
	if err != nil {
		panic(err)
	}
	return c
}()

func utcSecs(t *testing.T, s string) int64 {
	t.Helper()
	ts, err := time.Parse(time.RFC3339, s)
	require.NoError(t, err)
	return ts.Unix()
}

func utcString(u int64) string { return time.Unix(u, 0).UTC().Format(time.RFC3339) }

// The DST days of Europe/Berlin in 2026: 25 hours on 2026-10-25 (02:00
// happens twice), 23 on 2026-03-29 (02:00 never happens).
func TestCalendarBerlinDSTDays(t *testing.T) {
	c := mustCalendar(t, "Europe/Berlin")
	for _, tt := range []struct {
		at, dayStart, dayEnd, label, daily string
		hours                              int
	}{
		{"2026-10-25T12:00:00Z", "2026-10-24T22:00:00Z", "2026-10-25T23:00:00Z", "2026-10-25", "focus-2026-10-25+0200", 25},
		{"2026-03-29T12:00:00Z", "2026-03-28T23:00:00Z", "2026-03-29T22:00:00Z", "2026-03-29", "focus-2026-03-29+0100", 23},
		{"2026-11-22T05:00:00Z", "2026-11-21T23:00:00Z", "2026-11-22T23:00:00Z", "2026-11-22", "focus-2026-11-22+0100", 24},
	} {
		s := c.dayStart(utcSecs(t, tt.at))
		assert.Equal(t, tt.dayStart, utcString(s))
		assert.Equal(t, tt.dayEnd, utcString(c.dayEnd(s)))
		assert.Equal(t, tt.label, c.dayLabel(s))
		assert.Equal(t, tt.daily, c.dailyName(s))
		n := 0
		for h := s; h < c.dayEnd(s); h = c.hourEnd(h) {
			assert.Equal(t, int64(3600), c.hourEnd(h)-h)
			n++
		}
		assert.Equal(t, tt.hours, n, tt.label)
	}

	// The repeated hour has two names, told apart by the offset; the
	// skipped one has none.
	for _, tt := range []struct{ at, start, name string }{
		{"2026-10-25T00:30:00Z", "2026-10-25T00:00:00Z", "focus-2026-10-25T02+0200"},
		{"2026-10-25T01:30:00Z", "2026-10-25T01:00:00Z", "focus-2026-10-25T02+0100"},
		{"2026-10-25T02:00:00Z", "2026-10-25T02:00:00Z", "focus-2026-10-25T03+0100"},
		{"2026-03-29T00:59:59Z", "2026-03-29T00:00:00Z", "focus-2026-03-29T01+0100"},
		{"2026-03-29T01:00:00Z", "2026-03-29T01:00:00Z", "focus-2026-03-29T03+0200"},
		{"2026-10-24T22:00:00Z", "2026-10-24T22:00:00Z", "focus-2026-10-25T00+0200"},
		{"2026-10-24T21:59:59Z", "2026-10-24T21:00:00Z", "focus-2026-10-24T23+0200"},
	} {
		s := c.hourStart(utcSecs(t, tt.at))
		assert.Equal(t, tt.start, utcString(s), tt.at)
		assert.Equal(t, tt.name, c.hourlyName(s), tt.at)
	}

	// Billing periods are the local calendar months.
	bs, be := c.billingPeriod(c.dayStart(utcSecs(t, "2026-10-25T12:00:00Z")))
	assert.Equal(t, "2026-09-30T22:00:00Z", bs.Format(time.RFC3339))
	assert.Equal(t, "2026-10-31T23:00:00Z", be.Format(time.RFC3339))
	bs, be = c.billingPeriod(c.dayStart(utcSecs(t, "2026-03-29T12:00:00Z")))
	assert.Equal(t, "2026-02-28T23:00:00Z", bs.Format(time.RFC3339))
	assert.Equal(t, "2026-03-31T22:00:00Z", be.Format(time.RFC3339))
	// 2026-10-31T23:30Z is already November in Berlin.
	bs, _ = c.billingPeriod(c.dayStart(utcSecs(t, "2026-10-31T23:30:00Z")))
	assert.Equal(t, "2026-10-31T23:00:00Z", bs.Format(time.RFC3339))
}

func TestCalendarUTCNames(t *testing.T) {
	c := mustCalendar(t, "UTC")
	s := c.hourStart(utcSecs(t, "2026-11-22T02:15:00Z"))
	assert.Equal(t, "focus-2026-11-22T02Z", c.hourlyName(s))
	d := c.dayStart(s)
	assert.Equal(t, "focus-2026-11-22", c.dailyName(d))
	assert.Equal(t, "cost-report-2026-11-22.html", c.htmlName(d))
	// Etc/UTC is another zone name: its days carry the offset.
	assert.Equal(t, "focus-2026-11-22Z", mustCalendar(t, "Etc/UTC").dailyName(d))
}

// Zones with half-hour offsets, a 30-minute DST shift (Lord Howe), a
// 45-minute offset (Chatham), midnight DST changes (Santiago, Havana) and a
// skipped day (Apia 2011-12-30): over whole years every instant lies in
// exactly one hour and one day, hours lie inside their day, periods tile
// time without gaps, and hours are one hour long except where an offset
// moves by part of an hour.
func TestCalendarInvariants(t *testing.T) {
	for _, tt := range []struct {
		zone     string
		from     string
		oddHours int // hours cut by a shift of part of an hour
	}{
		{"UTC", "2026-01-01T00:00:00Z", 0},
		{"Europe/Berlin", "2026-01-01T00:00:00Z", 0},
		{"America/New_York", "2026-01-01T00:00:00Z", 0},
		{"Asia/Kolkata", "2026-01-01T00:00:00Z", 0},
		{"Pacific/Chatham", "2026-01-01T00:00:00Z", 0},
		{"America/Santiago", "2026-01-01T00:00:00Z", 0},
		{"America/Havana", "2026-01-01T00:00:00Z", 0},
		{"Australia/Lord_Howe", "2026-01-01T00:00:00Z", 2},
		{"Pacific/Apia", "2011-06-01T00:00:00Z", 0},
	} {
		t.Run(tt.zone, func(t *testing.T) {
			c := mustCalendar(t, tt.zone)
			from := utcSecs(t, tt.from)
			to := from + 366*86400
			odd := 0
			h := c.hourStart(from)
			d := c.dayStart(from)
			require.LessOrEqual(t, d, h)
			for h < to {
				e := c.hourEnd(h)
				require.Greater(t, e, h)
				if e-h != 3600 {
					odd++
				}
				for _, u := range []int64{h, h + (e-h)/2, e - 1} {
					require.Equal(t, h, c.hourStart(u), "%s in %s", utcString(u), utcString(h))
				}
				// The hour lies inside one day.
				require.Equal(t, c.dayStart(h), c.dayStart(e-1), "hour %s", utcString(h))
				if e >= c.dayEnd(d) {
					require.Equal(t, c.dayEnd(d), e, "days end at an hour's end")
					require.Equal(t, e, c.dayStart(e), "day after %s", utcString(d))
					length := c.dayEnd(e) - e
					require.True(t, length >= 22*3600 && length <= 26*3600 || tt.zone == "Pacific/Apia", "day %s is %ds", utcString(e), length)
					d = e
				}
				h = e
			}
			assert.Equal(t, tt.oddHours, odd)
		})
	}
}

package costreportexporter

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/plog"
)

// zoneConfig is an ingested meter's test config in a time zone.
func zoneConfig(dir, zone string) *Config {
	cfg := testConfig(dir, StageIngested)
	cfg.Timezone = zone
	return cfg
}

// periodCols are the columns that place a row in time, and the volume.
var periodCols = []string{"ChargePeriodStart", "ChargePeriodEnd", "BillingPeriodStart", "BillingPeriodEnd", "ConsumedUnit", "x_IngestedRecords"}

// periodRows returns periodCols of every row of a CSV, one string a row.
func periodRows(t *testing.T, path string) []string {
	t.Helper()
	_, rows := readCSV(t, path)
	var out []string
	for _, r := range rows {
		var f []string
		for _, c := range periodCols {
			f = append(f, r[c])
		}
		out = append(out, strings.Join(f, " "))
	}
	return out
}

func logBytes(n int) int64 {
	return int64((&plog.ProtoMarshaler{}).LogsSize(makeLogs(res{"checkout", "prod", "payments", n})))
}

// meterLogsAt meters one batch of n checkout records at each instant.
func meterLogsAt(t *testing.T, clock *fakeClock, e interface {
	ConsumeLogs(context.Context, plog.Logs) error
}, at map[string]int,
) {
	t.Helper()
	instants := make([]string, 0, len(at))
	for s := range at {
		instants = append(instants, s)
	}
	sort.Strings(instants)
	for _, s := range instants {
		clock.Set(s)
		require.NoError(t, e.ConsumeLogs(context.Background(), makeLogs(res{"checkout", "prod", "payments", at[s]})))
	}
}

// Europe/Berlin on 2026-10-25: the day has 25 hours, 02:00 happens twice
// (CEST, then CET), and each of the two gets its own hourly file and row.
func TestTimezoneBerlinDay25Hours(t *testing.T) {
	dir := t.TempDir()
	clock := newFakeClock("2026-10-24T22:30:00Z")
	cfg := zoneConfig(dir, "Europe/Berlin")
	e := startLogs(t, newFactory(clock.Now), settings(""), cfg)
	meterLogsAt(t, clock, e, map[string]int{
		"2026-10-24T21:59:59Z": 6, // 23:59:59 CEST on the 24th
		"2026-10-24T22:30:00Z": 1, // 00:30 CEST: the day's first hour
		"2026-10-25T00:30:00Z": 2, // 02:30 CEST
		"2026-10-25T01:30:00Z": 3, // 02:30 CET, the same wall clock again
		"2026-10-25T22:59:59Z": 4, // 23:59:59 CET: the day's last second
		"2026-10-25T23:00:00Z": 5, // 00:00 CET on the 26th
	})
	require.NoError(t, e.Shutdown(context.Background()))

	october := "2026-09-30T22:00:00Z 2026-10-31T23:00:00Z"
	for _, tt := range []struct {
		file  string
		start string
		end   string
		n     int
	}{
		{"hourly/focus-2026-10-24T23+0200.csv", "2026-10-24T21:00:00Z", "2026-10-24T22:00:00Z", 6},
		{"hourly/focus-2026-10-25T00+0200.csv", "2026-10-24T22:00:00Z", "2026-10-24T23:00:00Z", 1},
		{"hourly/focus-2026-10-25T02+0200.csv", "2026-10-25T00:00:00Z", "2026-10-25T01:00:00Z", 2},
		{"hourly/focus-2026-10-25T02+0100.csv", "2026-10-25T01:00:00Z", "2026-10-25T02:00:00Z", 3},
		{"hourly/focus-2026-10-25T23+0100.csv", "2026-10-25T22:00:00Z", "2026-10-25T23:00:00Z", 4},
		{"hourly/focus-2026-10-26T00+0100.csv", "2026-10-25T23:00:00Z", "2026-10-26T00:00:00Z", 5},
		{"daily/focus-2026-10-24+0200.csv", "2026-10-23T22:00:00Z", "2026-10-24T22:00:00Z", 6},
		{"daily/focus-2026-10-25+0200.csv", "2026-10-24T22:00:00Z", "2026-10-25T23:00:00Z", 1 + 2 + 3 + 4},
		{"daily/focus-2026-10-26+0100.csv", "2026-10-25T23:00:00Z", "2026-10-26T23:00:00Z", 5},
	} {
		p := tt.start + " " + tt.end + " " + october + " "
		bytes := logBytes(tt.n)
		if tt.n == 1+2+3+4 {
			bytes = logBytes(1) + logBytes(2) + logBytes(3) + logBytes(4)
		}
		assert.Equal(t, []string{
			p + "B 0",
			p + "Records " + strconv.Itoa(tt.n),
		}, periodRows(t, filepath.Join(dir, tt.file)), tt.file)
		_, rows := readCSV(t, filepath.Join(dir, tt.file))
		assert.Equal(t, strconv.FormatInt(bytes, 10), rows[0]["x_IngestedBytes"], tt.file)
	}
	entries, err := os.ReadDir(filepath.Join(dir, "hourly"))
	require.NoError(t, err)
	assert.Len(t, entries, 2*6, "one CSV and one JSON per metered hour, nothing else")

	// Golden: the whole 25-hour day, then FOCUS's rules on it.
	golden := assertGolden(t, filepath.Join(dir, "daily", "focus-2026-10-25+0200.csv"), "focus-daily-europe-berlin-2026-10-25.csv")
	berlin, err := time.LoadLocation("Europe/Berlin")
	require.NoError(t, err)
	checkFOCUS(t, golden, 24*time.Hour, berlin)
	checkFOCUS(t, filepath.Join(dir, "hourly", "focus-2026-10-25T02+0100.csv"), time.Hour, berlin)

	// JSON and HTML state the same UTC bounds and name the zone.
	s := readSummary(t, filepath.Join(dir, "daily", "focus-2026-10-25+0200.json"))
	assert.Equal(t, "2026-10-24T22:00:00Z", s.ChargePeriodStart)
	assert.Equal(t, "2026-10-25T23:00:00Z", s.ChargePeriodEnd)
	assert.Equal(t, "Europe/Berlin", s.TimeZone)
	assert.Equal(t, "2026-10-25", s.LocalDate)
	assert.Equal(t, "focus-2026-10-25+0200.csv", s.CSV)
	assert.Equal(t, int64(10), s.Total.IngestedRecords)
	h := readSummary(t, filepath.Join(dir, "hourly", "focus-2026-10-25T02+0100.json"))
	assert.Equal(t, "2026-10-25", h.LocalDate)
	assert.Equal(t, "2026-10-25T01:00:00Z", h.ChargePeriodStart)
	page, err := os.ReadFile(filepath.Join(dir, "daily", "cost-report-2026-10-25+0200.html"))
	require.NoError(t, err)
	assert.Contains(t, string(page), "Telemetry cost report for 2026-10-25 (Europe/Berlin)")
	assert.Contains(t, string(page), "Charge period 2026-10-24T22:00:00Z to 2026-10-25T23:00:00Z (25 hours)")
	assert.Contains(t, string(page), `<a href="focus-2026-10-25&#43;0200.csv">`, "html/template escapes the +; browsers read it back")

	state, err := os.ReadFile(filepath.Join(dir, stateFileName))
	require.NoError(t, err)
	assert.Contains(t, string(state), `"time_zone":"Europe/Berlin"`)
}

// Europe/Berlin on 2026-03-29: 23 hours, 02:00 never happens. A restart in
// the middle of the day (same zone) carries the day on.
func TestTimezoneBerlinDay23HoursAcrossRestart(t *testing.T) {
	dir := t.TempDir()
	clock := newFakeClock("2026-03-29T00:30:00Z")
	cfg := zoneConfig(dir, "Europe/Berlin")
	e := startLogs(t, newFactory(clock.Now), settings(""), cfg)
	meterLogsAt(t, clock, e, map[string]int{"2026-03-29T00:30:00Z": 2}) // 01:30 CET
	require.NoError(t, e.Shutdown(context.Background()))

	clock.Set("2026-03-29T01:00:00Z") // 03:00 CEST
	e = startLogs(t, newFactory(clock.Now), settings(""), cfg)
	meterLogsAt(t, clock, e, map[string]int{"2026-03-29T01:00:00Z": 3})
	require.NoError(t, e.Shutdown(context.Background()))

	march := "2026-02-28T23:00:00Z 2026-03-31T22:00:00Z"
	assert.Equal(t, []string{
		"2026-03-29T00:00:00Z 2026-03-29T01:00:00Z " + march + " B 0",
		"2026-03-29T00:00:00Z 2026-03-29T01:00:00Z " + march + " Records 2",
	}, periodRows(t, filepath.Join(dir, "hourly", "focus-2026-03-29T01+0100.csv")))
	assert.Equal(t, []string{
		"2026-03-29T01:00:00Z 2026-03-29T02:00:00Z " + march + " B 0",
		"2026-03-29T01:00:00Z 2026-03-29T02:00:00Z " + march + " Records 3",
	}, periodRows(t, filepath.Join(dir, "hourly", "focus-2026-03-29T03+0200.csv")))
	assert.Equal(t, []string{
		"2026-03-28T23:00:00Z 2026-03-29T22:00:00Z " + march + " B 0",
		"2026-03-28T23:00:00Z 2026-03-29T22:00:00Z " + march + " Records 5",
	}, periodRows(t, filepath.Join(dir, "daily", "focus-2026-03-29+0100.csv")))
	page, err := os.ReadFile(filepath.Join(dir, "daily", "cost-report-2026-03-29+0100.html"))
	require.NoError(t, err)
	assert.Contains(t, string(page), "(23 hours)")
}

// csvTotals sums x_IngestedRecords over every CSV in a folder.
func csvTotals(t *testing.T, dir string) (records int64, files []string) {
	t.Helper()
	paths, err := filepath.Glob(filepath.Join(dir, "*.csv"))
	require.NoError(t, err)
	for _, p := range paths {
		_, rows := readCSV(t, p)
		for _, r := range rows {
			records += mustInt(t, r["x_IngestedRecords"])
		}
		files = append(files, filepath.Base(p))
	}
	return records, files
}

// A restart under another time zone. The state's periods join the new
// zone's period of the same file name (same start, holding all their
// volume); the others are written once more under their own zone and
// names and leave the state. Every file keeps its name, so no stale copy
// of any volume is left: the hourly files and the daily files each add up
// to what was metered, once.
func TestTimezoneChangeAcrossRestart(t *testing.T) {
	for _, tt := range []struct {
		name, from, to string
		hourly, daily  map[string]int64 // file -> records
	}{
		{
			// UTC hours are Berlin hours with other names; UTC days are
			// not Berlin days.
			name: "UTC to Europe/Berlin", from: "UTC", to: "Europe/Berlin",
			hourly: map[string]int64{"focus-2026-11-22T10Z.csv": 4, "focus-2026-11-22T11+0100.csv": 3},
			daily:  map[string]int64{"focus-2026-11-22.csv": 4, "focus-2026-11-22+0100.csv": 3},
		},
		{
			// London in winter names its hours like UTC does: the hour
			// carries on; its days carry the offset, UTC days do not.
			name: "UTC to Europe/London", from: "UTC", to: "Europe/London",
			hourly: map[string]int64{"focus-2026-11-22T10Z.csv": 7},
			daily:  map[string]int64{"focus-2026-11-22.csv": 4, "focus-2026-11-22Z.csv": 3},
		},
		{
			name: "Europe/Berlin to America/New_York", from: "Europe/Berlin", to: "America/New_York",
			hourly: map[string]int64{"focus-2026-11-22T11+0100.csv": 4, "focus-2026-11-22T05-0500.csv": 3},
			daily:  map[string]int64{"focus-2026-11-22+0100.csv": 4, "focus-2026-11-22-0500.csv": 3},
		},
		{
			name: "America/New_York to Europe/Berlin", from: "America/New_York", to: "Europe/Berlin",
			hourly: map[string]int64{"focus-2026-11-22T05-0500.csv": 4, "focus-2026-11-22T11+0100.csv": 3},
			daily:  map[string]int64{"focus-2026-11-22-0500.csv": 4, "focus-2026-11-22+0100.csv": 3},
		},
	} {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			clock := newFakeClock("2026-11-22T10:15:00Z")
			cfg := zoneConfig(dir, tt.from)
			e := startLogs(t, newFactory(clock.Now), settings(""), cfg)
			meterLogsAt(t, clock, e, map[string]int{"2026-11-22T10:15:00Z": 4})
			require.NoError(t, e.Shutdown(context.Background()))

			clock.Set("2026-11-22T10:40:00Z")
			cfg = zoneConfig(dir, tt.to)
			e = startLogs(t, newFactory(clock.Now), settings(""), cfg)
			meterLogsAt(t, clock, e, map[string]int{"2026-11-22T10:40:00Z": 3})
			require.NoError(t, e.Shutdown(context.Background()))

			for sub, want := range map[string]map[string]int64{"hourly": tt.hourly, "daily": tt.daily} {
				total, files := csvTotals(t, filepath.Join(dir, sub))
				assert.Equal(t, int64(7), total, "%s files add up to what was metered, once", sub)
				var names []string
				for f, n := range want {
					names = append(names, f)
					_, rows := readCSV(t, filepath.Join(dir, sub, f))
					assert.Equal(t, strconv.FormatInt(n, 10), rows[1]["x_IngestedRecords"], f)
				}
				assert.ElementsMatch(t, names, files, sub)
			}
			// Only the new zone's periods remain in the state.
			state, err := os.ReadFile(filepath.Join(dir, stateFileName))
			require.NoError(t, err)
			var st ledgerState
			require.NoError(t, json.Unmarshal(state, &st))
			for _, p := range append(st.Hours, st.Days...) {
				assert.Empty(t, p.TimeZone, "period %s of another zone left in the state", p.Start)
			}

			// A third start under the new zone goes on from there.
			clock.Set("2026-11-22T10:50:00Z")
			e = startLogs(t, newFactory(clock.Now), settings(""), cfg)
			meterLogsAt(t, clock, e, map[string]int{"2026-11-22T10:50:00Z": 1})
			require.NoError(t, e.Shutdown(context.Background()))
			for _, sub := range []string{"hourly", "daily"} {
				total, _ := csvTotals(t, filepath.Join(dir, sub))
				assert.Equal(t, int64(8), total, sub)
			}
		})
	}
}

// A restored period of another zone that could not be written stays in the
// state under its own zone, and a later start (under either zone) finishes it.
func TestForeignPeriodSurvivesFailedWrite(t *testing.T) {
	dir := t.TempDir()
	clock := newFakeClock("2026-11-22T10:15:00Z")
	cfg := testConfig(dir, StageIngested)
	e := startLogs(t, newFactory(clock.Now), settings(""), cfg)
	meterLogsAt(t, clock, e, map[string]int{"2026-11-22T10:15:00Z": 4})
	require.NoError(t, e.Shutdown(context.Background()))

	// Daily writes fail during the Berlin run.
	require.NoError(t, os.RemoveAll(filepath.Join(dir, "daily")))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "daily"), nil, 0o644))
	berlin := zoneConfig(dir, "Europe/Berlin")
	clock.Set("2026-11-22T10:40:00Z")
	e = startLogs(t, newFactory(clock.Now), settings(""), berlin)
	meterLogsAt(t, clock, e, map[string]int{"2026-11-22T10:40:00Z": 3})
	require.Error(t, e.Shutdown(context.Background()))
	state, err := os.ReadFile(filepath.Join(dir, stateFileName))
	require.NoError(t, err)
	var st ledgerState
	require.NoError(t, json.Unmarshal(state, &st))
	assert.Equal(t, "Europe/Berlin", st.TimeZone)
	require.Len(t, st.Days, 2)
	assert.Equal(t, statePeriod{Start: "2026-11-22T00:00:00Z", TimeZone: "UTC", Keys: st.Days[1].Keys}, st.Days[1], "the UTC day waits in the state")

	require.NoError(t, os.Remove(filepath.Join(dir, "daily")))
	clock.Set("2026-11-22T10:50:00Z")
	e = startLogs(t, newFactory(clock.Now), settings(""), berlin)
	require.NoError(t, e.Shutdown(context.Background()))
	total, files := csvTotals(t, filepath.Join(dir, "daily"))
	assert.Equal(t, int64(7), total)
	assert.ElementsMatch(t, []string{"focus-2026-11-22.csv", "focus-2026-11-22+0100.csv"}, files)
}

// A state naming a zone this build cannot load is set aside like any
// unreadable state.
func TestStateWithUnknownZone(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	for _, bad := range []string{
		`{"version":1,"time_zone":"Mars/Olympus","hours":[{"start":"2026-11-22T02:00:00Z"}]}`,
		`{"version":1,"days":[{"start":"2026-11-22T00:00:00Z","time_zone":"Mars/Olympus"}]}`,
		// 23:00Z starts a Berlin day, not a UTC one.
		`{"version":1,"days":[{"start":"2026-11-21T23:00:00Z"}]}`,
	} {
		assert.Error(t, newLedger(10, utcCalendar).restore([]byte(bad), now), bad)
	}
	assert.NoError(t, newLedger(10, mustCalendar(t, "Europe/Berlin")).restore([]byte(`{"version":1,"time_zone":"Europe/Berlin","days":[{"start":"2026-11-21T23:00:00Z"}]}`), now))
}

package sloconnector

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/ptrace"
)

// The agreement test: the Workbook's recording and alerting rules
// (testdata/workbook_rules.yaml) evaluated by `promtool test rules` over
// counter series, against the slo connector driven with the same events on
// an injected clock. For every scenario and alert (page, ticket), the first
// firing evaluation, the last firing evaluation and the number of firing
// evaluations must agree within one evaluation interval; an alert that
// never fires in slo must never fire in Prometheus.

// phase is a stretch of minutes with the same events per minute.
type phase struct {
	minutes    int
	total, bad uint64
}

type promScenario struct {
	name   string
	phases []phase
	// fires says which alerts the scenario is built to raise; the
	// agreement is checked for both either way.
	fires map[string]bool
}

// Per minute 2048 events (one span per power of two of the weight), so
// ratios are exact: 1/2048 = 0.049%, 6/2048 = 0.29%, 41/2048 = 2.0%,
// 205/2048 = 10%. Objective 99.9%.
var promScenarios = []promScenario{
	{name: "steady_0.05pct", phases: []phase{{1440, 2048, 1}},
		fires: map[string]bool{"page": false, "ticket": false}},
	{name: "burst_2pct", phases: []phase{{180, 2048, 1}, {60, 2048, 41}, {360, 2048, 1}},
		fires: map[string]bool{"page": true}},
	{name: "slow_0.3pct_over_days", phases: []phase{{4320, 2048, 1}, {2160, 2048, 6}},
		fires: map[string]bool{"page": false, "ticket": true}},
	{name: "burst_recovers_before_short_window", phases: []phase{{1440, 2048, 1}, {3, 2048, 205}, {600, 2048, 1}},
		fires: map[string]bool{"page": false, "ticket": false}},
}

// episode is one alert's firing in minutes since the scenario's start:
// first and last firing evaluation and how many evaluations fired.
type episode struct {
	first, last, count int
}

// promtoolPath finds Debian's promtool. CI installs it (prometheus
// package), so there a missing promtool fails the test.
func promtoolPath(t *testing.T) string {
	t.Helper()
	p, err := exec.LookPath("promtool")
	if err == nil {
		return p
	}
	if os.Getenv("CI") != "" {
		t.Fatal("promtool is not installed (CI installs Debian's prometheus package)")
	}
	t.Skip("promtool not installed (apt-get install prometheus, or scripts/install-test-deps.sh)")
	return ""
}

func TestPromtoolAgreement(t *testing.T) {
	promtool := promtoolPath(t)
	rules, err := filepath.Abs("testdata/workbook_rules.yaml")
	require.NoError(t, err)
	for _, sc := range promScenarios {
		t.Run(sc.name, func(t *testing.T) {
			got := runSLOScenario(t, sc)
			for class, want := range sc.fires {
				require.Equal(t, want, got[class].count > 0, "slo %s alert: %+v", class, got[class])
			}
			t.Logf("slo episodes (minutes): %+v", got)
			file := writePromtoolTest(t, rules, sc, got)
			out, err := exec.Command(promtool, "test", "rules", file).CombinedOutput()
			if err != nil {
				t.Fatalf("promtool disagrees with slo %+v:\n%s\nPrometheus' firing evaluations:\n%s", got, out, promFiring(promtool, rules, sc))
			}
		})
	}
}

// runSLOScenario drives slo minute by minute: the minute's spans at its
// middle, an evaluation at its end (where Prometheus scrapes and
// evaluates).
func runSLOScenario(t *testing.T, sc promScenario) map[string]episode {
	h := newHarness(t, testConfig(), time.Unix(0, 0))
	o := h.c.objectives[0]
	got := map[string]episode{}
	m := 0
	for _, p := range sc.phases {
		for range p.minutes {
			td := ptrace.NewTraces()
			weightedSpans(td, "payment", p.total-p.bad, p.bad)
			h.sendAt(time.Unix(int64(m*60+30), 0), td)
			m++
			h.tickAt(time.Unix(int64(m*60), 0))
			h.metrics.Reset()
			for _, cl := range h.c.classes {
				if _, firing := o.firing[cl.name]; firing {
					e := got[cl.name]
					if e.count == 0 {
						e.first = m
					}
					e.last, e.count = m, e.count+1
					got[cl.name] = e
				}
			}
		}
	}
	return got
}

func scenarioMinutes(sc promScenario) int {
	n := 0
	for _, p := range sc.phases {
		n += p.minutes
	}
	return n
}

// inputSeries writes the counters Prometheus would scrape once a minute:
// sample k holds the events of minutes before k. They start high so rate()
// never extrapolates either counter towards zero (which would skew the
// ratio at the series' start).
func inputSeries(sc promScenario) (requests, errors string) {
	const offset = 1_000_000
	var req, errs strings.Builder
	total, bad := uint64(offset), uint64(offset)
	req.WriteString(strconv.FormatUint(total, 10))
	errs.WriteString(strconv.FormatUint(bad, 10))
	for _, p := range sc.phases {
		for range p.minutes {
			total, bad = total+p.total, bad+p.bad
			req.WriteString(" " + strconv.FormatUint(total, 10))
			errs.WriteString(" " + strconv.FormatUint(bad, 10))
		}
	}
	return req.String(), errs.String()
}

// writePromtoolHeader writes a promtool test file's rules, input series
// and the start of its PromQL checks.
func writePromtoolHeader(b *strings.Builder, rules string, sc promScenario) {
	req, errs := inputSeries(sc)
	fmt.Fprintf(b, "rule_files: [%q]\nevaluation_interval: 1m\ntests:\n  - interval: 1m\n    input_series:\n", rules)
	fmt.Fprintf(b, "      - series: 'slo_requests_total{service=\"payment\"}'\n        values: '%s'\n", req)
	fmt.Fprintf(b, "      - series: 'slo_errors_total{service=\"payment\"}'\n        values: '%s'\n", errs)
	b.WriteString("    promql_expr_test:\n")
}

func alertSelector(class string) string {
	return fmt.Sprintf(`ALERTS{alertname="SLOErrorBudgetBurn",slo_tier=%q,alertstate="firing"}`, class)
}

// writePromtoolTest writes a promtool unit test checking, at the end of the
// scenario, that Prometheus' ALERTS series agree with slo's episodes
// within one interval (60s, or 2 firing evaluations for the count).
func writePromtoolTest(t *testing.T, rules string, sc promScenario, got map[string]episode) string {
	n := scenarioMinutes(sc)
	var b strings.Builder
	writePromtoolHeader(&b, rules, sc)
	for _, class := range []string{"page", "ticket"} {
		sel, e := alertSelector(class), got[class]
		if e.count == 0 {
			fmt.Fprintf(&b, "      - expr: 'sum(count_over_time(%s[%dm]))'\n        eval_time: %dm\n        exp_samples: []\n", sel, n, n)
			continue
		}
		for _, check := range []string{
			fmt.Sprintf("sum(abs(min_over_time(timestamp(%s)[%dm:1m]) - %d) <= bool 60)", sel, n, e.first*60),
			fmt.Sprintf("sum(abs(max_over_time(timestamp(%s)[%dm:1m]) - %d) <= bool 60)", sel, n, e.last*60),
			fmt.Sprintf("sum(abs(count_over_time(%s[%dm]) - %d) <= bool 2)", sel, n, e.count),
		} {
			fmt.Fprintf(&b, "      - expr: '%s'\n        eval_time: %dm\n        exp_samples: [{labels: '{}', value: 1}]\n", check, n)
		}
	}
	file := filepath.Join(t.TempDir(), "agreement_test.yaml")
	require.NoError(t, os.WriteFile(file, []byte(b.String()), 0o600))
	return file
}

// promFiring reports Prometheus' own first and last firing time and count
// per alert, for the failure message: a promtool test expecting nothing
// fails and prints what it got.
func promFiring(promtool, rules string, sc promScenario) string {
	n := scenarioMinutes(sc)
	var b strings.Builder
	writePromtoolHeader(&b, rules, sc)
	for _, class := range []string{"page", "ticket"} {
		sel := alertSelector(class)
		for _, q := range []string{
			fmt.Sprintf("min_over_time(timestamp(%s)[%dm:1m]) / 60", sel, n),
			fmt.Sprintf("max_over_time(timestamp(%s)[%dm:1m]) / 60", sel, n),
			fmt.Sprintf("count_over_time(%s[%dm])", sel, n),
		} {
			fmt.Fprintf(&b, "      - expr: '%s'\n        eval_time: %dm\n        exp_samples: [{labels: '{probe=\"%s\"}', value: -1}]\n", q, n, class)
		}
	}
	dir, err := os.MkdirTemp("", "slo-promtool")
	if err != nil {
		return err.Error()
	}
	defer os.RemoveAll(dir)
	file := filepath.Join(dir, "probe_test.yaml")
	if err := os.WriteFile(file, []byte(b.String()), 0o600); err != nil {
		return err.Error()
	}
	out, _ := exec.Command(promtool, "test", "rules", file).CombinedOutput()
	return string(out)
}

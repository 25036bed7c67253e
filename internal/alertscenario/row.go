package alertscenario

import (
	"fmt"
	"time"
)

// RowHeader and Row print a score in the evaluation's table format (the
// columns of make eval-alerts' family table, without "held out"), so that
// an in-process replay and an end-to-end run of one scenario print rows
// that compare directly.
const RowHeader = "| scenario | method | true incidents | alerts | pages | pages/incident | precision | recall | F1 | AC@1 | AC@3 | missed | median time to page |\n" +
	"| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"

// Row is one row under RowHeader.
func Row(scenario, method string, sc Score) string {
	return fmt.Sprintf("| %s | %s | %d | %d | %d | %.2f | %.3f | %.3f | %.3f | %.2f | %.2f | %d | %s |",
		scenario, method, sc.TrueIncidents, sc.Episodes, sc.Pages, sc.PagesPerIncident,
		sc.Precision, sc.Recall, sc.F1, sc.AC1, sc.AC3, sc.Missed, sc.TimeToPage.Round(time.Second))
}

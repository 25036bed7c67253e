package costreportexporter

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestHumanize(t *testing.T) {
	for v, want := range map[float64]string{
		0: "$0", 0.096708: "$0.0967", 0.0000198896: "$0.0000199", 1.5: "$1.50", 1234567.891: "$1,234,567.89",
		-0.5: "-$0.500", 0.999: "$0.999",
	} {
		assert.Equal(t, want, humanMoney(v, "USD"), "%v", v)
	}
	assert.Equal(t, "€12.00", humanMoney(12, "EUR"))
	assert.Equal(t, "CHF 12.00", humanMoney(12, "CHF"))
	for n, want := range map[int64]string{0: "0 B", 999: "999 B", 27450150: "27.5 MB", 1e9: "1.0 GB", 3_200_000_000_000: "3.2 TB"} {
		assert.Equal(t, want, humanBytes(n))
	}
	assert.Equal(t, "1,551", humanCount(1551))
	assert.Equal(t, "87.5%", percentSaved(0.875, 1))
	assert.Equal(t, "–", percentSaved(0, 0))
}

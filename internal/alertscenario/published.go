package alertscenario

import (
	_ "embed"
	"fmt"
	"time"

	"go.yaml.in/yaml/v3"
)

// publishedRules is the transcription of kube-prometheus's, node-mixin's
// and Sloth's rules (published/kube-prometheus-alerts.yaml).
//
//go:embed published/kube-prometheus-alerts.yaml
var publishedRules []byte

// publishedFor is each transcribed rule's `for:` by alert name, read from
// publishedRules. Sloth's alerts (`for: none`, named by their user) are
// not in it: they fire at their first evaluation over the burn rate.
var publishedFor = mustPublishedFor(publishedRules)

// mustPublishedFor reads the `for:` of every rule in doc ("none": zero).
func mustPublishedFor(doc []byte) map[string]time.Duration {
	var f struct {
		Rules []struct {
			Alert string `yaml:"alert"`
			For   string `yaml:"for"`
		} `yaml:"rules"`
	}
	if err := yaml.Unmarshal(doc, &f); err != nil {
		panic(fmt.Sprintf("published rules: %v", err))
	}
	out := map[string]time.Duration{}
	for _, r := range f.Rules {
		if r.For == "none" {
			continue
		}
		d, err := time.ParseDuration(r.For)
		if err != nil {
			panic(fmt.Sprintf("published rules: %s: for: %v", r.Alert, err))
		}
		out[r.Alert] = d
	}
	return out
}

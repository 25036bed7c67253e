package correlate

import "time"

// stormEnvironmentLabels are read, in order, for a storm incident's
// environment.
var stormEnvironmentLabels = []string{"environment", "env", "deployment_environment"}

// stormIncident returns the open storm incident of st's environment,
// opening it if needed. Storm incidents may exceed MaxIncidents by one
// per environment: the alternative, refusing the alert, sends it on raw
// and turns one storm into a flood of pages.
func (e *Engine) stormIncident(st *alertState, now time.Time) *incident {
	env := "(none)"
	for _, l := range stormEnvironmentLabels {
		if v := st.Labels[l]; v != "" {
			env = v
			break
		}
	}
	if inc, ok := e.incidents[e.storms[env]]; ok {
		return inc
	}
	id := IncidentID("storm|"+env, now)
	for e.incidents[id] != nil {
		id = IncidentID(id, now)
	}
	inc := &incident{id: id, firstSeen: now, lastSeen: now, services: map[string][]string{}, storm: env}
	e.incidents[id] = inc
	e.storms[env] = id
	return inc
}

package correlate

// An incident can lose every alert it paged with: each is moved, one by
// one, into the incident that explains it better once spans or later
// alerts arrive (attribute.go, followcause.go, lateapart.go, flap.go).
// Left with no firing alert it resolves (advanceIncident), and without a
// word its resolved record reads as a problem that went away. A whole
// incident merged into another says where it went (incident.merged_into,
// match.go retire); an emptied one says the same: the incident holding
// the alert whose move emptied it, when that alert is still in one.

// noteEmptied records, when detaching sts left inc with no member, which
// alert's move emptied it (the last of sts).
func noteEmptied(inc *incident, sts []*alertState) {
	if len(inc.members) == 0 && len(sts) > 0 {
		inc.lastLeft = sts[len(sts)-1].Fingerprint
	}
}

// emptiedInto is the id of the incident the alert that emptied inc is in
// now, "" when inc still has members or that alert is in none (or back in
// inc).
func (e *Engine) emptiedInto(inc *incident) string {
	if len(inc.members) > 0 || inc.lastLeft == "" {
		return ""
	}
	st := e.alerts[inc.lastLeft]
	if st == nil || st.incident == inc.id {
		return ""
	}
	if _, ok := e.incidents[st.incident]; !ok {
		return ""
	}
	return st.incident
}

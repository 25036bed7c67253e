// Package alertconv holds Quell's alert and incident convention for log
// records (see docs/alert-convention.md): the attribute names; the typed
// records, each with one writer and one reader (Alert: written by the
// alert_webhook receiver, read by the alert_correlator; Incident: written
// by the alert_correlator, read by the incident exporter); the one
// severity table (ParseSeverity); and the Alertmanager fingerprint.
//
// Until OpenTelemetry has alert semantic conventions, an alert is a log record
// carrying the attributes below; an incident is a log record carrying the
// incident attributes as well.
package alertconv

// Alert attributes on the log record.
const (
	AttrRuleName    = "alert.rule.name"
	AttrFingerprint = "alert.fingerprint"
	// AttrState is StateFiring or StateResolved.
	AttrState    = "alert.state"
	AttrSeverity = "alert.severity"
	// AttrStartsAt and AttrEndsAt are RFC 3339 timestamps.
	AttrStartsAt = "alert.starts_at"
	AttrEndsAt   = "alert.ends_at"
	// AttrLabelPrefix and AttrAnnotationPrefix prefix one string attribute
	// per label or annotation (alert.label.instance), so OTTL can reach them.
	AttrLabelPrefix      = "alert.label."
	AttrAnnotationPrefix = "alert.annotation."
	// AttrSource is SourceAlertmanager, SourceGrafana or SourceOTLP.
	AttrSource = "alert.source"
	// AttrGeneratorURL links to the rule that fired (Alertmanager's
	// generatorURL, Grafana's generatorURL), so destinations can link to it.
	AttrGeneratorURL = "alert.generator_url"
	// AttrSuppressed is true on a member alert the correlator attached to an
	// incident instead of paging for it.
	AttrSuppressed = "alert.suppressed"
)

// LabelIncidentID is the label the incident exporter puts on the alerts it
// sends to Alertmanager; the alert_webhook receiver ignores alerts carrying
// it by default, so incidents do not route back in as alerts.
const LabelIncidentID = "incident_id"

// Alert states.
const (
	StateFiring   = "firing"
	StateResolved = "resolved"
)

// Alert sources.
const (
	SourceAlertmanager = "alertmanager"
	SourceGrafana      = "grafana"
	SourceOTLP         = "otlp"
)

// Resource attributes an alert's labels map to.
const (
	ResourceServiceName      = "service.name"
	ResourceServiceNamespace = "service.namespace"
	ResourceEnvironment      = "deployment.environment.name"
)

// Incident attributes, added on incident records.
const (
	// AttrIncidentID is stable for the incident's life; it is also the
	// PagerDuty dedup_key.
	AttrIncidentID = "incident.id"
	// AttrIncidentState is IncidentOpen, IncidentUpdated or IncidentResolved.
	AttrIncidentState       = "incident.state"
	AttrIncidentRootService = "incident.root_service"
	AttrIncidentRootAlert   = "incident.root_alert"
	AttrIncidentServices    = "incident.services" // string slice
	AttrIncidentAlertCount  = "incident.alert_count"
	AttrIncidentSuppressed  = "incident.suppressed_count"
	AttrIncidentFirstSeen   = "incident.first_seen" // RFC 3339
	AttrIncidentLastSeen    = "incident.last_seen"  // RFC 3339
	// AttrIncidentMergedInto is on the resolved record of an incident merged
	// into another one (their shared root arrived after both had paged): the
	// surviving incident's id.
	AttrIncidentMergedInto = "incident.merged_into"
	// AttrIncidentSymptoms are the incident's services other than the
	// root's (string slice).
	AttrIncidentSymptoms = "incident.symptoms"
	// AttrIncidentEvidence is one readable line of the trace evidence for
	// the root; AttrIncidentExemplarTraceID (hex) a trace where its errors
	// originate. Both absent without trace evidence.
	AttrIncidentEvidence        = "incident.evidence"
	AttrIncidentExemplarTraceID = "incident.exemplar_trace_id"
	// AttrIncidentStorm (bool) is true on a storm incident: the alerts of
	// one environment that arrived while the correlator held as many
	// incidents as it may.
	AttrIncidentStorm = "incident.storm"
	// AttrIncidentSilentRoot is a dependency of the root alert's service
	// that has no alert of its own, which the incident's alerts show as
	// the probable root (its callers alerting together): absent otherwise.
	AttrIncidentSilentRoot = "incident.silent_root"
)

// Incident states.
const (
	IncidentOpen     = "open"
	IncidentUpdated  = "updated"
	IncidentResolved = "resolved"
)

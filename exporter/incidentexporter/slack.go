package incidentexporter

import (
	"context"
	"strings"
	"time"
)

// slack posts one readable message per state change to an incoming webhook.
type slack struct {
	url     string
	poster  *poster
	message *renderer
}

type slackMessage struct {
	Text string `json:"text"`
}

func newSlack(cfg *Config, p *poster, now func() time.Time) (*slack, error) {
	msg, err := newRenderer("slack.message_template", cfg.Slack.MessageTemplate, defaultSlackTemplate, now)
	if err != nil {
		return nil, err
	}
	return &slack{url: string(cfg.Slack.WebhookURL), poster: p, message: msg}, nil
}

func (d *slack) send(ctx context.Context, inc incident) error {
	return d.poster.post(ctx, d.url, slackMessage{Text: d.message.render(escapeSlack(inc), maxRendered)})
}

// slackEscaper escapes the three characters Slack's mrkdwn reserves, so
// alert text cannot inject mentions or links.
var slackEscaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;")

func escapeSlack(inc incident) incident {
	e := slackEscaper.Replace
	inc.ID, inc.RootService, inc.RootAlert, inc.Summary = e(inc.ID), e(inc.RootService), e(inc.RootAlert), e(inc.Summary)
	inc.Severity, inc.Namespace, inc.Environment = e(inc.Severity), e(inc.Namespace), e(inc.Environment)
	services := make([]string, len(inc.Services))
	for i, s := range inc.Services {
		services[i] = e(s)
	}
	inc.Services = services
	labels := make(map[string]string, len(inc.Labels))
	for k, v := range inc.Labels {
		labels[k] = e(v)
	}
	inc.Labels = labels
	annotations := make(map[string]string, len(inc.Annotations))
	for k, v := range inc.Annotations {
		annotations[k] = e(v)
	}
	inc.Annotations = annotations
	members := make([]member, len(inc.Members))
	for i, m := range inc.Members {
		m.Rule, m.Service, m.State, m.Severity = e(m.Rule), e(m.Service), e(m.State), e(m.Severity)
		members[i] = m
	}
	inc.Members = members
	return inc
}

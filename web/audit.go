package web

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/vigilauth/vigil"
	"github.com/vigilauth/vigil/auth"
	"github.com/vigilauth/vigil/vigilhttp"
)

// auditPageSize is how many events one page of the audit log shows.
const auditPageSize = 50

// eventLabels name every audit event (vigil.EventNames) in plain words,
// in sentence case, for the people who read the audit page; the filter
// offers them in vigil.EventNames' order. The stored name stays in the
// page (the option's value, the row's data-event) for those who search
// the log by it.
var eventLabels = map[string]string{
	vigil.EventLoginSucceeded:           "Signed in",
	vigil.EventLoginFailed:              "Sign-in failed",
	vigil.EventLoginThrottled:           "Sign-in blocked: too many attempts",
	vigil.EventLogout:                   "Signed out",
	vigil.EventSessionExpiredInactivity: "Session ended: idle too long",
	vigil.EventSessionExpiredLifetime:   "Session ended: time limit reached",
	vigil.EventSessionRevoked:           "Session ended remotely",
	vigil.EventSessionsRevokedOthers:    "Signed out other devices",
	vigil.EventPasswordChanged:          "Password changed, all sessions ended",
	vigil.EventInvalidCurrentPassword:   "Wrong current password",
	vigil.EventPasswordResetIssued:      "Password reset link made",
	vigil.EventPasswordResetCompleted:   "Password reset completed",
	vigil.EventCSRFRejected:             "Form refused: not sent from this site",
	vigil.EventAccessForbidden:          "Access refused",
	vigil.EventUserCreated:              "Account created",
	vigil.EventUserDisabled:             "Account disabled",
	vigil.EventUserEnabled:              "Account enabled",
	vigil.EventReauthenticated:          "Password confirmed again",
	vigil.EventReauthFailed:             "Password confirmation failed",
	vigil.EventPasswordRehashed:         "Password storage upgraded",
	vigil.EventDeviceBound:              "Session bound to a device",
	vigil.EventDeviceBindingRefreshed:   "Device-bound session renewed",
	vigil.EventDeviceBindingFailed:      "Device binding refused",
	vigil.EventMFAChallenged:            "Second step asked for",
	vigil.EventMFAFailed:                "Second step failed",
	vigil.EventStepUp:                   "Second step passed",
	vigil.EventMFAEnrolled:              "Second factor added",
	vigil.EventMFARemoved:               "Second factor removed",
	vigil.EventMFARenamed:               "Passkey renamed",
	vigil.EventWebhookRetried:           "Webhook sent again",
	vigil.EventRecoveryCodesGenerated:   "New recovery codes made",
	vigil.EventRecoveryCodeUsed:         "Recovery code used",
	vigil.EventMFAReset:                 "All second factors removed by an administrator",
}

// eventLabel is an event's plain name; an unknown name (from a newer
// version, say) shows as stored.
func eventLabel(name string) string {
	if l, ok := eventLabels[name]; ok {
		return l
	}
	return name
}

// eventOption is one choice of the filter's event list.
type eventOption struct{ Name, Label string }

// eventOptions are the filter's choices: every event vigil writes.
func eventOptions() []eventOption {
	names := vigil.EventNames()
	out := make([]eventOption, len(names))
	for i, n := range names {
		out[i] = eventOption{Name: n, Label: eventLabel(n)}
	}
	return out
}

// auditRow is one event as the audit page shows it: its plain name, and
// whether its user has an account to link to (a failed sign-in's typed
// name, or a deleted user's, is shown as text).
type auditRow struct {
	vigil.Event
	Label     string
	UserLink  bool // Username has an account
	ActorLink bool // Actor is a user with an account (not "cli", "system"…)
}

// auditQuery is the filter form as typed, echoed back into it.
type auditQuery struct {
	Username, Event, Since, Until string
}

type adminAuditData struct {
	adminBase
	Query      auditQuery
	EventNames []eventOption
	Events     []auditRow
	From, To   time.Time // the filter's bounds as read, zero when open
	Older      string    // the next page's address, "" on the last page
	Newest     string    // the first page's address, "" on the first page
	Problem    string
}

// adminAudit shows the audit log, newest first, filtered by user, event and
// time range, a page at a time (paging backwards by event id).
func (p *Pages) adminAudit(w http.ResponseWriter, r *http.Request, cur *auth.Current) error {
	q := r.URL.Query()
	d := adminAuditData{adminBase: p.adminBase(r, cur), EventNames: eventOptions(), Query: auditQuery{
		Username: strings.TrimSpace(q.Get("username")), Event: strings.TrimSpace(q.Get("event")),
		Since: strings.TrimSpace(q.Get("since")), Until: strings.TrimSpace(q.Get("until")),
	}}
	f, err := p.auditFilter(d.Query, q.Get("before"))
	status := http.StatusOK
	if err != nil {
		d.Problem, status = err.Error(), vigilhttp.Status(vigil.CodeInvalidRequest)
	} else {
		d.From, d.To = f.Since, f.Until
		events, err := p.engine.Events(r.Context(), f)
		if err != nil {
			return err
		}
		if len(events) > auditPageSize {
			events = events[:auditPageSize]
			d.Older = p.at(auditURL(d.Query, events[len(events)-1].ID))
		}
		if f.BeforeID > 0 {
			d.Newest = p.at(auditURL(d.Query, 0))
		}
		if d.Events, err = p.auditRows(r, events); err != nil {
			return err
		}
	}
	p.render(w, r, status, "admin_audit", view{Title: "Audit log", Cur: cur, Nav: "admin", Data: d})
	return nil
}

// auditRows labels the events and marks the users that exist today.
func (p *Pages) auditRows(r *http.Request, events []vigil.Event) ([]auditRow, error) {
	names := make([]string, 0, len(events))
	for _, e := range events {
		names = append(names, e.Username, e.Actor)
	}
	exists, err := p.engine.ExistingUsers(r.Context(), names)
	if err != nil {
		return nil, err
	}
	rows := make([]auditRow, len(events))
	for i, e := range events {
		rows[i] = auditRow{Event: e, Label: eventLabel(e.Event), UserLink: exists[e.Username], ActorLink: exists[e.Actor]}
	}
	return rows, nil
}

// userEventRows are the events of one user's page: the user exists (the
// page is theirs), whoever acted is shown as text.
func userEventRows(events []vigil.Event) []auditRow {
	rows := make([]auditRow, len(events))
	for i, e := range events {
		rows[i] = auditRow{Event: e, Label: eventLabel(e.Event), UserLink: true}
	}
	return rows
}

// auditFilter turns the form into a store filter, one page and one more
// event (to know whether there is an older page).
func (p *Pages) auditFilter(aq auditQuery, before string) (vigil.EventFilter, error) {
	f := vigil.EventFilter{Username: vigil.NormalizeUsername(aq.Username), Event: aq.Event, Limit: auditPageSize + 1}
	now := p.engine.Now()
	var err error
	if f.Since, err = parseWhen(aq.Since, now, false); err != nil {
		return f, errors.New("From: " + err.Error())
	}
	if f.Until, err = parseWhen(aq.Until, now, true); err != nil {
		return f, errors.New("Until: " + err.Error())
	}
	if before != "" {
		if f.BeforeID, err = strconv.ParseInt(before, 10, 64); err != nil || f.BeforeID < 1 {
			return f, errors.New("the page number is not valid; start again from the newest events")
		}
	}
	return f, nil
}

// parseWhen reads a time typed into the audit filter, in UTC: a date
// (2026-11-28; as an end, the end of that day), a date and time as a
// datetime-local field sends it (2026-11-28T09:30), an RFC 3339 time, or a
// duration back from now (1h, 30m). "" is no bound.
func parseWhen(s string, now time.Time, end bool) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	if d, err := time.ParseDuration(s); err == nil && d >= 0 {
		return now.Add(-d), nil
	}
	if t, err := time.Parse("2006-01-02", s); err == nil {
		if end {
			t = t.Add(24 * time.Hour)
		}
		return t, nil
	}
	for _, layout := range []string{"2006-01-02T15:04", "2006-01-02T15:04:05", time.RFC3339} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, errors.New("use a date, a date and time such as 2026-11-28T09:30, or a duration back from now such as 2h")
}

// auditURL is the audit page with the same filters, before an event id.
func auditURL(aq auditQuery, before int64) string {
	q := url.Values{}
	for k, v := range map[string]string{"username": aq.Username, "event": aq.Event, "since": aq.Since, "until": aq.Until} {
		if v != "" {
			q.Set(k, v)
		}
	}
	if before > 0 {
		q.Set("before", strconv.FormatInt(before, 10))
	}
	if len(q) == 0 {
		return "/auth/admin/audit"
	}
	return "/auth/admin/audit?" + q.Encode()
}

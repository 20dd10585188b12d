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

// eventNames are the events the audit filter offers (SPEC §4).
var eventNames = []string{
	vigil.EventLoginSucceeded, vigil.EventLoginFailed, vigil.EventLoginThrottled, vigil.EventLogout,
	vigil.EventSessionExpiredInactivity, vigil.EventSessionExpiredLifetime, vigil.EventSessionRevoked,
	vigil.EventSessionsRevokedOthers, vigil.EventPasswordChanged, vigil.EventInvalidCurrentPassword,
	vigil.EventPasswordResetIssued, vigil.EventPasswordResetCompleted, vigil.EventCSRFRejected,
	vigil.EventAccessForbidden, vigil.EventUserCreated, vigil.EventUserDisabled, vigil.EventUserEnabled,
	vigil.EventReauthenticated, vigil.EventReauthFailed, vigil.EventPasswordRehashed,
}

// auditQuery is the filter form as typed, echoed back into it.
type auditQuery struct {
	Username, Event, Since, Until string
}

type adminAuditData struct {
	adminBase
	Query      auditQuery
	EventNames []string
	Events     []vigil.Event
	Older      string // the next page's address, "" on the last page
	Newest     string // the first page's address, "" on the first page
	Problem    string
}

// adminAudit shows the audit log, newest first, filtered by user, event and
// time range, a page at a time (paging backwards by event id).
func (p *Pages) adminAudit(w http.ResponseWriter, r *http.Request, cur *auth.Current) error {
	q := r.URL.Query()
	d := adminAuditData{adminBase: p.adminBase(r, cur), EventNames: eventNames, Query: auditQuery{
		Username: strings.TrimSpace(q.Get("username")), Event: strings.TrimSpace(q.Get("event")),
		Since: strings.TrimSpace(q.Get("since")), Until: strings.TrimSpace(q.Get("until")),
	}}
	f, err := p.auditFilter(d.Query, q.Get("before"))
	status := http.StatusOK
	if err != nil {
		d.Problem, status = err.Error(), vigilhttp.Status(vigil.CodeInvalidRequest)
	} else {
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
		d.Events = events
	}
	p.render(w, r, status, "admin_audit", view{Title: "Audit log", Cur: cur, Nav: "admin", Data: d})
	return nil
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
	return time.Time{}, errors.New("use a date and time such as 2026-11-28T09:30 (UTC), or a duration back from now such as 2h")
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

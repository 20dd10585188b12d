package lograte

import (
	"context"
	"log/slog"
	"sync"
	"time"
)

// maxKinds bounds the kinds held at once; beyond it, records of a new
// kind pass unlimited rather than being lost.
const maxKinds = 1024

// Handler limits repeated warnings and errors (see the package doc).
// Handlers derived with WithAttrs and WithGroup share its limits.
type Handler struct {
	next slog.Handler
	s    *state
}

type state struct {
	window time.Duration
	mu     sync.Mutex
	kinds  map[kind]*held
}

// kind is what makes two records repeats of each other.
type kind struct {
	level    slog.Level
	msg, err string
}

// held is a kind whose window is open: the repeats held back so far, and
// the last of them with the handler it came through.
type held struct {
	repeated int
	last     slog.Record
	via      slog.Handler
	timer    *time.Timer
}

// New returns a Handler writing to next that lets one record of a kind
// through per window.
func New(next slog.Handler, window time.Duration) *Handler {
	return &Handler{next: next, s: &state{window: window, kinds: map[kind]*held{}}}
}

// Enabled reports whether next handles level.
func (h *Handler) Enabled(ctx context.Context, level slog.Level) bool {
	return h.next.Enabled(ctx, level)
}

// WithAttrs returns a Handler over next.WithAttrs(as) sharing h's limits.
func (h *Handler) WithAttrs(as []slog.Attr) slog.Handler {
	return &Handler{next: h.next.WithAttrs(as), s: h.s}
}

// WithGroup returns a Handler over next.WithGroup(name) sharing h's limits.
func (h *Handler) WithGroup(name string) slog.Handler {
	return &Handler{next: h.next.WithGroup(name), s: h.s}
}

// Handle writes r, or holds it back when it repeats a record of its kind
// written less than a window ago.
func (h *Handler) Handle(ctx context.Context, r slog.Record) error {
	if r.Level < slog.LevelWarn {
		return h.next.Handle(ctx, r)
	}
	k := kind{r.Level, r.Message, errText(r)}
	s := h.s
	s.mu.Lock()
	if w, open := s.kinds[k]; open {
		w.repeated++
		w.last, w.via = r.Clone(), h.next
		s.mu.Unlock()
		return nil
	}
	if len(s.kinds) < maxKinds {
		w := &held{}
		s.kinds[k] = w
		w.timer = time.AfterFunc(s.window, func() { s.close(k, w) })
	}
	s.mu.Unlock()
	return h.next.Handle(ctx, r)
}

// close ends k's window: with repeats held back, it writes the record that
// stands for them and opens the next window; without, it forgets k, so
// the next record of the kind passes at once.
func (s *state) close(k kind, w *held) {
	s.mu.Lock()
	if s.kinds[k] != w {
		s.mu.Unlock()
		return // flushed meanwhile
	}
	if w.repeated == 0 {
		delete(s.kinds, k)
		s.mu.Unlock()
		return
	}
	r, via := summary(w)
	w.timer = time.AfterFunc(s.window, func() { s.close(k, w) })
	s.mu.Unlock()
	via.Handle(context.Background(), r)
}

// summary returns the record standing for w's repeats, and resets them.
func summary(w *held) (slog.Record, slog.Handler) {
	r, via := w.last, w.via
	r.AddAttrs(slog.Int("repeated", w.repeated))
	w.repeated, w.last, w.via = 0, slog.Record{}, nil
	return r, via
}

// Flush writes at once the records standing for every repeat held back,
// and forgets every kind: call it before the process exits.
func (h *Handler) Flush() {
	s := h.s
	s.mu.Lock()
	var out []func()
	for k, w := range s.kinds {
		w.timer.Stop()
		delete(s.kinds, k)
		if w.repeated > 0 {
			r, via := summary(w)
			out = append(out, func() { via.Handle(context.Background(), r) })
		}
	}
	s.mu.Unlock()
	for _, write := range out {
		write()
	}
}

// errText returns the text of r's "err" (or "error") attribute, or "".
func errText(r slog.Record) string {
	var text string
	r.Attrs(func(a slog.Attr) bool {
		if a.Key != "err" && a.Key != "error" {
			return true
		}
		v := a.Value.Resolve()
		if err, ok := v.Any().(error); ok && v.Kind() == slog.KindAny {
			text = err.Error()
		} else {
			text = v.String()
		}
		return false
	})
	return text
}

var _ slog.Handler = (*Handler)(nil)

package main

import (
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"golang.org/x/term"
)

// progress draws a one-line progress bar on standard error while a long
// command runs, when standard error is a terminal: in a pipe or a log it
// draws nothing, so nothing but the command's messages lands there. It
// redraws at most every progressEvery.
type progress struct {
	w     io.Writer // nil: no bar
	last  time.Time
	drawn bool
}

const progressEvery = 200 * time.Millisecond

// isTerminal reports whether w is a terminal (a variable for the tests).
var isTerminal = func(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

func newProgress(w io.Writer) *progress {
	if !isTerminal(w) {
		return &progress{}
	}
	return &progress{w: w}
}

// reading shows how many lines have been read.
func (p *progress) reading(lines int) {
	p.draw(false, fmt.Sprintf("checking: %d users read", lines))
}

// writing shows done of total written, always when all are.
func (p *progress) writing(done, total int) {
	const width = 30
	full := width * done / max(total, 1)
	p.draw(done == total, fmt.Sprintf("importing [%s%s] %d/%d users", strings.Repeat("#", full), strings.Repeat(".", width-full), done, total))
}

func (p *progress) draw(force bool, text string) {
	if p.w == nil {
		return
	}
	if now := time.Now(); force || now.Sub(p.last) >= progressEvery {
		p.last = now
		fmt.Fprint(p.w, "\r\x1b[K"+text)
		p.drawn = true
	}
}

// done erases the bar, so what follows starts on a clean line.
func (p *progress) done() {
	if p.drawn {
		fmt.Fprint(p.w, "\r\x1b[K")
		p.drawn = false
	}
}

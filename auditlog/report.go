package auditlog

import (
	"fmt"
	"strings"
)

// Lines says what r found, for a person: the first line whether the chain
// is intact, the others what that rests on.
func (r *Report) Lines() []string {
	var l []string
	add := func(format string, args ...any) { l = append(l, fmt.Sprintf(format, args...)) }
	what := "audit chain"
	if r.File {
		what = "audit export"
	}
	if r.Problem != nil {
		add("%s BROKEN at seq %d: %s", what, r.Problem.Seq, r.Problem.What)
		if r.Problem.Seq == 0 {
			l[0] = fmt.Sprintf("%s BROKEN: %s", what, r.Problem.What)
		}
		if r.Events > 0 {
			add("events seq %d to %d before it are intact", r.First, r.Last)
		}
		return l
	}
	switch {
	case r.Events == 0:
		add("%s intact: no events", what)
	default:
		add("%s intact: %d events, seq %d to %d", what, r.Events, r.First, r.Last)
	}
	if r.File && r.Events > 0 && r.First > 1 {
		add("the export begins at seq %d: its link to seq %d is not checked (it is in the database)", r.First, r.First-1)
	}
	if a := r.Anchor; a != nil {
		add("the chain begins at seq %d after retention pruned %d events: the checkpoint of %s at seq %d anchors it", a.Seq+1, a.Seq, stamp(a.Time), a.Seq)
	}
	l = append(l, r.checkpointLines()...)
	return l
}

// checkpointLines say what the checkpoints prove.
func (r *Report) checkpointLines() []string {
	var l []string
	add := func(format string, args ...any) { l = append(l, fmt.Sprintf(format, args...)) }
	unsigned := r.Checkpoints - r.Signed
	switch {
	case r.Checkpoints == 0:
		add("no checkpoints: nothing signs the chain (vigil serve writes them; --audit-key-file signs them)")
	case r.Signed == 0:
		add("%d checkpoints, all unsigned: no --audit-key-file was set when they were made, so the chain proves its order but not that it was never rewritten whole", r.Checkpoints)
	case r.SignaturesChecked:
		add("%d checkpoints match their events; %d signed by key %s, every signature verified", r.Checkpoints, r.Signed, strings.Join(r.KeyIDs, ", "))
	default:
		add("%d checkpoints match their events; %d signed by key %s, signatures NOT checked: give --key-file or --public-key", r.Checkpoints, r.Signed, strings.Join(r.KeyIDs, ", "))
	}
	if unsigned > 0 && r.Signed > 0 {
		add("%d checkpoints before the first signed one are unsigned", unsigned)
	}
	if c := r.NewestSigned; c != nil {
		add("newest signed checkpoint: seq %d hash %s at %s (kept outside the database, it proves later what the chain held)", c.Seq, c.Hash, stamp(c.Time))
	}
	newest := int64(0)
	if r.Newest != nil {
		newest = r.Newest.Seq
	}
	if r.Events > 0 && r.Last > newest && newest > 0 {
		add("events seq %d to %d follow the newest checkpoint: linked, not yet signed", max(newest+1, r.First), r.Last)
	}
	return l
}

package main

import (
	"fmt"
	"io"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"
)

// report prints the table, the ratios against the targets, the
// one-session writes and the login storms, as Markdown.
func (h *harness) report(w io.Writer) {
	fmt.Fprintf(w, "\n## Results (%s; vigil %s; %d connections, %v warm-up, %v window; run took %v)\n\n",
		machine(), h.revision(), h.o.concurrency, h.o.warmup, h.o.dur, time.Since(h.started).Round(time.Second))
	if len(h.o.vigilEnv) > 0 {
		fmt.Fprintf(w, "Experiment: vigil ran with %s.\n\n", strings.Join(h.o.vigilEnv, " "))
	}
	fmt.Fprintln(w, "| row | sessions | req/s | × limit | p50 | p99 | p99.9 | max | errors | generator CPU | server CPU | postgres CPU | other CPU | CPU µs/req | store writes | server max RSS |")
	fmt.Fprintln(w, "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
	for _, r := range h.rows {
		ratio := "—"
		if l := h.find("limit", r.Sessions); l != nil && l.RPS > 0 && r.Name != "limit" {
			ratio = fmt.Sprintf("%.2f", r.RPS/l.RPS)
		}
		errs := fmt.Sprint(r.Errors)
		if r.Errors > 0 {
			errs += " (" + r.ErrorKind + ")"
		}
		fmt.Fprintf(w, "| %s | %d | %.0f | %s | %s | %s | %s | %s | %s | %.2f | %.2f | %.2f | %.2f | %.0f | %s | %s |\n",
			r.Name, r.Sessions, r.RPS, ratio, fmtDur(r.P50), fmtDur(r.P99), fmtDur(r.P999), fmtDur(r.Max),
			errs, r.GenCPU, r.ServerCPU, r.Postgres, r.Others(), r.CostPerRequest(), fmtWrites(r.Writes), fmtBytes(r.MaxRSS))
	}
	fmt.Fprintf(w, "\nCPU columns are in cores (of %d) over the window: the generator's own CPU time (getrusage), the server process's and PostgreSQL's processes' (/proc/pid/stat), and the rest of the machine's busy time (/proc/stat): the kernel's unattributed work and, on a shared machine, other workloads — a row with much \"other CPU\" was measured on a contended machine. \"CPU µs/req\" is what one good answer cost the generator, the server and PostgreSQL together; on a saturated machine throughput goes as its inverse, so its ratio to the limit's is the throughput ratio a quiet machine would show.\n", runtime.NumCPU())
	h.reportTargets(w)
	h.reportStartup(w)
	if len(h.writes) > 0 {
		fmt.Fprintln(w, "\n### Store writes per 1,000 requests of one session (30-minute idle timeout, activity due at the first request)")
		fmt.Fprintln(w, "\n| server | window | requests | store writes | per 1,000 |")
		fmt.Fprintln(w, "|---|---:|---:|---:|---:|")
		for _, r := range h.writes {
			fmt.Fprintf(w, "| %s | %v | %d | %d | %.3f |\n", r.Name, r.Window, r.Requests, r.Writes, r.PerThousand())
		}
	}
	for _, s := range h.storms {
		h.reportStorm(w, s)
	}
}

// reportStorm prints one login storm: the verify load alone and during the
// storm, closed loop and open loop, then the targets.
func (h *harness) reportStorm(w io.Writer, s *stormResult) {
	exp := ""
	if s.Experiment != "" {
		exp = " — " + s.Experiment + " (an experiment build, not vigil as it is)"
	}
	fmt.Fprintf(w, "\n### Login storm, vigil on %s%s\n\n%d sessions (session cache %s); %d clients logging in continuously as %d users from as many addresses, argon2id 19 MiB t=2 p=1.\n\n",
		s.Store, exp, s.Sessions, s.Cache, h.o.logins, (h.o.logins+clientsPerUser-1)/clientsPerUser)
	fmt.Fprintln(w, "| verify | req/s | p50 | p99 | p99.9 | errors | generator CPU | vigil CPU | hash workers CPU |")
	fmt.Fprintln(w, "|---|---:|---:|---:|---:|---:|---:|---:|---:|")
	for _, r := range []*rowResult{s.Unloaded, s.Loaded, s.OpenUnloaded, s.OpenLoaded} {
		errs := fmt.Sprint(r.Errors)
		if r.Errors > 0 {
			errs += " (" + r.ErrorKind + ")"
		}
		fmt.Fprintf(w, "| %s | %.0f | %s | %s | %s | %s | %.2f | %.2f | %.2f |\n", r.Name, r.RPS, fmtDur(r.P50), fmtDur(r.P99), fmtDur(r.P999), errs, r.GenCPU, r.ServerCPU, r.ChildCPU)
	}
	fmt.Fprintf(w, "\nClosed loop: each of the %d connections sends its next request when the last is answered, so req/s is what vigil can serve and the latency includes waiting behind the other requests in flight. Open loop: requests scheduled every 1/%.0f s whatever the answers do (the rate is half the closed loop's unloaded throughput, measured just before), taken by the first free connection; latency runs from each request's scheduled send time, so waiting for a connection counts, and req/s is the rate achieved (below the offered rate if vigil fell behind). The logins run across both phases under the storm, closed loop then open loop (%v in all).\n",
		h.o.concurrency, s.OpenRate, s.LoginWindow.Round(100*time.Millisecond))
	keep := s.Loaded.RPS / s.Unloaded.RPS
	fmt.Fprintf(w, "\n- verify keeps **%.0f%%** of its unloaded throughput (closed loop; target ≥ 50%%: %s)\n", 100*keep, verdict(keep >= 0.5))
	o := s.OpenLoaded
	behind := ""
	if o.RPS < 0.95*s.OpenRate || o.Errors > 0 {
		behind = fmt.Sprintf("; vigil did not keep up with the offered rate: %.0f req/s achieved, %d errors", o.RPS, o.Errors)
	}
	fmt.Fprintf(w, "- verify p99 during the storm at a fixed %.0f req/s (open loop, from the scheduled send time): **%s** (target < 5 ms: %s); alone at the same rate %s; the closed loop during the storm, %d requests in flight, %s%s\n",
		s.OpenRate, fmtDur(o.P99), verdict(o.P99 > 0 && o.P99 < 5*time.Millisecond), fmtDur(s.OpenUnloaded.P99), h.o.concurrency, fmtDur(s.Loaded.P99), behind)
	la := s.LoginsAlone
	fmt.Fprintf(w, "- logins with no verify load: **%.1f/s** (p50 %s, p99 %s%s; cores: hash workers %.2f, vigil %.2f, machine busy %.2f of %d); cores ÷ hash time = %.1f/s with one hash taking %v (measured before the storms, one at a time): **%.0f%%** of it; the machine's hash rate with a hash on every core, measured just before: %.1f/s: **%.0f%%** of it\n",
		la.RPS(), fmtDur(la.Latency.Quantile(0.5)), fmtDur(la.Latency.Quantile(0.99)), errSuffix(la.ErrorSummary()), s.AloneHashCPU, s.AloneVigilCPU, s.AloneBusy, runtime.NumCPU(), s.IdealLoginsRate, s.HashTime.Round(100*time.Microsecond), 100*la.RPS()/s.IdealLoginsRate, s.HashRate, 100*la.RPS()/s.HashRate)
	fmt.Fprintf(w, "- logins during the verify load: %.1f/s over both phases (p50 %s, p99 %s%s): hashing gets the CPU verify leaves idle\n",
		s.Logins, fmtDur(s.LoginP50), fmtDur(s.LoginP99), errSuffix(s.LoginErrors))
	total := s.MaxRSS + s.WorkersRSS
	fmt.Fprintf(w, "- vigil's max RSS (VmHWM): **%s**, and its %d hash worker process(es) %s, together **%s** (target < 256 MiB, judged on the sum: %s)\n",
		fmtBytes(s.MaxRSS), s.Workers, fmtBytes(s.WorkersRSS), fmtBytes(total), verdict(total < 256<<20))
}

func errSuffix(s string) string {
	if s == "" {
		return ", no errors"
	}
	return "; errors: " + s
}

func (h *harness) find(name string, n int) *rowResult {
	for _, r := range h.rows {
		if r.Name == name && r.Sessions == n {
			return r
		}
	}
	return nil
}

// reportTargets compares the rows as the targets say, at every
// session count measured (the targets are stated at 100,000).
func (h *harness) reportTargets(w io.Writer) {
	var lines []string
	for _, n := range h.o.sessions {
		limit := h.find("limit", n)
		for _, store := range []string{"sqlite", "postgres"} {
			v := h.find("vigil "+store, n)
			if v == nil {
				continue
			}
			add := func(label string, got float64, ok bool, target string) {
				lines = append(lines, fmt.Sprintf("| %d | vigil %s | %s | %.2f | %s | %s |", n, store, label, got, target, verdict(ok)))
			}
			if limit != nil {
				add("throughput ÷ limit", v.RPS/limit.RPS, v.RPS >= 0.8*limit.RPS, "≥ 0.8")
				c := limit.CostPerRequest() / v.CostPerRequest()
				add("limit's CPU µs/req ÷ vigil's (throughput ratio without contention)", c, c >= 0.8, "≥ 0.8")
				add("p99 ÷ limit's p99", float64(v.P99)/float64(limit.P99), float64(v.P99) <= 1.5*float64(limit.P99), "≤ 1.5")
			}
			if s := h.find("scs "+store+", idle 30m", n); s != nil {
				add("throughput ÷ scs idle 30m", v.RPS/s.RPS, v.RPS >= 5*s.RPS, "≥ 5")
			}
			if s := h.find("scs "+store+", idle off", n); s != nil {
				add("throughput ÷ scs idle off", v.RPS/s.RPS, v.RPS >= 2*s.RPS, "≥ 2")
			}
			if d := h.find("vigil "+store+", activity due", n); d != nil {
				if s := h.find("scs "+store+", idle 30m", n); s != nil {
					add("activity due: throughput ÷ scs idle 30m", d.RPS/s.RPS, d.RPS >= 5*s.RPS, "(≥ 5)")
				}
			}
			if base := h.find("vigil "+store, slices.Min(h.o.sessions)); base != nil && n >= 1_000_000 && base.Sessions < n {
				add("throughput ÷ same at "+fmt.Sprint(base.Sessions), v.RPS/base.RPS, v.RPS*1.5 >= base.RPS, "≥ 1/1.5")
				add("p99 ÷ same at "+fmt.Sprint(base.Sessions), float64(v.P99)/float64(base.P99), float64(v.P99) <= 1.5*float64(base.P99), "≤ 1.5")
			}
		}
	}
	if len(lines) == 0 {
		return
	}
	fmt.Fprintln(w, "\n### Ratios against the targets (vigil rows: warm sessions)")
	fmt.Fprintln(w, "\n| sessions | row | ratio | measured | target | |")
	fmt.Fprintln(w, "|---:|---|---|---:|---|---|")
	fmt.Fprintln(w, strings.Join(lines, "\n"))
}

// reportStartup lists vigil's startup times (exec to listening, and to the
// first good verify answer).
func (h *harness) reportStartup(w io.Writer) {
	var lines []string
	for _, r := range h.rows {
		if strings.HasPrefix(r.Name, "vigil") && !strings.Contains(r.Name, "activity due") {
			hits := "—"
			if r.HitRate >= 0 {
				hits = fmt.Sprintf("%.1f%% (%d cached)", 100*r.HitRate, r.Cached)
			}
			lines = append(lines, fmt.Sprintf("| %s | %d | %s | %s | %s | %s | %s |", r.Name, r.Sessions, r.Cache, fmtDur(r.Ready), fmtDur(r.FirstOK), fmtDur(r.Prime), hits))
		}
	}
	if len(lines) == 0 {
		return
	}
	fmt.Fprintln(w, "\n### vigil startup (exec → listening; exec → first 200 from verify), the priming pass (every session once) and the cache's hit rate in the window (--metrics)")
	if h.cacheDefault > 0 {
		fmt.Fprintf(w, "\nSession cache: the entries vigil ran with; rows with more sessions than vigil's default (%s) run with --session-cache set to their session count, so the cache holds every session. The activity-due rows ran with the same cache as the row of their store and session count.\n", fmtCount(h.cacheDefault))
	}
	fmt.Fprintln(w, "\n| row | sessions | session cache | listening | first 200 | priming pass | cache hits |")
	fmt.Fprintln(w, "|---|---:|---|---:|---:|---:|---:|")
	fmt.Fprintln(w, strings.Join(lines, "\n"))
}

func verdict(ok bool) string {
	if ok {
		return "met"
	}
	return "**missed**"
}

func fmtDur(d time.Duration) string {
	switch {
	case d <= 0:
		return "—"
	case d < 10*time.Millisecond:
		return fmt.Sprintf("%.0f µs", float64(d)/float64(time.Microsecond))
	case d < 10*time.Second:
		return fmt.Sprintf("%.1f ms", float64(d)/float64(time.Millisecond))
	default:
		return d.Round(100 * time.Millisecond).String()
	}
}

// fmtCount writes n with thousands separators (1,000,000).
func fmtCount(n int) string {
	d := strconv.Itoa(n)
	neg := strings.HasPrefix(d, "-")
	d = strings.TrimPrefix(d, "-")
	var b strings.Builder
	for i, c := range d {
		if i > 0 && (len(d)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

func fmtWrites(n int64) string {
	if n < 0 {
		return "—"
	}
	return fmt.Sprint(n)
}

func fmtBytes(n int64) string {
	if n <= 0 {
		return "—"
	}
	return fmt.Sprintf("%.0f MiB", float64(n)/(1<<20))
}

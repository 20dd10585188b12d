package load

import (
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

func TestBucketBounds(t *testing.T) {
	for _, v := range []uint64{0, 1, 127, 128, 129, 255, 256, 1000, 1 << 20, 123456789, 1<<63 - 1, 1 << 63} {
		i := bucket(v)
		if i < 0 || i >= nBuckets {
			t.Fatalf("bucket(%d) = %d, out of range", v, i)
		}
		if up := upper(i); v > up {
			t.Errorf("value %d above its bucket's upper bound %d", v, up)
		}
		if i > 0 && v <= upper(i-1) {
			t.Errorf("value %d fits the previous bucket (upper %d)", v, upper(i-1))
		}
	}
}

func TestQuantilesWithinPrecision(t *testing.T) {
	var h Histogram
	r := rand.New(rand.NewPCG(1, 2))
	vals := make([]time.Duration, 100_000)
	for i := range vals {
		vals[i] = time.Duration(r.ExpFloat64() * float64(200*time.Microsecond))
		h.Record(vals[i])
	}
	slices.Sort(vals)
	for _, q := range []float64{0.5, 0.9, 0.99, 0.999} {
		exact := vals[int(q*float64(len(vals)))-1]
		got := h.Quantile(q)
		if got < exact || float64(got) > float64(exact)*1.02+1 {
			t.Errorf("q%.3f = %v, exact %v: off by more than the precision", q, got, exact)
		}
	}
	if h.Max() != vals[len(vals)-1] || h.Quantile(1) != h.Max() {
		t.Errorf("max %v, q1 %v, want %v", h.Max(), h.Quantile(1), vals[len(vals)-1])
	}
}

func TestMerge(t *testing.T) {
	var a, b Histogram
	a.Record(time.Millisecond)
	b.Record(3 * time.Millisecond)
	b.Record(2 * time.Millisecond)
	a.Merge(&b)
	if a.Count() != 3 || a.Mean() != 2*time.Millisecond || a.Max() != 3*time.Millisecond {
		t.Errorf("merged: n=%d mean=%v max=%v", a.Count(), a.Mean(), a.Max())
	}
	if q := a.Quantile(0.5); q < 2*time.Millisecond || q > 2*time.Millisecond*102/100 {
		t.Errorf("median %v, want about 2ms", q)
	}
}

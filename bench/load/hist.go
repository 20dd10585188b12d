package load

import (
	"math"
	"math/bits"
	"time"
)

// subBits sets the histogram's precision: 2^subBits linear sub-buckets per
// power of two, so a recorded value is off by at most 1/2^(subBits-1)
// (under 1.6% with 7).
const subBits = 7

const (
	subCount = 1 << subBits
	halfSub  = subCount / 2
	nBuckets = (64-subBits)*halfSub + subCount
)

// Histogram counts durations in log-linear buckets (the HDR histogram's
// layout): exact below 128 ns, then 64 buckets per power of two. It is not
// safe for concurrent use; give each worker its own and Merge them.
type Histogram struct {
	counts   [nBuckets]uint64
	n        uint64
	sum      float64
	min, max uint64
}

// bucket returns the index of v.
func bucket(v uint64) int {
	if v < subCount {
		return int(v)
	}
	shift := bits.Len64(v) - subBits // >= 1
	return shift*halfSub + int(v>>shift)
}

// upper returns the highest value bucket i holds.
func upper(i int) uint64 {
	if i < subCount {
		return uint64(i)
	}
	shift := i/halfSub - 1
	m := uint64(i - shift*halfSub)
	return (m+1)<<shift - 1
}

// Record adds one duration.
func (h *Histogram) Record(d time.Duration) {
	v := uint64(max(d, 0))
	h.counts[bucket(v)]++
	if h.n == 0 || v < h.min {
		h.min = v
	}
	if v > h.max {
		h.max = v
	}
	h.n++
	h.sum += float64(v)
}

// Merge adds o's counts to h.
func (h *Histogram) Merge(o *Histogram) {
	if o.n == 0 {
		return
	}
	for i, c := range o.counts {
		h.counts[i] += c
	}
	if h.n == 0 || o.min < h.min {
		h.min = o.min
	}
	h.max = max(h.max, o.max)
	h.n += o.n
	h.sum += o.sum
}

// Count returns how many durations were recorded.
func (h *Histogram) Count() uint64 { return h.n }

// Mean returns the exact mean.
func (h *Histogram) Mean() time.Duration {
	if h.n == 0 {
		return 0
	}
	return time.Duration(h.sum / float64(h.n))
}

// Max returns the exact maximum.
func (h *Histogram) Max() time.Duration { return time.Duration(h.max) }

// Quantile returns the value below or at which a fraction q of the
// recorded durations lie: the upper end of the bucket holding the
// ceil(q*n)-th smallest value, capped by the exact maximum (as HDR reports
// a bucket's highest equivalent value).
func (h *Histogram) Quantile(q float64) time.Duration {
	if h.n == 0 {
		return 0
	}
	rank := uint64(math.Ceil(q * float64(h.n)))
	rank = min(max(rank, 1), h.n)
	var seen uint64
	for i, c := range h.counts {
		seen += c
		if seen >= rank {
			return time.Duration(min(upper(i), h.max))
		}
	}
	return time.Duration(h.max)
}

package revocation

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"math/bits"
	"sync"
	"time"

	"github.com/ithc/ithc/verify"
)

// Index is a verifier's lookup structure: the entries of every batch it
// holds, partitioned by signer kid and hash type, each partition a few
// sorted runs (a log-structured merge: a new batch is a new run, merged
// with the last run while that is not more than twice as large), each run
// bucketed by up to its entries' first 16 bits, whose whole bytes it
// then does not store. In a large run an entry costs its remaining 14
// bytes plus one byte naming its batch within the run; the buckets cost
// 256 KiB per run (0.03 bytes per entry at 10 million). Lookups are exact: a hit is a stored 128-bit entry, never a
// filter's guess.
//
// Index implements verify.RevocationChecker and is safe for concurrent
// use: lookups run while a batch is added or removed (writers build new
// runs aside and swap them in).
type Index struct {
	// Now is the clock deciding whether a batch has expired; nil means
	// time.Now.
	Now func() time.Time

	writeMu sync.Mutex // serialises Add and Remove
	mu      sync.RWMutex
	parts   map[string]*partition // by raw kid
	batches map[string]*batchRec  // by batch ID
	entries int
}

type batchRec struct {
	id, country, reason string
	kid                 string // raw
	typ                 HashType
	created, expires    time.Time
	// revokedBefore is a SHCRID batch's timestamp (zero: none).
	revokedBefore time.Time
	count         int
}

type partition struct {
	runs [numHashTypes][]*run
}

// maxRunBatches is how many batches one run may hold (refs are one byte).
const maxRunBatches = 255

// run is an immutable sorted array of entries, bucketed by their first
// bits bits, without their first p bytes (which the bucket determines).
type run struct {
	bits, p, stride, n int
	offs               []uint32 // 2^bits + 1 bucket offsets; nil when bits == 0
	// slots holds n slots of stride+1 bytes: the entry without its first
	// p bytes, then its batch (an index into batches), so that a hit
	// finds its batch in the cache line it was found in.
	slots   []byte
	batches []*batchRec
}

// NewIndex returns an empty index.
func NewIndex() *Index {
	return &Index{parts: make(map[string]*partition), batches: make(map[string]*batchRec)}
}

// bucketBits is how many leading bits a run of n entries buckets by: at
// most 2^16 buckets (a table of 256 KiB that stays in the CPU cache),
// about sixteen entries per bucket in smaller runs. Within a bucket a
// lookup interpolates: entries are uniform (they are hashes), so the next
// 16 bits of the key predict its position to within a few entries.
func bucketBits(n int) int {
	b := bits.Len(uint(n)) - 5
	return max(0, min(b, 16))
}

func (r *run) bucket(h *Hash) int {
	return int(binary.BigEndian.Uint32(h[:4]) >> (32 - r.bits))
}

type runBuilder struct {
	r *run
	i int
}

func newRunBuilder(n int, batches []*batchRec) *runBuilder {
	b := bucketBits(n)
	p := min(b/8, 2)
	r := &run{bits: b, p: p, stride: 16 - p, n: n, slots: make([]byte, n*(17-p)), batches: batches}
	if b > 0 {
		r.offs = make([]uint32, 1<<b+1)
	}
	return &runBuilder{r: r}
}

func (b *runBuilder) add(h *Hash, ref uint8) {
	r := b.r
	o := b.i * (r.stride + 1)
	copy(r.slots[o:], h[r.p:])
	r.slots[o+r.stride] = ref
	if r.bits > 0 {
		r.offs[r.bucket(h)+1]++
	}
	b.i++
}

func (b *runBuilder) done() *run {
	r := b.r
	for i := 1; i < len(r.offs); i++ {
		r.offs[i] += r.offs[i-1]
	}
	return r
}

// iter walks a run in order, rebuilding full entries.
type iter struct {
	r    *run
	i, b int
}

func (it *iter) valid() bool { return it.i < it.r.n }

func (it *iter) key() (h Hash) {
	r := it.r
	if r.p > 0 {
		for r.offs[it.b+1] <= uint32(it.i) {
			it.b++
		}
		var pre [4]byte
		binary.BigEndian.PutUint32(pre[:], uint32(it.b)<<(32-r.bits))
		copy(h[:r.p], pre[:])
	}
	copy(h[r.p:], r.key(it.i))
	return h
}

// key returns the stored part of entry i; ref its batch index.
func (r *run) key(i int) []byte {
	o := i * (r.stride + 1)
	return r.slots[o : o+r.stride]
}

func (r *run) ref(i int) uint8 { return r.slots[i*(r.stride+1)+r.stride] }

// find returns the index of the first entry equal to h, or -1, and the
// end of its bucket.
func (r *run) find(h *Hash) (int, int) {
	lo, hi := 0, r.n
	if r.bits > 0 {
		b := r.bucket(h)
		lo, hi = int(r.offs[b]), int(r.offs[b+1])
	}
	if lo >= hi {
		return -1, hi
	}
	want := h[r.p:]
	// Interpolate on the 16 bits after the bucket's, then walk.
	next := uint64(binary.BigEndian.Uint32(h[:4])<<r.bits) >> 16
	i := lo + int(next*uint64(hi-lo)>>16)
	if bytes.Compare(r.key(i), want) < 0 {
		for i++; i < hi && bytes.Compare(r.key(i), want) < 0; i++ {
		}
	} else {
		for i > lo && bytes.Compare(r.key(i-1), want) >= 0 {
			i--
		}
	}
	if i < hi && bytes.Equal(r.key(i), want) {
		return i, hi
	}
	return -1, hi
}

func (r *run) bytes() int { return len(r.slots) + 4*len(r.offs) }

// merge merges two runs into one.
func merge(a, b *run) *run {
	batches := append(append(make([]*batchRec, 0, len(a.batches)+len(b.batches)), a.batches...), b.batches...)
	off := uint8(len(a.batches))
	out := newRunBuilder(a.n+b.n, batches)
	ia, ib := &iter{r: a}, &iter{r: b}
	var ka, kb Hash
	if ia.valid() {
		ka = ia.key()
	}
	if ib.valid() {
		kb = ib.key()
	}
	for ia.valid() || ib.valid() {
		if ib.valid() && (!ia.valid() || kb.Compare(ka) < 0) {
			out.add(&kb, b.ref(ib.i)+off)
			ib.i++
			if ib.valid() {
				kb = ib.key()
			}
		} else {
			out.add(&ka, a.ref(ia.i))
			ia.i++
			if ia.valid() {
				ka = ia.key()
			}
		}
	}
	return out.done()
}

// without returns r without the entries of batch rec (nil when empty).
func (r *run) without(rec *batchRec) *run {
	drop := -1
	for i, b := range r.batches {
		if b == rec {
			drop = i
		}
	}
	if drop < 0 {
		return r
	}
	n := 0
	for i := 0; i < r.n; i++ {
		if int(r.ref(i)) != drop {
			n++
		}
	}
	if n == 0 {
		return nil
	}
	batches := append(append([]*batchRec(nil), r.batches[:drop]...), r.batches[drop+1:]...)
	out := newRunBuilder(n, batches)
	for it := (&iter{r: r}); it.valid(); it.i++ {
		ref := int(r.ref(it.i))
		k := it.key()
		switch {
		case ref == drop:
		case ref > drop:
			out.add(&k, uint8(ref-1))
		default:
			out.add(&k, uint8(ref))
		}
	}
	return out.done()
}

// Add adds a batch. A batch whose ID the index holds already is refused.
func (x *Index) Add(b *Batch) error {
	x.writeMu.Lock()
	defer x.writeMu.Unlock()
	x.mu.RLock()
	_, dup := x.batches[b.ID]
	part := x.parts[string(b.KIDRaw)]
	x.mu.RUnlock()
	if dup {
		return fmt.Errorf("revocation: index: batch %s is already held", b.ID)
	}
	if b.Type == 0 || b.Type >= numHashTypes || len(b.Entries) == 0 {
		return fmt.Errorf("revocation: index: batch %s is not checked (use NewBatch or ParseBatch)", b.ID)
	}
	rec := &batchRec{id: b.ID, country: b.Country, reason: b.Reason, kid: string(b.KIDRaw), typ: b.Type,
		created: b.Created, expires: b.Expires, revokedBefore: b.RevokedBefore, count: len(b.Entries)}
	rb := newRunBuilder(len(b.Entries), []*batchRec{rec})
	for i := range b.Entries {
		rb.add(&b.Entries[i], 0)
	}
	var runs []*run
	if part != nil {
		runs = append(runs, part.runs[b.Type]...)
	}
	runs = append(runs, rb.done())
	for len(runs) >= 2 {
		last, prev := runs[len(runs)-1], runs[len(runs)-2]
		if 2*last.n < prev.n || len(last.batches)+len(prev.batches) > maxRunBatches {
			break
		}
		runs = append(runs[:len(runs)-2], merge(prev, last))
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	np := &partition{}
	if part != nil {
		*np = *part
	}
	np.runs[b.Type] = runs
	x.parts[rec.kid] = np
	x.batches[b.ID] = rec
	x.entries += rec.count
	return nil
}

// AddAll adds batches at once, building each partition's runs in one
// k-way merge instead of merging as batches arrive (Load uses it). It
// stops at the first batch refused, having added those before it.
func (x *Index) AddAll(bs []*Batch) error {
	type key struct {
		kid string
		t   HashType
	}
	x.writeMu.Lock()
	defer x.writeMu.Unlock()
	groups := map[key][]*Batch{}
	var order []key
	seen := map[string]bool{}
	for _, b := range bs {
		if b.Type == 0 || b.Type >= numHashTypes || len(b.Entries) == 0 {
			return fmt.Errorf("revocation: index: batch %s is not checked (use NewBatch or ParseBatch)", b.ID)
		}
		if seen[b.ID] || x.Has(b.ID) {
			return fmt.Errorf("revocation: index: batch %s is already held", b.ID)
		}
		seen[b.ID] = true
		k := key{string(b.KIDRaw), b.Type}
		if groups[k] == nil {
			order = append(order, k)
		}
		groups[k] = append(groups[k], b)
	}
	for _, k := range order {
		g := groups[k]
		var runs []*run
		var recs []*batchRec
		for len(g) > 0 {
			chunk := g[:min(len(g), maxRunBatches)]
			g = g[len(chunk):]
			r, rs := mergeBatches(chunk)
			runs = append(runs, r)
			recs = append(recs, rs...)
		}
		x.mu.Lock()
		np := &partition{}
		if p := x.parts[k.kid]; p != nil {
			*np = *p
		}
		np.runs[k.t] = append(append([]*run(nil), np.runs[k.t]...), runs...)
		x.parts[k.kid] = np
		for _, rec := range recs {
			x.batches[rec.id] = rec
			x.entries += rec.count
		}
		x.mu.Unlock()
	}
	return nil
}

// mergeBatches builds one run of up to maxRunBatches sorted batches.
func mergeBatches(bs []*Batch) (*run, []*batchRec) {
	recs := make([]*batchRec, len(bs))
	n := 0
	for i, b := range bs {
		recs[i] = &batchRec{id: b.ID, country: b.Country, reason: b.Reason, kid: string(b.KIDRaw), typ: b.Type,
			created: b.Created, expires: b.Expires, revokedBefore: b.RevokedBefore, count: len(b.Entries)}
		n += len(b.Entries)
	}
	out := newRunBuilder(n, recs)
	// A binary min-heap of cursors, ordered by their current entry.
	type cursor struct{ b, i int }
	h := make([]cursor, 0, len(bs))
	less := func(a, c cursor) bool {
		if d := bs[a.b].Entries[a.i].Compare(bs[c.b].Entries[c.i]); d != 0 {
			return d < 0
		}
		return a.b < c.b
	}
	down := func(i int) {
		for {
			l, m := 2*i+1, i
			if l < len(h) && less(h[l], h[m]) {
				m = l
			}
			if l+1 < len(h) && less(h[l+1], h[m]) {
				m = l + 1
			}
			if m == i {
				return
			}
			h[i], h[m] = h[m], h[i]
			i = m
		}
	}
	for i := range bs {
		h = append(h, cursor{i, 0})
	}
	for i := len(h)/2 - 1; i >= 0; i-- {
		down(i)
	}
	for len(h) > 0 {
		c := h[0]
		out.add(&bs[c.b].Entries[c.i], uint8(c.b))
		if c.i+1 < len(bs[c.b].Entries) {
			h[0].i++
		} else {
			h[0] = h[len(h)-1]
			h = h[:len(h)-1]
		}
		down(0)
	}
	return out.done(), recs
}

// Remove removes the batch id; it reports whether the index held it.
func (x *Index) Remove(id string) bool {
	x.writeMu.Lock()
	defer x.writeMu.Unlock()
	x.mu.RLock()
	rec := x.batches[id]
	x.mu.RUnlock()
	if rec == nil {
		return false
	}
	x.mu.RLock()
	part := x.parts[rec.kid]
	x.mu.RUnlock()
	var runs []*run
	for _, r := range part.runs[rec.typ] {
		if r = r.without(rec); r != nil {
			runs = append(runs, r)
		}
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	np := &partition{}
	*np = *part
	np.runs[rec.typ] = runs
	empty := true
	for _, rs := range np.runs {
		empty = empty && len(rs) == 0
	}
	if empty {
		delete(x.parts, rec.kid)
	} else {
		x.parts[rec.kid] = np
	}
	delete(x.batches, id)
	x.entries -= rec.count
	return true
}

// Compact merges the runs of each partition into as few as the one-byte
// batch references allow, so that a lookup probes one run per hash type.
// Load calls it; after incremental additions it is optional (lookups
// probe a few more, smaller runs until then).
func (x *Index) Compact() {
	x.writeMu.Lock()
	defer x.writeMu.Unlock()
	x.mu.RLock()
	parts := make(map[string]*partition, len(x.parts))
	for k, p := range x.parts {
		parts[k] = p
	}
	x.mu.RUnlock()
	for kid, p := range parts {
		np := &partition{}
		changed := false
		for t, runs := range p.runs {
			var out []*run
			for _, r := range runs {
				if n := len(out); n > 0 && len(out[n-1].batches)+len(r.batches) <= maxRunBatches {
					out[n-1] = merge(out[n-1], r)
					changed = true
					continue
				}
				out = append(out, r)
			}
			np.runs[t] = out
		}
		if changed {
			x.mu.Lock()
			x.parts[kid] = np
			x.mu.Unlock()
		}
	}
}

// Has reports whether the index holds batch id.
func (x *Index) Has(id string) bool {
	x.mu.RLock()
	defer x.mu.RUnlock()
	return x.batches[id] != nil
}

// Stats describes an index.
type Stats struct {
	Batches, Entries, Partitions, Runs int
	// Bytes is the memory of the runs (entries, batch references and
	// bucket offsets).
	Bytes int
}

// Stats returns the index's size.
func (x *Index) Stats() Stats {
	x.mu.RLock()
	defer x.mu.RUnlock()
	s := Stats{Batches: len(x.batches), Entries: x.entries, Partitions: len(x.parts)}
	for _, p := range x.parts {
		for _, rs := range p.runs {
			for _, r := range rs {
				s.Runs++
				s.Bytes += r.bytes()
			}
		}
	}
	return s
}

// Lookup returns the batch holding entry h of hash type t for the signer
// kid, or nil. Batches expired at x.Now are ignored. A SHCRID batch with a
// RevokedBefore time counts whatever the card's issuance: Revoked
// compares it with the card's.
func (x *Index) Lookup(kid []byte, t HashType, h Hash) *verify.Revocation {
	if t == 0 || t >= numHashTypes {
		return nil
	}
	x.mu.RLock()
	p := x.parts[string(kid)]
	x.mu.RUnlock()
	if p == nil {
		return nil
	}
	return x.lookup(p.runs[t], &h, nil)
}

// lookup finds h in runs; when issued is not nil, a batch with a
// revokedBefore time counts only if *issued is before it.
func (x *Index) lookup(runs []*run, h *Hash, issued *time.Time) *verify.Revocation {
	for _, r := range runs {
		i, end := r.find(h)
		if i < 0 {
			continue
		}
		for ; i < end; i++ {
			if !bytes.Equal(r.key(i), h[r.p:]) {
				break
			}
			rec := r.batches[r.ref(i)]
			if issued != nil && !rec.revokedBefore.IsZero() && !issued.Before(rec.revokedBefore) {
				continue
			}
			if x.now().Before(rec.expires) {
				return &verify.Revocation{Batch: rec.id, Kind: rec.typ.kind(), Reason: rec.reason, Date: rec.created}
			}
		}
	}
	return nil
}

func (x *Index) now() time.Time {
	if x.Now != nil {
		return x.Now()
	}
	return time.Now()
}

// Revoked implements verify.RevocationChecker: it hashes the query's
// identifiers for each hash type the signer's batches use, and looks each
// up. Codes of a signer without batches cost one map lookup.
func (x *Index) Revoked(q *verify.RevocationQuery) *verify.Revocation {
	x.mu.RLock()
	p := x.parts[string(q.KID)]
	x.mu.RUnlock()
	if p == nil {
		return nil
	}
	var buf [128]byte
	if runs := p.runs[HashUCI]; len(runs) > 0 {
		for _, uci := range q.UCIs {
			if uci == "" {
				continue
			}
			sum := sha256.Sum256(append(buf[:0], uci...))
			h := Hash(sum[:16])
			if r := x.lookup(runs, &h, nil); r != nil {
				return r
			}
		}
	}
	if runs := p.runs[HashCountryCodeUCI]; len(runs) > 0 {
		for _, uci := range q.UCIs {
			if uci == "" {
				continue
			}
			sum := sha256.Sum256(append(append(buf[:0], q.Country...), uci...))
			h := Hash(sum[:16])
			if r := x.lookup(runs, &h, nil); r != nil {
				return r
			}
		}
	}
	if runs := p.runs[HashSignature]; len(runs) > 0 && len(q.Signature) > 0 {
		h := HashOfSignature(q.Signature, q.ECDSA)
		if r := x.lookup(runs, &h, nil); r != nil {
			return r
		}
	}
	if runs := p.runs[HashSHCRID]; len(runs) > 0 && q.RID != "" && len(q.KID) == 32 {
		// iss "#" kid "." rid, as HashOfSHCRID, without allocating.
		var kid [43]byte
		base64.RawURLEncoding.Encode(kid[:], q.KID)
		var sbuf [512]byte
		in := append(append(append(append(append(sbuf[:0], q.Issuer...), '#'), kid[:]...), '.'), q.RID...)
		sum := sha256.Sum256(in)
		h := Hash(sum[:16])
		if r := x.lookup(runs, &h, &q.IssuedAt); r != nil {
			return r
		}
	}
	return nil
}

var _ verify.RevocationChecker = (*Index)(nil)

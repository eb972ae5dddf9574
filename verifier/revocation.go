package verifier

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/ithc/ithc/internal/limits"
	"github.com/ithc/ithc/revocation"
	"github.com/ithc/ithc/trust"
)

// DirRevocation is the subdirectory of a verifier's data directory that
// holds its revocation data (revocation.Save's layout); the previous good
// copy is DirRevocation + ".prev".
const DirRevocation = "revocation"

// RevocationSyncOptions configure SyncRevocation: the options of the
// trust-list sync (SyncRevocation fetches URL + "/v1/revocation/list" and
// URL + "/v1/revocation/batches/ID"; Dir must hold a trust list synced from
// the same gateway, whose upload certificates authenticate the batches,
// and the revocation data goes to Dir/revocation; a nil Client means one
// with a 60-second timeout), and two of its own.
type RevocationSyncOptions struct {
	SyncOptions
	// Index, when not nil, is a live index (of the copy in Dir) that the
	// sync updates in place: removed batches are removed, new ones added.
	Index *revocation.Index
	// Workers is how many batches are fetched at once; zero means 4.
	Workers int
}

// RevocationSyncResult reports what a revocation sync did.
type RevocationSyncResult struct {
	// Version is the local copy's version after the sync.
	Version int64
	// Changed is false when the gateway answered 304 Not Modified.
	Changed bool
	// Incremental is true when only the changes were listed.
	Incremental bool
	// ListBytes is the size of the signed list, Fetched the number of
	// batches downloaded and FetchedBytes their size.
	ListBytes, Fetched int
	FetchedBytes       int64
	// Removed counts batches dropped (deleted or expired).
	Removed int
	// Batches and Entries describe the copy after the sync.
	Batches, Entries int
}

// SyncRevocation brings the revocation copy in o.Dir/revocation up to date:
// it fetches the signed list of batch descriptions (only the changes since
// the local version, unless Full or the copy is from elsewhere), checks it
// against the anchor, fetches each new batch's CMS, checks that an
// onboarded upload certificate of the batch's country signed it, that its
// body is the one the list describes and that its kid is not another
// country's signer, drops deleted and expired batches, and replaces the
// copy atomically. On any error the previous copy stays as it was.
func SyncRevocation(ctx context.Context, o RevocationSyncOptions) (*RevocationSyncResult, error) {
	if o.Anchor == nil || o.Dir == "" || o.URL == "" {
		return nil, errors.New("verifier: revocation sync: URL, Anchor and Dir are required")
	}
	now := time.Now
	if o.Now != nil {
		now = o.Now
	}
	client := o.Client
	if client == nil {
		client = &http.Client{Timeout: 60 * time.Second}
	}
	workers := o.Workers
	if workers <= 0 {
		workers = 4
	}
	auth, err := loadBatchAuthority(o.Dir, o.Anchor)
	if err != nil {
		return nil, err
	}
	revDir := filepath.Join(o.Dir, DirRevocation)
	local := &revocation.State{}
	if !o.Full {
		// Continue from the current copy only (not from the previous one,
		// whose bodies the new copy could not take), of the same source.
		if s, from, err := revocation.ReadState(revDir); err == nil && from == revDir && s.Source == o.URL {
			local = s
		}
	}
	base := strings.TrimRight(o.URL, "/")
	res := &RevocationSyncResult{Version: local.Version, Batches: len(local.Batches)}
	for _, b := range local.Batches {
		res.Entries += b.Count
	}
	t := now()
	l, data, etag, err := fetchRevocationList(ctx, client, base, local, o.Anchor, t, true)
	if err == nil && l != nil && l.Since != 0 && l.Epoch != local.Epoch {
		// The gateway was restored from a backup and advanced since the
		// last sync (trust.List.Epoch): the changes since the local
		// version say nothing of the batches the restore lost. Download
		// the whole list once; batches whose body is unchanged are kept
		// without being fetched again.
		l, data, etag, err = fetchRevocationList(ctx, client, base, local, o.Anchor, t, false)
	}
	if err != nil {
		return nil, err
	}
	if l == nil { // not modified
		return res, nil
	}

	// held: what the new copy will hold; a full list replaces everything.
	held := make(map[string]revocation.StateBatch, len(local.Batches))
	for _, b := range local.Batches {
		held[b.ID] = b
	}
	old := held
	if l.Since == 0 {
		held = make(map[string]revocation.StateBatch, len(l.Entries))
	}
	var fetch []revocation.StateBatch
	for i := range l.Entries {
		e := &l.Entries[i]
		if e.Kind != "revocation" {
			return nil, fmt.Errorf("verifier: revocation sync: list entry %d is of kind %q; keeping the local copy", i, e.Kind)
		}
		if e.Deleted {
			delete(held, e.ID)
			continue
		}
		in, err := revocation.ParseInfo(e.Data)
		if err != nil {
			return nil, fmt.Errorf("verifier: revocation sync: list entry %d: %w; keeping the local copy", i, err)
		}
		if in.ID != e.ID || in.Country != e.Country {
			return nil, fmt.Errorf("verifier: revocation sync: list entry %d (%s of %s) describes batch %s of %s; keeping the local copy", i, e.ID, e.Country, in.ID, in.Country)
		}
		sb := revocation.StateBatch{Seq: e.Seq, Info: *in}
		if prev, ok := old[in.ID]; ok && prev.Body == in.Body {
			held[in.ID] = sb
			continue
		}
		delete(held, in.ID)
		if len(held)+len(fetch) >= limits.MaxRevocationBatches {
			return nil, fmt.Errorf("verifier: revocation sync: more than %d batches; keeping the local copy", limits.MaxRevocationBatches)
		}
		fetch = append(fetch, sb)
	}
	for id, b := range held {
		if !t.Before(b.Expires) {
			delete(held, id)
		}
	}
	live := fetch[:0]
	for _, b := range fetch {
		if t.Before(b.Expires) {
			live = append(live, b)
		}
	}
	fetch = live

	bodies, batches, n, err := fetchBatches(ctx, client, base, fetch, auth, workers, o.Index != nil)
	if err != nil {
		return nil, fmt.Errorf("verifier: revocation sync: %w; keeping the local copy", err)
	}
	next := &revocation.State{Source: o.URL, Version: l.Version, Epoch: l.Epoch, ETag: etag, Synced: t.UTC()}
	for _, b := range fetch {
		held[b.ID] = b
	}
	for _, l := range [][]revocation.StateBatch{local.Batches, fetch} {
		for _, b := range l {
			if hb, ok := held[b.ID]; ok {
				next.Batches = append(next.Batches, hb)
				delete(held, b.ID)
			}
		}
	}
	for _, b := range held { // kept from the old copy under a full list
		next.Batches = append(next.Batches, b)
	}
	if err := revocation.Save(revDir, next, bodies); err != nil {
		return nil, err
	}
	keep := make(map[string]bool, len(next.Batches))
	for _, b := range next.Batches {
		keep[b.ID] = true
	}
	for _, b := range local.Batches {
		if !keep[b.ID] || bodies[b.ID] != nil {
			res.Removed++
			if o.Index != nil {
				o.Index.Remove(b.ID)
			}
		}
	}
	if o.Index != nil {
		for _, b := range batches {
			if b == nil {
				continue
			}
			o.Index.Remove(b.ID)
			if err := o.Index.Add(b); err != nil {
				return nil, err
			}
		}
	}
	res.Version, res.Changed, res.Incremental = next.Version, true, l.Since > 0
	res.ListBytes, res.Fetched, res.FetchedBytes = len(data), len(fetch), n
	res.Batches, res.Entries = len(next.Batches), 0
	for _, b := range next.Batches {
		res.Entries += b.Count
	}
	return res, nil
}

// fetchRevocationList downloads and checks the signed revocation list:
// the changes since local's version when incremental and local has one,
// else the whole list. A nil list means not modified.
func fetchRevocationList(ctx context.Context, client *http.Client, base string, local *revocation.State, anchor *x509.Certificate,
	t time.Time, incremental bool) (*trust.List, []byte, string, error) {
	since := int64(0)
	if incremental {
		since = local.Version
	}
	l, data, etag, err := fetchList(ctx, client, base, "/v1/revocation/list", since, local.ETag, anchor, t, "revocation sync")
	if err != nil || l == nil {
		return l, data, etag, err
	}
	if l.Since != 0 && l.Since != since {
		return nil, nil, "", fmt.Errorf("verifier: revocation sync: asked for the changes since %d, got those since %d; keeping the local copy", since, l.Since)
	}
	if l.Version < local.Version {
		return nil, nil, "", fmt.Errorf("verifier: revocation sync: the gateway's version %d is older than the local %d; keeping the local copy", l.Version, local.Version)
	}
	return l, data, etag, nil
}

// batchAuthority is what authenticates a batch: the onboarded upload
// certificates of each country and the country of each signer kid, from
// the verifier's synced trust list.
type batchAuthority struct {
	uploads trust.Uploads
	signers map[string]string
}

func loadBatchAuthority(dir string, anchor *x509.Certificate) (*batchAuthority, error) {
	sl, a, err := trust.ReadSynced(dir)
	if err != nil {
		return nil, fmt.Errorf("verifier: revocation sync: %w (sync the trust list of the same gateway into %s first)", err, dir)
	}
	if !a.Equal(anchor) {
		return nil, fmt.Errorf("verifier: revocation sync: the trust list in %s was checked against another anchor", dir)
	}
	auth := &batchAuthority{uploads: trust.UploadsOf(&sl.List, anchor), signers: map[string]string{}}
	for i := range sl.List.Entries {
		e := &sl.List.Entries[i]
		if e.Deleted {
			continue
		}
		switch e.Kind {
		case "signer":
			auth.signers[e.ID] = e.Country
		}
	}
	return auth, nil
}

// check authenticates a batch's CMS against its description and returns
// the body and the parsed batch.
func (a *batchAuthority) check(der []byte, in *revocation.Info) ([]byte, *revocation.Batch, error) {
	content, err := a.uploads.Open(in.Country, der)
	if err != nil {
		return nil, nil, fmt.Errorf("batch %s: %w", in.ID, err)
	}
	b, err := revocation.CheckBody(content, in)
	if err != nil {
		return nil, nil, err
	}
	if c, ok := a.signers[b.KID]; ok && c != b.Country {
		return nil, nil, fmt.Errorf("batch %s of %s revokes certificates of kid %s, a signer of %s", b.ID, b.Country, b.KID, c)
	}
	return content, b, nil
}

// fetchBatches downloads and checks the batches, workers at a time; it
// returns the parsed batches too when keep is set.
func fetchBatches(ctx context.Context, client *http.Client, base string, fetch []revocation.StateBatch, auth *batchAuthority, workers int, keep bool) (map[string][]byte, []*revocation.Batch, int64, error) {
	bodies := make(map[string][]byte, len(fetch))
	batches := make([]*revocation.Batch, len(fetch))
	var (
		mu    sync.Mutex
		total int64
		first error
		wg    sync.WaitGroup
	)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	next := make(chan int)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				in := &fetch[i].Info
				der, err := getBatch(ctx, client, base, in)
				var body []byte
				var b *revocation.Batch
				if err == nil {
					body, b, err = auth.check(der, in)
				}
				mu.Lock()
				if err != nil && first == nil {
					first = err
					cancel()
				}
				if err == nil {
					bodies[in.ID] = body
					if keep {
						batches[i] = b
					}
					total += int64(len(der))
				}
				mu.Unlock()
			}
		}()
	}
	for i := range fetch {
		if ctx.Err() != nil {
			break
		}
		next <- i
	}
	close(next)
	wg.Wait()
	if first != nil {
		return nil, nil, 0, first
	}
	return bodies, batches, total, nil
}

func getBatch(ctx context.Context, client *http.Client, base string, in *revocation.Info) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"/v1/revocation/batches/"+url.PathEscape(in.ID), nil)
	if err != nil {
		return nil, err
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("batch %s: %w", in.ID, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 1024))
		return nil, fmt.Errorf("batch %s: gateway answered %s: %s", in.ID, resp.Status, strings.TrimSpace(string(body)))
	}
	der, err := io.ReadAll(io.LimitReader(resp.Body, int64(limits.MaxCMS)+1))
	if err != nil {
		return nil, fmt.Errorf("batch %s: %w", in.ID, err)
	}
	if len(der) > limits.MaxCMS || len(der) != in.Size {
		return nil, fmt.Errorf("batch %s: %d bytes, the list says %d", in.ID, len(der), in.Size)
	}
	return der, nil
}

// LoadRevocation reads the revocation copy of a verifier's data directory
// into an index, leaving out batches expired at now. It returns nil, nil,
// nil when dir holds no revocation data.
func LoadRevocation(dir string, now time.Time) (*revocation.Index, *revocation.State, error) {
	revDir := filepath.Join(dir, DirRevocation)
	if !exists(filepath.Join(revDir, revocation.FileState)) && !exists(filepath.Join(revDir+".prev", revocation.FileState)) {
		return nil, nil, nil
	}
	return revocation.Load(revDir, now)
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

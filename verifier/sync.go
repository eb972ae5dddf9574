// Package verifier is the verifying authority's side of ITHC: keeping an
// offline copy of a gateway's signed lists (Sync) and, with the verifier
// service, answering verification requests.
//
// Sync fetches a signed trust list from a gateway or from a static export
// of one (any web server or CDN serving the files `ithc gateway export`
// writes), checks it against the trust anchor, merges it into the local
// copy and replaces that copy atomically. Whatever goes wrong (the gateway
// is unreachable, answers an error, serves a list whose signature or
// content does not verify, or an older version than the local one), the
// last good copy stays in place and the error says what happened.
package verifier

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/ithc/ithc/trust"
)

// SyncOptions configure Sync.
type SyncOptions struct {
	// URL is the gateway's base URL (https://host:port) or the base URL of
	// a static export; Sync fetches URL + "/v1/trustlist".
	URL string
	// Anchor is the gateway's trust anchor certificate, obtained out of
	// band.
	Anchor *x509.Certificate
	// Dir is the local directory of the offline copy.
	Dir string
	// Client is the HTTP client; nil means one with a 30-second timeout.
	Client *http.Client
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Full forces a full download instead of an incremental one.
	Full bool
}

// SyncResult reports what a sync did.
type SyncResult struct {
	// Version is the local copy's version after the sync.
	Version int64
	// Changed is false when the gateway answered 304 Not Modified.
	Changed bool
	// Incremental is true when only the changes were downloaded.
	Incremental bool
	// Bytes is the size of the list downloaded.
	Bytes int
	// Signers is the number of usable document signers.
	Signers int
	// Problems lists entries left out, and why.
	Problems []trust.ListProblem
}

// Sync brings the offline copy in o.Dir up to date. On error the previous
// copy is untouched.
func Sync(ctx context.Context, o SyncOptions) (*SyncResult, error) {
	if o.Anchor == nil || o.Dir == "" || o.URL == "" {
		return nil, errors.New("verifier: sync: URL, Anchor and Dir are required")
	}
	now := time.Now
	if o.Now != nil {
		now = o.Now
	}
	client := o.Client
	if client == nil {
		client = &http.Client{Timeout: 30 * time.Second}
	}
	local := &trust.SyncedList{}
	if !o.Full && trust.IsSyncedDir(o.Dir) {
		// Continue incrementally only from a copy of the same source
		// checked against the same anchor; otherwise start afresh.
		if old, anchor, err := trust.ReadSynced(o.Dir); err == nil && old.Source == o.URL && anchor.Equal(o.Anchor) {
			local = old
		}
	}
	u, err := url.Parse(strings.TrimRight(o.URL, "/") + "/v1/trustlist")
	if err != nil {
		return nil, fmt.Errorf("verifier: sync: URL %q: %w", o.URL, err)
	}
	incremental := local.List.Version > 0
	if incremental {
		q := u.Query()
		q.Set("since", strconv.FormatInt(local.List.Version, 10))
		u.RawQuery = q.Encode()
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, fmt.Errorf("verifier: sync: %w", err)
	}
	if incremental && local.ETag != "" {
		req.Header.Set("If-None-Match", local.ETag)
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("verifier: sync: gateway unreachable, keeping the local copy: %w", err)
	}
	defer resp.Body.Close()
	res := &SyncResult{Version: local.List.Version}
	switch resp.StatusCode {
	case http.StatusNotModified:
		local.Synced = now().UTC()
		if err := trust.SaveSynced(o.Dir, o.Anchor, local); err != nil {
			return nil, err
		}
		// The copy was checked when it was received.
		res.Signers, res.Problems = len(local.Signers), local.Problems
		return res, nil
	case http.StatusOK:
	default:
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 1024))
		return nil, fmt.Errorf("verifier: sync: gateway answered %s: %s; keeping the local copy", resp.Status, strings.TrimSpace(string(body)))
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, trust.MaxListBytes+1))
	if err != nil {
		return nil, fmt.Errorf("verifier: sync: reading the list: %w; keeping the local copy", err)
	}
	if len(data) > trust.MaxListBytes {
		return nil, fmt.Errorf("verifier: sync: the list exceeds %d bytes; keeping the local copy", trust.MaxListBytes)
	}
	l, err := trust.VerifyList(data, o.Anchor, now())
	if err != nil {
		return nil, fmt.Errorf("verifier: sync: %w; keeping the local copy", err)
	}
	// A static export ignores ?since and serves the full list: Merge
	// handles both.
	next := *local
	next.List.Entries = append([]trust.ListEntry(nil), local.List.Entries...)
	if err := next.Merge(l); errors.Is(err, trust.ErrEpoch) && !o.Full {
		// The gateway was restored from a backup and advanced: only the
		// whole list says what it holds now.
		o.Full = true
		return Sync(ctx, o)
	} else if err != nil {
		return nil, fmt.Errorf("verifier: sync: %w; keeping the local copy", err)
	}
	next.Source = o.URL
	next.Synced = now().UTC()
	next.ETag = resp.Header.Get("ETag")
	st, problems := trust.BuildStore(&next.List, o.Anchor)
	next.Checked(st, problems)
	if err := trust.SaveSynced(o.Dir, o.Anchor, &next); err != nil {
		return nil, err
	}
	res.Version = next.List.Version
	res.Changed = true
	res.Incremental = l.Since > 0
	res.Bytes = len(data)
	res.Signers = st.Len()
	res.Problems = problems
	return res, nil
}

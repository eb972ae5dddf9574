package storetest

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ithc/ithc/gateway/store"
)

// crashEnv, set in the environment of the child process Crash starts,
// holds the target the child writes to.
const crashEnv = "ITHC_STORETEST_CRASH_TARGET"

const (
	crashWriters = 8  // goroutines inserting in the child
	crashAcks    = 60 // acknowledged inserts the parent waits for before SIGKILL
)

// Crash checks that acknowledged writes survive the writing process being
// killed. Call it from a test function of its own; it re-executes the test
// binary running only that test, with the target in the environment: the
// child opens the store with open, inserts entries from several
// goroutines (deleting some again) and prints each ID to stdout as soon as
// the call returned. The parent reads a few dozen acknowledgements, kills
// the child with SIGKILL, reopens the store and checks that every
// acknowledged entry is present and intact (acknowledged deletes are
// tombstones), that every stored entry has its audit records and every
// audit record its entry, and that the store takes new writes.
//
// target is called in the parent only, to make a fresh place for the
// store (a file path, a DSN).
func Crash(t *testing.T, target func(t *testing.T) string, open func(ctx context.Context, target string) (store.Store, error)) {
	if tgt := os.Getenv(crashEnv); tgt != "" {
		crashChild(tgt, open)
		return
	}
	tgt := target(t)
	cmd := exec.Command(os.Args[0], "-test.run="+runPattern(t.Name()), "-test.count=1", "-test.timeout=10m")
	cmd.Env = append(os.Environ(), crashEnv+"="+tgt)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting the child: %v", err)
	}
	// Whatever happens, the child does not outlive two minutes.
	timer := time.AfterFunc(2*time.Minute, func() { cmd.Process.Kill() })
	defer timer.Stop()

	inserted, deleted := map[string]bool{}, map[string]bool{}
	var other []string
	killed := false
	sc := bufio.NewScanner(stdout)
	for sc.Scan() {
		op, id, _ := strings.Cut(sc.Text(), " ")
		switch op {
		case "ins":
			inserted[id] = true
		case "del":
			deleted[id] = true
		default:
			other = append(other, sc.Text())
		}
		if !killed && len(inserted) >= crashAcks {
			// Lines printed before the kill are acknowledgements too: keep
			// reading until the pipe closes.
			if err := cmd.Process.Kill(); err != nil {
				t.Fatalf("killing the child: %v", err)
			}
			killed = true
		}
	}
	waitErr := cmd.Wait()
	if !killed {
		t.Fatalf("the child stopped after %d acknowledgements, before being killed: %v\nstdout: %q\nstderr: %s", len(inserted), waitErr, other, stderr.Bytes())
	}
	if ee, ok := waitErr.(*exec.ExitError); !ok || ee.ExitCode() != -1 {
		t.Fatalf("the child was not killed by a signal: %v\nstderr: %s", waitErr, stderr.Bytes())
	}
	t.Logf("child killed after %d acknowledged inserts and %d acknowledged deletes", len(inserted), len(deleted))

	ctx := context.Background()
	s, err := open(ctx, tgt)
	if err != nil {
		t.Fatalf("reopening after the crash: %v", err)
	}
	defer s.Close()
	entries, v, err := s.List(ctx, store.Filter{Deleted: true})
	if err != nil {
		t.Fatalf("List() after the crash: %v", err)
	}
	records, err := s.Audit(ctx, store.AuditFilter{})
	if err != nil {
		t.Fatalf("Audit() after the crash: %v", err)
	}

	byID := map[string]*store.Entry{}
	var top int64
	for _, e := range entries {
		if prev := byID[e.ID]; prev != nil {
			t.Errorf("%s listed twice", e.ID)
		}
		byID[e.ID] = e
		top = max(top, e.Seq)
		want, _ := crashEntry(e.ID)
		want.Seq, want.Created, want.Updated, want.Deleted = e.Seq, e.Created, e.Updated, e.Deleted
		if e.Deleted {
			want.Signature = crashDeleteSignature(e.ID)
		}
		if d := sameEntry(e, want); d != "" {
			t.Errorf("stored entry %s is not intact: %s", e.ID, d)
		}
	}
	if top != v {
		t.Errorf("version %d, highest stored Seq %d", v, top)
	}
	for id := range inserted {
		e := byID[id]
		switch {
		case e == nil:
			t.Errorf("acknowledged insert of %s is lost", id)
		case deleted[id] && !e.Deleted:
			t.Errorf("acknowledged delete of %s is lost", id)
		}
	}

	// Audit: each entry has the record of its insert and, for a tombstone,
	// of its delete, the last naming the entry's Seq; no record without its
	// entry.
	perID := map[string][]*store.AuditRecord{}
	for _, a := range records {
		e := byID[a.ID]
		if e == nil || a.Kind != store.KindSigner {
			t.Errorf("audit record %d names %s %s, which is not stored", a.Seq, a.Kind, a.ID)
			continue
		}
		perID[a.ID] = append(perID[a.ID], a)
	}
	for id, e := range byID {
		as := perID[id]
		want := []string{"crash.insert"}
		if e.Deleted {
			want = append(want, "crash.delete")
		}
		if len(as) != len(want) {
			t.Errorf("%s (deleted %v) has %d audit records, want %d", id, e.Deleted, len(as), len(want))
			continue
		}
		for i, a := range as {
			if a.Action != want[i] || !bytes.Equal(a.Request, crashRequest(a.Action, id)) || a.Country != "DE" {
				t.Errorf("%s: audit record %d is %s %q by %q, want %s with its request", id, a.Seq, a.Action, a.Request, a.Country, want[i])
			}
		}
		if last := as[len(as)-1]; last.EntrySeq != e.Seq {
			t.Errorf("%s: last audit record names Seq %d, the entry is at %d", id, last.EntrySeq, e.Seq)
		}
	}

	// The store takes writes after the crash, continuing the sequence.
	e, a := crashEntry("after-the-crash")
	if err := s.Insert(ctx, e, a); err != nil {
		t.Fatalf("Insert() after the crash: %v", err)
	}
	if e.Seq != v+1 {
		t.Errorf("Insert() after the crash took Seq %d, want %d", e.Seq, v+1)
	}
}

// runPattern is the -test.run pattern that selects exactly the test name.
func runPattern(name string) string {
	parts := strings.Split(name, "/")
	for i, p := range parts {
		parts[i] = "^" + regexp.QuoteMeta(p) + "$"
	}
	return strings.Join(parts, "/")
}

// crashEntry returns the entry the crash child stores under id, and the
// audit record of its insert; everything derives from the ID, so that the
// parent can tell an intact entry from a damaged one.
func crashEntry(id string) (*store.Entry, *store.AuditRecord) {
	var data []byte
	for i := 0; len(data) < 1000; i++ {
		sum := sha256.Sum256(fmt.Appendf(nil, "crash data %s %d", id, i))
		data = append(data, sum[:]...)
	}
	e := NewEntry(store.KindSigner, id, "DE", "DSC", data)
	return e, NewAudit("DE", "crash.insert", crashRequest("crash.insert", id))
}

func crashRequest(action, id string) []byte { return []byte(action + " request for " + id) }

func crashDeleteSignature(id string) []byte { return []byte("delete signature for " + id) }

// crashChild is the child's side: write until killed (or for two minutes,
// should the parent be gone).
func crashChild(target string, open func(ctx context.Context, target string) (store.Store, error)) {
	ctx := context.Background()
	s, err := open(ctx, target)
	if err != nil {
		fmt.Fprintf(os.Stderr, "crash child: %v\n", err)
		os.Exit(3)
	}
	var mu sync.Mutex
	ack := func(op, id string) {
		mu.Lock()
		defer mu.Unlock()
		os.Stdout.WriteString(op + " " + id + "\n") // unbuffered: out before the next write starts
	}
	fail := func(format string, args ...any) {
		fmt.Fprintf(os.Stderr, "crash child: "+format+"\n", args...)
		os.Exit(3)
	}
	deadline := time.Now().Add(2 * time.Minute)
	var wg sync.WaitGroup
	for w := range crashWriters {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; time.Now().Before(deadline); i++ {
				id := fmt.Sprintf("crash-%d-%d", w, i)
				e, a := crashEntry(id)
				if err := s.Insert(ctx, e, a); err != nil {
					fail("insert %s: %v", id, err)
				}
				ack("ins", id)
				if i%4 == 3 {
					prev := fmt.Sprintf("crash-%d-%d", w, i-1)
					if _, err := s.Delete(ctx, store.KindSigner, prev, crashDeleteSignature(prev), NewAudit("DE", "crash.delete", crashRequest("crash.delete", prev))); err != nil {
						fail("delete %s: %v", prev, err)
					}
					ack("del", prev)
				}
			}
		}()
	}
	wg.Wait()
	s.Close()
}

package gateway_test

import (
	"context"
	"encoding/json"
	"errors"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ithc/ithc/gateway"
	"github.com/ithc/ithc/revocation"
	"github.com/ithc/ithc/trust"
	"github.com/ithc/ithc/verify"
)

// copyDB copies a SQLite database and its WAL files to another name: a
// backup of a stopped gateway, or its restore.
func copyDB(t *testing.T, from, to string) {
	t.Helper()
	for _, suffix := range []string{"", "-wal", "-shm"} {
		data, err := os.ReadFile(from + suffix)
		if errors.Is(err, os.ErrNotExist) {
			os.Remove(to + suffix)
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(to+suffix, data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
}

// A gateway restored from a backup goes back to an older version: a
// verifier that synced since refuses its lists as a rollback. After
// gateway.Advance to the version the verifier saw, the lists carry a new
// epoch, and the verifier downloads the whole list once: it then holds
// exactly what the gateway holds, whichever lost writes were made again.
// restorableWorld is a world on a SQLite file (db) whose gateway listens
// on a fixed port, so that a gateway restored from a backup answers at the
// URL verifiers know.
func restorableWorld(t *testing.T) (*world, string) {
	t.Helper()
	db := filepath.Join(t.TempDir(), "gateway.db")
	w := newWorld(t, "sqlite:"+db)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	w.cfg.Listen = ln.Addr().String()
	ln.Close()
	conf, err := json.Marshal(w.cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(w.cfgPath, conf, 0o644); err != nil {
		t.Fatal(err)
	}
	return w, db
}

func TestRestoreAdvance(t *testing.T) {
	w, db := restorableWorld(t)
	cn := newCountry(t, "CN")
	w.onboard(t, cn)
	ctx := context.Background()
	a, _ := cn.newDSC(t, 1)
	b, _ := cn.newDSC(t, 2)

	g := w.spawn(t)
	if _, err := w.client(cn, g.url).UploadSigner(ctx, a); err != nil {
		t.Fatal(err)
	}
	g.cmd.Process.Kill()
	g.cmd.Wait()
	copyDB(t, db, db+".backup") // the nightly backup: signer A

	g = w.spawn(t)
	c := w.client(cn, g.url)
	if _, err := c.UploadSigner(ctx, b); err != nil {
		t.Fatal(err)
	}
	if _, err := c.DeleteSigner(ctx, a); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	res, err := w.sync(t, g.url, dir)
	if err != nil || res.Signers != 1 {
		t.Fatalf("sync before the restore: %+v, %v", res, err)
	}
	seen := res.Version
	g.cmd.Process.Kill()
	g.cmd.Wait()

	copyDB(t, db+".backup", db) // the disk is lost; the backup is restored
	g = w.spawn(t)
	if r, err := w.sync(t, g.url, dir); err == nil || !strings.Contains(err.Error(), "rollback") {
		t.Fatalf("sync from the restored gateway (version %d, seen %d) = %+v, %v; want a refused rollback", w.version(t), seen, r, err)
	}

	// The operator advances the store and the country makes its writes again.
	st := w.openStore(t)
	if _, err := gateway.Advance(ctx, st, 3, "restored", time.Now()); err == nil {
		t.Error("Advance below the store's version was accepted")
	}
	if _, err := gateway.Advance(ctx, st, seen, "restored", time.Now()); err != nil {
		t.Fatal(err)
	}
	st.Close()
	// The country deletes A again, but uploads C instead of B (B's upload
	// was lost with the disk and the country chose not to repeat it).
	c = w.client(cn, g.url)
	if _, err := c.DeleteSigner(ctx, a); err != nil {
		t.Fatal(err)
	}
	cc, _ := cn.newDSC(t, 3)
	if _, err := c.UploadSigner(ctx, cc); err != nil {
		t.Fatal(err)
	}
	res, err = w.sync(t, g.url, dir)
	if err != nil {
		t.Fatalf("sync after the advance: %v", err)
	}
	if !res.Changed || res.Incremental || res.Signers != 1 {
		t.Errorf("sync after the advance: %+v; want the whole list downloaded again (a new epoch), ending with one signer", res)
	}
	synced, _, _, err := trust.LoadSynced(dir)
	if err != nil {
		t.Fatal(err)
	}
	fresh := t.TempDir()
	if _, err := w.sync(t, g.url, fresh); err != nil {
		t.Fatal(err)
	}
	want, _, _, err := trust.LoadSynced(fresh)
	if err != nil {
		t.Fatal(err)
	}
	if got, exp := kids(synced), kids(want); got != exp {
		t.Errorf("the verifier holds %s, a fresh verifier %s", got, exp)
	}
	if got := kids(synced); got != base64ID(trust.KID(cc)) {
		t.Errorf("the verifier holds %s, want only signer C %s", got, base64ID(trust.KID(cc)))
	}
	// From then on, syncs are incremental again.
	d, _ := cn.newDSC(t, 4)
	if _, err := c.UploadSigner(ctx, d); err != nil {
		t.Fatal(err)
	}
	if res, err := w.sync(t, g.url, dir); err != nil || !res.Incremental || res.Signers != 2 {
		t.Errorf("next sync: %+v, %v; want incremental with two signers", res, err)
	}
}

func kids(st *trust.Store) string {
	var out []string
	for _, s := range st.All() {
		out = append(out, base64ID(s.KID))
	}
	return strings.Join(out, ",")
}

// After a restore and gateway.Advance, the revocation sync sees the new
// epoch and downloads the whole list once: a batch the restore lost is
// dropped (its certificate is no longer revoked), the batches the
// verifier already held are kept without being fetched again, and later
// syncs are incremental.
func TestRestoreAdvanceRevocation(t *testing.T) {
	w, db := restorableWorld(t)
	cn := newCountry(t, "CN")
	w.onboard(t, cn)
	ctx := context.Background()
	dsc := cn.pki.DSC
	code := signCode(t, "CN", dsc, cn.pki.DSCKey)
	g := w.spawn(t)
	c := w.client(cn, g.url)
	if _, err := c.UploadSigner(ctx, dsc); err != nil {
		t.Fatal(err)
	}
	if _, err := c.UploadRevocation(ctx, revBatch(t, cn, "kept", dsc, "UCI", revocation.HashOfUCI("someone else"))); err != nil {
		t.Fatal(err)
	}
	g.cmd.Process.Kill()
	g.cmd.Wait()
	copyDB(t, db, db+".backup") // the nightly backup: the signer and batch "kept"

	g = w.spawn(t)
	c = w.client(cn, g.url)
	if _, err := c.UploadRevocation(ctx, revBatch(t, cn, "lost", dsc, "UCI", revocation.HashOfUCI(sampleUCI))); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if res := w.syncAll(t, g.url, dir); res.Batches != 2 {
		t.Fatalf("sync before the restore: %+v", res)
	}
	if r := verifyRevoked(t, dir, code); r.Status != verify.StatusRevoked {
		t.Fatalf("before the restore: %s, want revoked by batch lost", r.Status)
	}
	seen := w.version(t)
	g.cmd.Process.Kill()
	g.cmd.Wait()

	copyDB(t, db+".backup", db) // the disk is lost; the backup is restored
	st := w.openStore(t)
	if _, err := gateway.Advance(ctx, st, seen, "restored", time.Now()); err != nil {
		t.Fatal(err)
	}
	st.Close()
	g = w.spawn(t)
	c = w.client(cn, g.url)
	if _, err := c.UploadRevocation(ctx, revBatch(t, cn, "new", dsc, "UCI", revocation.HashOfUCI("a third traveller"))); err != nil {
		t.Fatal(err)
	}
	res := w.syncAll(t, g.url, dir)
	if res.Incremental || res.Batches != 2 || res.Fetched != 1 || res.Removed != 1 {
		t.Errorf("sync after the advance: %+v; want the whole list (a new epoch): batches kept and new, new alone fetched, lost removed", res)
	}
	if r := verifyRevoked(t, dir, code); r.Status != verify.StatusVerified {
		t.Errorf("after the restore: %s (%s); the batch the restore lost still revokes", r.Status, r.Detail)
	}
	if _, err := c.UploadRevocation(ctx, revBatch(t, cn, "later", dsc, "UCI", revocation.HashOfUCI("a fourth traveller"))); err != nil {
		t.Fatal(err)
	}
	if res := w.syncAll(t, g.url, dir); !res.Incremental || res.Fetched != 1 || res.Batches != 3 {
		t.Errorf("next sync: %+v; want incremental, one batch fetched, three held", res)
	}
}

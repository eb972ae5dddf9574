package gateway_test

import (
	"context"
	"net/http"
	"os"
	"os/exec"
	"sync"
	"testing"
	"time"

	"github.com/ithc/ithc/gateway/store/storetest"
	"github.com/ithc/ithc/trust"
)

// restartEnv enables TestFaultPostgresRestart. Restarting the database
// cuts every other test's connections, so the suite does not run it;
// .ci/test runs it alone after the suite with ITHC_FAULT_PG_RESTART=1.
const restartEnv = "ITHC_FAULT_PG_RESTART"

// PostgreSQL restarted while a country uploads: uploads refused during the
// restart are not acknowledged, the gateway reconnects by itself, and
// every acknowledged upload is in the store afterwards.
func TestFaultPostgresRestart(t *testing.T) {
	if os.Getenv(restartEnv) != "1" {
		t.Skipf("restarts the PostgreSQL server: run alone with %s=1 (.ci/test does)", restartEnv)
	}
	versions, err := os.ReadDir("/etc/postgresql")
	if err != nil || len(versions) == 0 {
		t.Fatalf("no PostgreSQL cluster under /etc/postgresql to restart: %v", err)
	}
	w := newWorld(t, storetest.PostgresDSN(t))
	cn := newCountry(t, "CN")
	w.onboard(t, cn)
	url := w.serve(t)
	c := w.client(cn, url)
	const n = 60
	var (
		mu                sync.Mutex
		acked             = map[string]bool{}
		ackedAfter, tried int
		restarted         bool
	)
	restart := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := range n {
			dsc, _ := cn.newDSC(t, i)
			body, err := c.Sign(dsc.Raw)
			if err != nil {
				t.Error(err)
				return
			}
			wr, err := c.Send(context.Background(), http.MethodPost, "/v1/signers", body)
			mu.Lock()
			tried++
			if err == nil {
				acked[wr.ID] = true
				if restarted {
					ackedAfter++
				}
			}
			if len(acked) == n/3 && !restarted {
				close(restart)
				restarted = true
			}
			mu.Unlock()
			time.Sleep(50 * time.Millisecond)
		}
	}()
	select {
	case <-restart:
	case <-time.After(2 * time.Minute):
		t.Fatal("a third of the uploads were not acknowledged within two minutes")
	}
	out, err := exec.Command("pg_ctlcluster", "--skip-systemctl-redirect", versions[0].Name(), "main", "restart").CombinedOutput()
	if err != nil {
		t.Fatalf("restarting PostgreSQL: %v: %s", err, out)
	}
	mu.Lock()
	duringRestart := tried
	mu.Unlock()
	<-done
	mu.Lock()
	t.Logf("%d of %d uploads acknowledged; %d uploads were tried before the restart ended, %d acknowledged after it began",
		len(acked), n, duringRestart, ackedAfter)
	if ackedAfter == 0 {
		t.Errorf("no upload was acknowledged after the restart: the gateway did not reconnect")
	}
	mu.Unlock()

	dir := t.TempDir()
	res, err := w.sync(t, url, dir)
	if err != nil {
		t.Fatalf("sync after the restart: %v", err)
	}
	if len(res.Problems) > 0 {
		t.Errorf("entries left out after the restart: %v", res.Problems)
	}
	synced, _, _, err := trust.LoadSynced(dir)
	if err != nil {
		t.Fatal(err)
	}
	present := map[string]bool{}
	for _, s := range synced.All() {
		present[base64ID(s.KID)] = true
	}
	for id := range acked {
		if !present[id] {
			t.Errorf("acknowledged upload %s is missing after the restart", id)
		}
	}
	if len(present) > n {
		t.Errorf("%d signers present for %d uploads", len(present), n)
	}
}

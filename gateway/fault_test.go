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
	var (
		mu                  sync.Mutex
		acked               = map[string]bool{}
		tried, failed       int
		restarting, resumed bool
		ackedAfter          int // acknowledged after the restart command returned
	)
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
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
				if resumed {
					ackedAfter++
				}
			} else if restarting {
				failed++
			}
			mu.Unlock()
			time.Sleep(20 * time.Millisecond)
		}
	}()
	waitFor := func(what string, cond func() bool) {
		t.Helper()
		deadline := time.Now().Add(2 * time.Minute)
		for {
			mu.Lock()
			ok := cond()
			mu.Unlock()
			if ok {
				return
			}
			if time.Now().After(deadline) {
				close(stop)
				<-done
				t.Fatalf("%s did not happen within two minutes", what)
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	waitFor("20 acknowledged uploads", func() bool { return len(acked) >= 20 })
	mu.Lock()
	restarting = true
	mu.Unlock()
	out, err := exec.Command("pg_ctlcluster", "--skip-systemctl-redirect", versions[0].Name(), "main", "restart").CombinedOutput()
	if err != nil {
		close(stop)
		<-done
		t.Fatalf("restarting PostgreSQL: %v: %s", err, out)
	}
	mu.Lock()
	resumed = true
	mu.Unlock()
	// The gateway must take uploads again without being restarted itself.
	waitFor("20 uploads acknowledged after the restart", func() bool { return ackedAfter >= 20 })
	close(stop)
	<-done
	mu.Lock()
	t.Logf("%d uploads tried, %d acknowledged (%d after the restart), %d refused while the database restarted",
		tried, len(acked), ackedAfter, failed)
	n := tried
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
		t.Errorf("%d signers present for %d uploads tried", len(present), n)
	}
}

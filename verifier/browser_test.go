package verifier_test

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/draw"
	_ "image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/ithc/ithc/verifier"
)

// chromium returns the browser to drive: $ITHC_CHROMIUM, or chromium (the
// Debian package) in PATH. Missing, the test skips, except under CI=true,
// where it fails.
func chromium(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("ITHC_CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("chromium is not installed (Debian package chromium, listed in .ci/debian-packages)")
	}
	t.Skip("chromium is not installed (Debian package chromium); set ITHC_CHROMIUM to another Chromium")
	return ""
}

// artifacts returns the directory for screenshots: $ITHC_ARTIFACTS, or a
// directory under the system's temporary directory, named in the log.
func artifacts(t *testing.T) string {
	t.Helper()
	dir := os.Getenv("ITHC_ARTIFACTS")
	if dir == "" {
		dir = filepath.Join(os.TempDir(), "ithc-artifacts")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshots in %s", dir)
	return dir
}

// browser starts a headless Chromium with a fresh profile, with a fake
// camera showing video when video is not empty.
func browser(t *testing.T, video string) context.Context {
	t.Helper()
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(chromium(t)),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.Flag("headless", true),
		chromedp.Flag("no-sandbox", true),
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("no-first-run", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("no-default-browser-check", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.WindowSize(1280, 1100),
	}
	if video != "" {
		opts = append(opts,
			chromedp.Flag("use-fake-device-for-media-stream", true),
			chromedp.Flag("use-fake-ui-for-media-stream", true),
			chromedp.Flag("use-file-for-fake-video-capture", video))
	}
	actx, cancelA := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelC := chromedp.NewContext(actx, chromedp.WithLogf(t.Logf))
	ctx, cancelT := context.WithTimeout(ctx, 2*time.Minute)
	t.Cleanup(func() { cancelT(); cancelC(); cancelA() })
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("starting chromium: %v", err)
	}
	return ctx
}

// verdict waits for the page to show a verdict and returns its status,
// title and reason.
func verdict(ctx context.Context, want string) (status, title, reason string, err error) {
	if err = chromedp.Do(ctx, chromedp.WaitVisible(chromedp.CSS(fmt.Sprintf(`#verdict[data-status=%q]`, want)))); err != nil {
		return
	}
	a, err := chromedp.Run(ctx, chromedp.AttributeValue(chromedp.ID("verdict"), "data-status"))
	if err != nil {
		return
	}
	if title, err = text(ctx, "verdict-title"); err != nil {
		return
	}
	reason, err = text(ctx, "reason")
	return a.Value, title, reason, err
}

// text returns the text of the element with an id.
func text(ctx context.Context, id string) (string, error) {
	return chromedp.Run(ctx, chromedp.Text(chromedp.ID(id)))
}

func mustText(t *testing.T, ctx context.Context, id string) string {
	t.Helper()
	s, err := text(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func class(t *testing.T, ctx context.Context, id string) string {
	t.Helper()
	a, err := chromedp.Run(ctx, chromedp.AttributeValue(chromedp.ID(id), "class"))
	if err != nil {
		t.Fatal(err)
	}
	return a.Value
}

func screenshot(t *testing.T, ctx context.Context, path string) {
	t.Helper()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, png, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot %s", path)
}

// TestBrowser loads the page in headless Chromium, uploads the image of a
// valid certificate and of a tampered one, and checks the rendered
// verdict, reason and holder; then switches to Chinese and pastes text.
func TestBrowser(t *testing.T) {
	ctx := browser(t, "")
	w := newWorld(t)
	s := newService(t, w, verifier.Config{}, verifier.Options{})
	c := codesFor(t, w.country)
	dir := t.TempDir()
	valid, tampered := filepath.Join(dir, "valid.png"), filepath.Join(dir, "tampered.png")
	os.WriteFile(valid, qrPNG(t, c.valid), 0o644)
	os.WriteFile(tampered, qrPNG(t, c.tampered), 0o644)
	out := artifacts(t)

	if err := chromedp.Do(ctx,
		chromedp.Navigate(s.url+"/"),
		chromedp.WaitVisible(chromedp.ID("file")),
		chromedp.WaitVisible(chromedp.CSS("#data-status.ok")),
	); err != nil {
		t.Fatal(err)
	}
	dataStatus := mustText(t, ctx, "data-status")
	if err := chromedp.Do(ctx, chromedp.SetUploadFiles(chromedp.ID("file"), []string{valid})); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(dataStatus, "Trust list version") {
		t.Errorf("data status %q", dataStatus)
	}
	_, title, reason, err := verdict(ctx, "verified")
	if err != nil {
		t.Fatalf("valid certificate: %v", err)
	}
	if title != "VERIFIED" || !strings.Contains(reason, "authentic") {
		t.Errorf("valid certificate: verdict %q, reason %q", title, reason)
	}
	holder, events := mustText(t, ctx, "holder"), mustText(t, ctx, "events")
	for _, want := range []string{holderFamily + holderGiven, holderFamilyLA + ", " + holderGivenLA, holderDOB, holderDocument} {
		if !strings.Contains(holder, want) {
			t.Errorf("holder %q lacks %q", holder, want)
		}
	}
	for _, want := range []string{"Nucleic-acid (PCR) test", "negative", "Vaccination", "BBIBP-CorV", "2 / 2"} {
		if !strings.Contains(events, want) {
			t.Errorf("events %q lack %q", events, want)
		}
	}
	if c := class(t, ctx, "verdict"); !strings.Contains(c, "verified") {
		t.Errorf("verdict class %q", c)
	}
	screenshot(t, ctx, filepath.Join(out, "verifier-valid.png"))

	if err := chromedp.Do(ctx, chromedp.SetUploadFiles(chromedp.ID("file"), []string{tampered})); err != nil {
		t.Fatal(err)
	}
	_, title, reason, err = verdict(ctx, "invalid_signature")
	if err != nil {
		t.Fatalf("tampered certificate: %v", err)
	}
	if title != "REJECTED" || !strings.Contains(reason, "altered") {
		t.Errorf("tampered certificate: verdict %q, reason %q", title, reason)
	}
	if c := class(t, ctx, "verdict"); !strings.Contains(c, "rejected") {
		t.Errorf("verdict class %q", c)
	}
	screenshot(t, ctx, filepath.Join(out, "verifier-tampered.png"))

	// Chinese, by keyboard: the switch is a button.
	if err := chromedp.Do(ctx, chromedp.Focus(chromedp.ID("lang")), chromedp.KeyEvent("\r")); err != nil {
		t.Fatal(err)
	}
	title, reason = mustText(t, ctx, "verdict-title"), mustText(t, ctx, "reason")
	if title != "无效" || !strings.Contains(reason, "篡改") {
		t.Errorf("in Chinese: verdict %q, reason %q", title, reason)
	}
	// Pasted text.
	if err := chromedp.Do(ctx,
		chromedp.SetValue(chromedp.ID("text"), c.valid),
		chromedp.Click(chromedp.ID("verify-text")),
	); err != nil {
		t.Fatal(err)
	}
	if _, title, _, err = verdict(ctx, "verified"); err != nil || title != "有效" {
		t.Errorf("pasted text in Chinese: %q, %v", title, err)
	}
	screenshot(t, ctx, filepath.Join(out, "verifier-valid-zh.png"))
}

// TestBrowserStale: with the gateway gone for three days, a valid
// certificate is still verified, in amber, and the page says how old the
// trust list is.
func TestBrowserStale(t *testing.T) {
	ctx := browser(t, "")
	w := newWorld(t)
	s := newService(t, w, verifier.Config{}, verifier.Options{})
	c := codesFor(t, w.country)
	w.server.Close()
	s.clock.Add(72 * time.Hour)
	if err := s.svc.SyncNow(context.Background()); err == nil {
		t.Fatal("sync with the gateway gone succeeded")
	}
	if err := chromedp.Do(ctx,
		chromedp.Navigate(s.url+"/"),
		chromedp.WaitVisible(chromedp.CSS("#data-status.stale")),
		chromedp.SetValue(chromedp.ID("text"), c.valid),
		chromedp.Click(chromedp.ID("verify-text")),
	); err != nil {
		t.Fatal(err)
	}
	banner := mustText(t, ctx, "data-status")
	if !strings.Contains(banner, "trust list was last updated 3d 0h 0m ago") {
		t.Errorf("banner %q does not say how old the trust list is", banner)
	}
	_, title, _, err := verdict(ctx, "verified")
	if err != nil {
		t.Fatal(err)
	}
	if c := class(t, ctx, "verdict"); title != "VERIFIED — CHECK THE WARNINGS" || !strings.Contains(c, "warning") {
		t.Errorf("stale data: verdict %q, class %q", title, c)
	}
	if w := mustText(t, ctx, "warning-list"); !strings.Contains(w, "stale data") {
		t.Errorf("warnings %q", w)
	}
	screenshot(t, ctx, filepath.Join(artifacts(t), "verifier-stale.png"))
}

// TestBrowserCamera scans the valid code from Chromium's fake camera,
// which plays a Y4M file showing it: the page's WebAssembly decoder reads
// the frame and the page shows the verdict.
func TestBrowserCamera(t *testing.T) {
	chromium(t)
	w := newWorld(t)
	s := newService(t, w, verifier.Config{}, verifier.Options{})
	c := codesFor(t, w.country)
	video := filepath.Join(t.TempDir(), "camera.y4m")
	if err := os.WriteFile(video, y4m(t, qrPNG(t, c.valid), 640, 480), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx := browser(t, video)
	if err := chromedp.Do(ctx,
		chromedp.Navigate(s.url+"/"),
		chromedp.WaitVisible(chromedp.ID("camera-start")),
		chromedp.Click(chromedp.ID("camera-start")),
	); err != nil {
		t.Fatal(err)
	}
	_, title, _, err := verdict(ctx, "verified")
	if err != nil {
		state, _ := text(ctx, "camera-state")
		t.Fatalf("camera: %v (camera state %q)", err, state)
	}
	if title != "VERIFIED" {
		t.Errorf("camera: verdict %q", title)
	}
	screenshot(t, ctx, filepath.Join(artifacts(t), "verifier-camera.png"))
}

// y4m returns a one-frame YUV4MPEG2 video of a picture centred on white.
func y4m(t *testing.T, pngData []byte, w, h int) []byte {
	t.Helper()
	img, _, err := image.Decode(bytes.NewReader(pngData))
	if err != nil {
		t.Fatal(err)
	}
	gray := image.NewGray(image.Rect(0, 0, w, h))
	for i := range gray.Pix {
		gray.Pix[i] = 0xff
	}
	b := img.Bounds()
	off := image.Pt((w-b.Dx())/2, (h-b.Dy())/2)
	if off.X < 0 || off.Y < 0 {
		t.Fatalf("the code (%d×%d) does not fit the %d×%d frame", b.Dx(), b.Dy(), w, h)
	}
	draw.Draw(gray, b.Add(off).Sub(b.Min), img, b.Min, draw.Src)
	var out bytes.Buffer
	fmt.Fprintf(&out, "YUV4MPEG2 W%d H%d F10:1 Ip A1:1 C420jpeg\nFRAME\n", w, h)
	out.Write(gray.Pix)
	out.Write(bytes.Repeat([]byte{128}, 2*(w/2)*(h/2)))
	return out.Bytes()
}

package main

import (
	"bufio"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/session-sdk/session-sdk/bindings/go/session"
	"github.com/session-sdk/session-sdk/bindings/go/testnet"
)

const deadline = 45 * time.Second

// The test binary doubles as the bot: started with ECHOBOT_AS_MAIN=1 it runs main's logic on
// its arguments, so the test drives the real program as a separate process.
func TestMain(m *testing.M) {
	if os.Getenv("ECHOBOT_AS_MAIN") == "1" {
		os.Exit(run(append([]string{"echobot"}, os.Args[1:]...), os.Stdout, os.Stderr))
	}
	os.Exit(m.Run())
}

func TestUsage(t *testing.T) {
	var out, errOut strings.Builder
	if code := run([]string{"echobot"}, &out, &errOut); code != 2 || !strings.Contains(errOut.String(), "usage") {
		t.Fatalf("exit %d, stderr %q", code, errOut.String())
	}
}

func TestEchoBotAnswersAndStopsOnSIGINT(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	net, err := testnet.Start(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer net.Stop()

	dir := t.TempDir()
	bot := exec.Command(os.Args[0], filepath.Join(dir, "bot"), net.Description)
	bot.Env = append(os.Environ(), "ECHOBOT_AS_MAIN=1", "ECHO_BOT_POLL_INTERVALS=0.3,0.6")
	stdout, err := bot.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr strings.Builder
	bot.Stderr = &stderr
	if err := bot.Start(); err != nil {
		t.Fatal(err)
	}
	defer bot.Process.Kill()
	lines := make(chan string, 16)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	var botID string
	select {
	case botID = <-lines:
	case <-time.After(deadline):
		t.Fatal("the bot printed nothing")
	}
	if err := session.ValidateSessionID(botID); err != nil {
		t.Fatalf("first line %q is not a Session ID: %v", botID, err)
	}

	user, err := session.NewClient(filepath.Join(dir, "user"), session.WithNetworkFile(net.Description),
		session.WithPollIntervals(300*time.Millisecond, 600*time.Millisecond), session.WithLogLevel(session.LogOff))
	if err != nil {
		t.Fatal(err)
	}
	defer user.Close()
	if err := user.Start(); err != nil {
		t.Fatal(err)
	}
	for _, text := range []string{"ping", "second"} {
		if _, err := user.SendText(botID, text); err != nil {
			t.Fatal(err)
		}
		wctx, wcancel := context.WithTimeout(ctx, deadline)
		for {
			ev, err := user.NextEvent(wctx)
			if err != nil {
				wcancel()
				t.Fatalf("no echo of %q: %v (bot stderr: %s)", text, err, stderr.String())
			}
			if ev.Kind == session.EventMessageReceived && ev.Text == "echo: "+text && ev.Sender == botID {
				break
			}
		}
		wcancel()
	}

	if err := bot.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	var rest []string
	for l := range lines {
		rest = append(rest, l)
	}
	if err := bot.Wait(); err != nil {
		t.Fatalf("bot exited with %v: %s", err, stderr.String())
	}
	if len(rest) == 0 || rest[len(rest)-1] != "stopped after answering 2 messages" {
		t.Fatalf("bot output %q", rest)
	}
}

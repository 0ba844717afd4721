// Package testnet starts the repository's local Session network (`session-testnet`: service
// nodes in swarms and a file server on loopback) for tests and demos, and stops it again.
//
//	net, err := testnet.Start(ctx)
//	defer net.Stop()
//	client, err := session.NewClient(dir, session.WithNetworkFile(net.Description))
package testnet

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// Testnet is a running session-testnet process.
type Testnet struct {
	// Description is the path of the network description JSON (for session.WithNetworkFile).
	Description string
	// Dir is the testnet's scratch directory (removed by Stop).
	Dir string

	cmd  *exec.Cmd
	log  *os.File
	done chan error
}

// RepoRoot finds the session-sdk checkout: $SESSION_SDK_REPO, or the first directory above the
// working directory holding Cargo.toml and include/session_sdk.h.
func RepoRoot() (string, error) {
	if r := os.Getenv("SESSION_SDK_REPO"); r != "" {
		return r, nil
	}
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if isFile(filepath.Join(dir, "Cargo.toml")) && isFile(filepath.Join(dir, "include", "session_sdk.h")) {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("testnet: no session-sdk checkout above the working directory (set SESSION_SDK_REPO)")
		}
		dir = parent
	}
}

func isFile(p string) bool {
	st, err := os.Stat(p)
	return err == nil && !st.IsDir()
}

// Binary returns the session-testnet executable: $SESSION_TESTNET, or the one cargo builds in
// the checkout (`cargo build -p session-node --bin session-testnet`, a no-op when fresh).
func Binary(ctx context.Context) (string, error) {
	if b := os.Getenv("SESSION_TESTNET"); b != "" {
		return b, nil
	}
	root, err := RepoRoot()
	if err != nil {
		return "", err
	}
	cmd := exec.CommandContext(ctx, "cargo", "build", "--quiet", "-p", "session-node", "--bin", "session-testnet")
	cmd.Dir = root
	cmd.Stdout = os.Stderr
	cmd.Stderr = os.Stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("testnet: building session-testnet: %w", err)
	}
	target := os.Getenv("CARGO_TARGET_DIR")
	if target == "" {
		target = filepath.Join(root, "target")
	}
	return filepath.Join(target, "debug", "session-testnet"), nil
}

// Start runs session-testnet in a new scratch directory and waits (until ctx is done) for its
// network description.
func Start(ctx context.Context) (*Testnet, error) {
	bin, err := Binary(ctx)
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "session-testnet-")
	if err != nil {
		return nil, err
	}
	t := &Testnet{Description: filepath.Join(dir, "network.json"), Dir: dir, done: make(chan error, 1)}
	if t.log, err = os.Create(filepath.Join(dir, "testnet.log")); err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	t.cmd = exec.Command(bin, "--description", t.Description, "--data-dir", filepath.Join(dir, "data"))
	t.cmd.Stderr = t.log
	if err := t.cmd.Start(); err != nil {
		t.log.Close()
		os.RemoveAll(dir)
		return nil, fmt.Errorf("testnet: starting %s: %w", bin, err)
	}
	go func() { t.done <- t.cmd.Wait() }()
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		if _, err := t.description(); err == nil {
			return t, nil
		}
		select {
		case err := <-t.done:
			t.done <- err
			logText, _ := os.ReadFile(t.log.Name())
			t.Stop()
			return nil, fmt.Errorf("testnet: session-testnet exited (%v): %s", err, logText)
		case <-ctx.Done():
			t.Stop()
			return nil, fmt.Errorf("testnet: no network description: %w", ctx.Err())
		case <-tick.C:
		}
	}
}

// description reads the network description once it is complete JSON (it is written in one
// go, but not atomically).
func (t *Testnet) description() (map[string]any, error) {
	b, err := os.ReadFile(t.Description)
	if err != nil {
		return nil, err
	}
	var d map[string]any
	if err := json.Unmarshal(b, &d); err != nil {
		return nil, err
	}
	if seeds, _ := d["seed_nodes"].([]any); len(seeds) == 0 {
		return nil, errors.New("testnet: description has no seed nodes yet")
	}
	return d, nil
}

// DeadDescription writes, and returns the path of, a description shaped like this network's
// whose every address refuses connections: for tests of network failures.
func (t *Testnet) DeadDescription() (string, error) {
	d, err := t.description()
	if err != nil {
		return "", err
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	seeds := d["seed_nodes"].([]any)
	for i := range seeds {
		seeds[i] = fmt.Sprintf("https://127.0.0.1:%d", port)
	}
	if nodes, ok := d["nodes"].([]any); ok {
		for _, n := range nodes {
			n.(map[string]any)["port"] = port
		}
	}
	if fs, ok := d["file_server"].(map[string]any); ok {
		fs["port"] = port
	}
	b, err := json.Marshal(d)
	if err != nil {
		return "", err
	}
	path := filepath.Join(t.Dir, "dead-network.json")
	return path, os.WriteFile(path, b, 0o644)
}

// Stop interrupts the testnet (SIGINT, as Ctrl-C), waits for it, and removes its directory.
func (t *Testnet) Stop() error {
	var err error
	if t.cmd != nil && t.cmd.Process != nil {
		_ = t.cmd.Process.Signal(syscall.SIGINT)
		select {
		case err = <-t.done:
		case <-time.After(15 * time.Second):
			_ = t.cmd.Process.Kill()
			err = <-t.done
		}
		t.done <- err
		t.cmd = nil
	}
	if t.log != nil {
		t.log.Close()
		t.log = nil
	}
	os.RemoveAll(t.Dir)
	if err != nil && strings.Contains(err.Error(), "interrupt") {
		err = nil
	}
	return err
}

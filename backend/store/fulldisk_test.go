package store

import (
	"bufio"
	"context"
	"database/sql"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"
)

// fullDiskEnv names the data directory of TestFullDisk's writer process.
const fullDiskEnv = "PARLEY_STORE_FULL_DISK_DIR"

// fullDiskRoom is the room the writer leaves its write-ahead log (a file size limit past the
// log's size when it is set): enough for a few commits of one line, far too little for the
// batch that follows.
const fullDiskRoom = 64 * (24 + 4096)

// fullDiskWriter is TestFullDisk's writer: a store on SQLite in dir that writes a line, then,
// with its process's files limited to fullDiskRoom past the log's size (a write past the
// limit fails as on a full disk), a batch larger than the room and a line that fits, then,
// with the limit lifted, a last line; it prints each outcome and closes the store.
func fullDiskWriter(dir string) error {
	// A write past the limit fails with EFBIG instead of killing the process.
	signal.Ignore(syscall.SIGXFSZ)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	s, err := Open(ctx, Config{DataDir: dir, Logger: testLogger()})
	if err != nil {
		return err
	}
	ten, err := s.CreateTenant(ctx, Tenant{Name: "Full"})
	if err != nil {
		return err
	}
	c := Chat{ID: NewChatID(), TenantID: ten.ID, ConnectorID: 1, State: "active", VisitorName: "V"}
	if err := s.Commit(ctx, Write{Chat: &c}); err != nil {
		return err
	}
	fmt.Println("chat", c.ID)
	seq := uint64(0)
	line := func(id, text string) Write {
		seq++
		return msgWrite(c.ID, seq, text, id)
	}
	say := func(what string, err error) {
		if err != nil {
			fmt.Println("failed", what, strings.ReplaceAll(err.Error(), "\n", " "))
			return
		}
		fmt.Println("committed", what)
	}
	say("first", s.Commit(ctx, line("first", "the first line")))

	st, err := os.Stat(s.sqlitePath + "-wal")
	if err != nil {
		return err
	}
	var limit syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_FSIZE, &limit); err != nil {
		return err
	}
	room := syscall.Rlimit{Cur: uint64(st.Size()) + fullDiskRoom, Max: limit.Max}
	if err := syscall.Setrlimit(syscall.RLIMIT_FSIZE, &room); err != nil {
		return err
	}
	// The batch is larger than the log and its room together, so it cannot fit even when a
	// checkpoint has just started the log afresh.
	var batch []Write
	for i := 0; len(batch)*2000 < int(st.Size())+2*fullDiskRoom; i++ {
		batch = append(batch, line(fmt.Sprintf("big-%d", i), strings.Repeat(fmt.Sprintf("%d ", i), 2000/(len(fmt.Sprint(i))+1))))
	}
	say("big", s.Commit(ctx, batch...))
	seq -= uint64(len(batch))
	say("after", s.Commit(ctx, line("after", "a line that fits")))
	if err := syscall.Setrlimit(syscall.RLIMIT_FSIZE, &limit); err != nil {
		return err
	}
	say("last", s.Commit(ctx, line("last", "the disk has room again")))
	return s.Close()
}

// TestFullDisk fills the disk under a store on SQLite (its process's file size limit) while it
// commits: the batch that does not fit fails, and nothing of it is stored; a line that fits,
// committed right after with the disk still full, and one after the disk has room again both
// are; the store closes cleanly, and opened again it holds exactly what was acknowledged, its
// counters agree and SQLite's integrity check passes.
func TestFullDisk(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a writer process")
	}
	t.Parallel()
	dir := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), fullDiskEnv+"="+dir)
	cmd.Stderr = os.Stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var out []string
	for sc := bufio.NewScanner(stdout); sc.Scan(); {
		out = append(out, sc.Text())
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("the writer: %v; it said %q", err, out)
	}
	t.Logf("the writer: %q", out)
	if len(out) != 5 || !strings.HasPrefix(out[0], "chat ") || out[1] != "committed first" || !strings.HasPrefix(out[2], "failed big ") ||
		out[3] != "committed after" || out[4] != "committed last" {
		t.Fatalf("the writer said %q; want the first line committed, the batch failed, the next two lines committed", out)
	}
	chat := strings.TrimPrefix(out[0], "chat ")

	s := openStore(t, Config{DataDir: dir, Logger: testLogger()})
	msgs := must[[]Message](t)(s.Messages(ctx, chat, 0))
	var ids []string
	for _, m := range msgs {
		ids = append(ids, m.ClientID)
	}
	if !slices.Equal(ids, []string{"first", "after", "last"}) {
		t.Fatalf("the chat holds the lines %q, want first, after, last", ids)
	}
	evs := must[[]Event](t)(s.EventsAfter(ctx, chat, 0, 0))
	c := must[Chat](t)(s.Chat(ctx, chat))
	if len(evs) == 0 || c.LastSeq != uint64(len(evs)) || evs[len(evs)-1].Seq != c.LastSeq {
		t.Fatalf("the chat's counter is %d for %d events", c.LastSeq, len(evs))
	}
	db, err := sql.Open("sqlite", filepath.Join(dir, filepath.Base(s.sqlitePath)))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var check string
	if err := db.QueryRow(`PRAGMA integrity_check`).Scan(&check); err != nil || check != "ok" {
		t.Fatalf("integrity check: %q %v", check, err)
	}
}

// Package walgather gives SQLite a file system (a VFS) whose write-ahead log takes the frames of
// a transaction in a few large writes instead of two system calls a page.
//
// SQLite writes each frame of its log with two pwrite calls, one for the frame's 24-byte header
// and one for its page. A commit of the store's group committer at the ceiling is a few dozen
// pages (every chat of the batch dirties a page of the messages' primary key), so its commit was
// some seventy system calls, a quarter of the committer's time, and the committer is the one
// writer every SQLite store has. Here the log's frames gather in memory in file order and go to
// the file in one write (up to [chunk] bytes each) when the transaction's commit frame arrives:
// the frame whose header carries the database's size. SQLite publishes a commit to its readers
// only after that frame is written, and a process that dies before it loses only a transaction
// that had not committed, as with SQLite's own writes: what COMMIT has returned from is in the
// file, where the store's fsync (or SQLite's, with synchronous=FULL) finds it.
//
// A read of gathered bytes (SQLite reading back a frame of its transaction) is answered from
// memory. Every other use of the log writes what is gathered first: a sync, a truncation, a size
// asked for, a file control, a close, a read across gathered bytes and others, and any write
// that does not continue the gathered bytes (SQLite's rewrites of a frame already in the log,
// its rewritten checksums). A commit frame's header and page are written through (after what
// precedes them), so the one write whose bytes must be in the file before the commit is
// published never waits for one that may not come.
//
// A write that fails (a full disk) fails the SQLite call that made it. When that call was a write
// of the log, SQLite abandons the transaction and writes the next one over its frames, so what
// is gathered is dropped, and a later commit that fits in the room left lands as it would
// without this VFS; after a failed sync or file control the bytes stay gathered, since SQLite
// may still count on them.
//
// The VFS is the platform's default one (unix on Linux) for everything else; it is registered
// once, under [Name], and chosen per connection with the DSN's vfs parameter.
package walgather

import (
	"encoding/binary"
	"fmt"
	"sync"
	"sync/atomic"
	"unsafe"

	"modernc.org/libc"
	sqlite3 "modernc.org/sqlite/lib"
)

// Name is the VFS's name, for a DSN's vfs parameter.
const Name = "parley-walgather"

const (
	// frameHeader is the size of a log frame's header: the page number, then (in a commit
	// frame) the database's size in pages, which is zero in every other frame.
	frameHeader = 24
	// chunk bounds one write: the unix VFS passes at most 0x1ffff bytes to pwrite in a call
	// (and fails a longer write as a full disk), so gathered bytes go in chunks of 31 pages.
	chunk = 31 * 4096
	// capacity is how much a log file gathers before it writes anyway.
	capacity = 4 * chunk
)

// The signatures of the io methods this VFS wraps, as SQLite calls them.
type (
	closeFn    = func(*libc.TLS, uintptr) int32
	ioFn       = func(*libc.TLS, uintptr, uintptr, int32, int64) int32
	truncateFn = func(*libc.TLS, uintptr, int64) int32
	syncFn     = func(*libc.TLS, uintptr, int32) int32
	sizeFn     = func(*libc.TLS, uintptr, uintptr) int32
	controlFn  = func(*libc.TLS, uintptr, int32, uintptr) int32
	openFn     = func(*libc.TLS, uintptr, uintptr, uintptr, int32, uintptr) int32
)

// state is the VFS: registered once per process. SQLite keeps pointers to vfs and methods and
// does its own arithmetic on them, so they live in C memory (never freed).
var state struct {
	once sync.Once
	err  error

	base     uintptr // the default VFS, which opens the files
	baseOpen openFn

	// methods is the log files' method table (in C memory): the default one's, with the
	// methods that touch the file's bytes wrapped. real is that default table; a log file the
	// default VFS opened with another table is left as it is.
	methodsOnce sync.Once
	methods     uintptr
	real        sqlite3.Tsqlite3_io_methods
	realPtr     uintptr

	filesMu sync.RWMutex
	files   map[uintptr]*logFile // by their sqlite3_file
}

// logFile is one open log file's gathered bytes: pending bytes at off in buf (C memory, made
// at the first gathered write).
type logFile struct {
	mu      sync.Mutex
	buf     uintptr
	off     int64
	pending int
	// commitPage is the offset of the page of the commit frame whose header was just
	// written, which is written through as well; 0 when there is none.
	commitPage int64
}

// The log's writes since the process started, for the tests: gathered the writes SQLite asked
// for that were gathered, written the writes made to the files, elsewhere the writes that did
// not continue the gathered bytes (SQLite rewriting a frame of the log).
var gathered, written, elsewhere atomic.Uint64

// readGathered counts the reads answered from gathered bytes, for the tests.
var readGathered atomic.Uint64

// Register registers the VFS with SQLite, once; later calls return the first one's result.
func Register() error {
	state.once.Do(func() { state.err = register() })
	return state.err
}

func register() error {
	tls := libc.NewTLS()
	defer tls.Close()
	base := sqlite3.Xsqlite3_vfs_find(tls, 0)
	if base == 0 {
		return fmt.Errorf("walgather: SQLite has no default VFS")
	}
	name, err := libc.CString(Name)
	if err != nil {
		return fmt.Errorf("walgather: %w", err)
	}
	vfs := libc.Xmalloc(tls, uint64(unsafe.Sizeof(sqlite3.Tsqlite3_vfs{})))
	methods := libc.Xmalloc(tls, uint64(unsafe.Sizeof(sqlite3.Tsqlite3_io_methods{})))
	if vfs == 0 || methods == 0 {
		return fmt.Errorf("walgather: out of memory")
	}
	v := at[sqlite3.Tsqlite3_vfs](vfs)
	*v = *at[sqlite3.Tsqlite3_vfs](base)
	state.base, state.baseOpen, state.methods = base, fn[openFn](v.FxOpen), methods
	v.FpNext = 0
	v.FzName = name
	setFn(&v.FxOpen, open)
	if rc := sqlite3.Xsqlite3_vfs_register(tls, vfs, 0); rc != sqlite3.SQLITE_OK {
		return fmt.Errorf("walgather: register the VFS: SQLite error %d", rc)
	}
	return nil
}

// open opens a file with the default VFS and, when it is a write-ahead log, gives it the
// gathering methods.
func open(tls *libc.TLS, _ uintptr, zName, pFile uintptr, flags int32, pOutFlags uintptr) int32 {
	rc := state.baseOpen(tls, state.base, zName, pFile, flags, pOutFlags)
	if rc != sqlite3.SQLITE_OK || flags&sqlite3.SQLITE_OPEN_WAL == 0 {
		return rc
	}
	f := at[sqlite3.Tsqlite3_file](pFile)
	if f.FpMethods == 0 {
		return rc
	}
	state.methodsOnce.Do(func() {
		state.realPtr = f.FpMethods
		state.real = *at[sqlite3.Tsqlite3_io_methods](f.FpMethods)
		m := at[sqlite3.Tsqlite3_io_methods](state.methods)
		*m = state.real
		setFn(&m.FxClose, closeFile)
		setFn(&m.FxRead, read)
		setFn(&m.FxWrite, write)
		setFn(&m.FxTruncate, truncate)
		setFn(&m.FxSync, syncFile)
		setFn(&m.FxFileSize, fileSize)
		setFn(&m.FxFileControl, fileControl)
	})
	if f.FpMethods != state.realPtr {
		return rc
	}
	state.filesMu.Lock()
	if state.files == nil {
		state.files = make(map[uintptr]*logFile)
	}
	state.files[pFile] = &logFile{}
	state.filesMu.Unlock()
	f.FpMethods = state.methods
	return rc
}

// file returns pFile's gathered bytes.
func file(pFile uintptr) *logFile {
	state.filesMu.RLock()
	f := state.files[pFile]
	state.filesMu.RUnlock()
	return f
}

// flush writes what f has gathered; the caller holds f.mu.
func (f *logFile) flush(tls *libc.TLS, pFile uintptr) int32 {
	for done := 0; done < f.pending; {
		n := min(f.pending-done, chunk)
		written.Add(1)
		if rc := fn[ioFn](state.real.FxWrite)(tls, pFile, f.buf+uintptr(done), int32(n), f.off+int64(done)); rc != sqlite3.SQLITE_OK {
			// The bytes not written stay gathered, so that what is in the file is
			// still a prefix of what SQLite wrote.
			libc.Xmemmove(tls, f.buf, f.buf+uintptr(done), uint64(f.pending-done))
			f.off += int64(done)
			f.pending -= done
			return rc
		}
		done += n
	}
	f.pending = 0
	return sqlite3.SQLITE_OK
}

// through writes p straight to the file, after what is gathered.
func (f *logFile) through(tls *libc.TLS, pFile, p uintptr, n int32, off int64) int32 {
	if rc := f.flush(tls, pFile); rc != sqlite3.SQLITE_OK {
		return rc
	}
	written.Add(1)
	return fn[ioFn](state.real.FxWrite)(tls, pFile, p, n, off)
}

func write(tls *libc.TLS, pFile, p uintptr, n int32, off int64) int32 {
	f := file(pFile)
	f.mu.Lock()
	defer f.mu.Unlock()
	rc := f.write(tls, pFile, p, n, off)
	if rc != sqlite3.SQLITE_OK {
		// A write of the log that fails ends SQLite's transaction: a failed commit is
		// rolled back, and a failed write before it (a page spilled from a full cache)
		// puts the pager in its error state, which only a rollback leaves. SQLite then
		// forgets the frames after the last commit, which is all that is gathered (every
		// commit before was written whole), and writes the next transaction's over them.
		// Kept, they would have to be written before anything else: while the disk stayed
		// full no later commit could land, not even one that fits in the room left.
		f.pending, f.commitPage = 0, 0
	}
	return rc
}

// write gathers or writes one of SQLite's writes; the caller holds f.mu.
func (f *logFile) write(tls *libc.TLS, pFile, p uintptr, n int32, off int64) int32 {
	if f.commitPage != 0 {
		page := f.commitPage
		f.commitPage = 0
		if off == page {
			return f.through(tls, pFile, p, n, off)
		}
	}
	if rc := f.gather(tls, pFile, p, n, off); rc != sqlite3.SQLITE_OK {
		return rc
	}
	if n == frameHeader && binary.BigEndian.Uint32(at[[frameHeader]byte](p)[4:8]) != 0 {
		// A commit frame's header: it goes to the file with what precedes it, and its
		// page after it.
		f.commitPage = off + frameHeader
		return f.flush(tls, pFile)
	}
	return sqlite3.SQLITE_OK
}

// gather adds p to the gathered bytes, writing them first when p does not continue them or
// would overflow them.
func (f *logFile) gather(tls *libc.TLS, pFile, p uintptr, n int32, off int64) int32 {
	if f.pending > 0 && (off != f.off+int64(f.pending) || f.pending+int(n) > capacity) {
		if off != f.off+int64(f.pending) {
			elsewhere.Add(1)
		}
		if rc := f.flush(tls, pFile); rc != sqlite3.SQLITE_OK {
			return rc
		}
	}
	if int(n) > capacity {
		return f.through(tls, pFile, p, n, off)
	}
	if f.buf == 0 {
		if f.buf = libc.Xmalloc(tls, capacity); f.buf == 0 {
			return f.through(tls, pFile, p, n, off)
		}
	}
	if f.pending == 0 {
		f.off = off
	}
	libc.Xmemcpy(tls, f.buf+uintptr(f.pending), p, uint64(n))
	f.pending += int(n)
	gathered.Add(1)
	return sqlite3.SQLITE_OK
}

// flushed runs the real method after writing what is gathered.
func flushed(tls *libc.TLS, pFile uintptr, call func() int32) int32 {
	f := file(pFile)
	f.mu.Lock()
	defer f.mu.Unlock()
	f.commitPage = 0
	if rc := f.flush(tls, pFile); rc != sqlite3.SQLITE_OK {
		return rc
	}
	return call()
}

// read answers a read of gathered bytes from memory (SQLite reading back a frame its
// transaction wrote: a page it spilled, a frame whose checksum it rewrites), and a read of
// other bytes from the file; only a read across both writes the gathered bytes first. So a
// transaction that reads back its own frames goes on while the disk is full, up to its commit.
func read(tls *libc.TLS, pFile, p uintptr, n int32, off int64) int32 {
	f := file(pFile)
	f.mu.Lock()
	defer f.mu.Unlock()
	f.commitPage = 0
	end := f.off + int64(f.pending)
	switch {
	case f.pending > 0 && off >= f.off && off+int64(n) <= end:
		libc.Xmemcpy(tls, p, f.buf+uintptr(off-f.off), uint64(n))
		readGathered.Add(1)
		return sqlite3.SQLITE_OK
	case f.pending > 0 && off < end && off+int64(n) > f.off:
		if rc := f.flush(tls, pFile); rc != sqlite3.SQLITE_OK {
			return rc
		}
	}
	return fn[ioFn](state.real.FxRead)(tls, pFile, p, n, off)
}

func truncate(tls *libc.TLS, pFile uintptr, size int64) int32 {
	return flushed(tls, pFile, func() int32 { return fn[truncateFn](state.real.FxTruncate)(tls, pFile, size) })
}

func syncFile(tls *libc.TLS, pFile uintptr, flags int32) int32 {
	return flushed(tls, pFile, func() int32 { return fn[syncFn](state.real.FxSync)(tls, pFile, flags) })
}

func fileSize(tls *libc.TLS, pFile, pSize uintptr) int32 {
	return flushed(tls, pFile, func() int32 { return fn[sizeFn](state.real.FxFileSize)(tls, pFile, pSize) })
}

func fileControl(tls *libc.TLS, pFile uintptr, op int32, pArg uintptr) int32 {
	return flushed(tls, pFile, func() int32 { return fn[controlFn](state.real.FxFileControl)(tls, pFile, op, pArg) })
}

// closeFile writes what is gathered, closes the file and forgets it. SQLite closes a file
// once, whatever the result.
func closeFile(tls *libc.TLS, pFile uintptr) int32 {
	f := file(pFile)
	f.mu.Lock()
	rc := f.flush(tls, pFile)
	if f.buf != 0 {
		libc.Xfree(tls, f.buf)
		f.buf = 0
	}
	f.mu.Unlock()
	state.filesMu.Lock()
	delete(state.files, pFile)
	state.filesMu.Unlock()
	if crc := fn[closeFn](state.real.FxClose)(tls, pFile); rc == sqlite3.SQLITE_OK {
		rc = crc
	}
	return rc
}

// at reads the C memory at p as a T.
func at[T any](p uintptr) *T { return *(**T)(unsafe.Pointer(&p)) }

// fn is the Go function a C function pointer of SQLite's holds.
func fn[F any](p uintptr) F { return *(*F)(unsafe.Pointer(&p)) }

// setFn stores the Go function f in a C function pointer slot.
func setFn[F any](slot *uintptr, f F) { *(*F)(unsafe.Pointer(slot)) = f }

package store

import (
	"context"
	"errors"
	"time"

	"gorm.io/gorm"

	"github.com/parleychat/parley/backend/token"
	"github.com/parleychat/parley/shared/filename"
)

// File is a file shared in a chat (WhosOn File, MiCC attachment). Its ID is a random,
// unguessable string: the download link is the capability, as the link travels in the chat
// to both sides.
type File struct {
	ID          string
	TenantID    int64
	ChatID      string
	Name        string
	ContentType string
	Size        int64
	// Role and UserID say who uploaded it ("visitor" with 0, or "agent" with the user).
	Role      string
	UserID    int64
	Data      []byte // only filled by File, not by FileInfo
	CreatedAt time.Time
}

// fileRow keeps files in the database, so that every server node of a cluster can serve them
// and a backup holds them with their chats. Files are small (the tenant's limit, 5 MB by
// default).
type fileRow struct {
	ID          string   `gorm:"primaryKey;size:32"`
	TenantID    int64    `gorm:"not null;index"`
	ChatID      string   `gorm:"not null;index;size:64"`
	Chat        *chatRow `gorm:"constraint:OnDelete:CASCADE"`
	Name        string   `gorm:"not null"`
	ContentType string   `gorm:"not null"`
	Size        int64    `gorm:"not null"`
	Role        string   `gorm:"not null"`
	UserID      int64
	Data        []byte    `gorm:"not null"`
	CreatedAt   time.Time `gorm:"not null"`
}

func (fileRow) TableName() string { return "files" }

// CreateFile stores an uploaded file and returns it with its new ID. The name is stored
// cleaned (shared/filename), so that no file is kept under a name that hides its type.
func (s *Store) CreateFile(ctx context.Context, f File) (File, error) {
	given := f.Name
	f.Name = filename.Clean(f.Name)
	switch {
	case f.Name == "":
		return File{}, wrap("create file", invalid("file name %q is not usable", given))
	case f.ChatID == "" || f.TenantID == 0:
		return File{}, wrap("create file", invalid("a file belongs to a chat"))
	case int64(len(f.Data)) != f.Size:
		return File{}, wrap("create file", invalid("file size %d does not match its %d bytes", f.Size, len(f.Data)))
	}
	f.ID = token.New(16)
	f.CreatedAt = now()
	row := fileRow{ID: f.ID, TenantID: f.TenantID, ChatID: f.ChatID, Name: f.Name, ContentType: f.ContentType, Size: f.Size,
		Role: f.Role, UserID: f.UserID, Data: f.Data, CreatedAt: f.CreatedAt}
	if err := s.w.WithContext(ctx).Create(&row).Error; err != nil {
		return File{}, wrap("create file", err)
	}
	return f, nil
}

// File returns a file with its bytes, for download.
func (s *Store) File(ctx context.Context, id string) (File, error) {
	return s.file(ctx, id, true)
}

// FileInfo returns a file without its bytes, to check a reference to it.
func (s *Store) FileInfo(ctx context.Context, id string) (File, error) {
	return s.file(ctx, id, false)
}

func (s *Store) file(ctx context.Context, id string, data bool) (File, error) {
	var row fileRow
	q := s.r.WithContext(ctx)
	if !data {
		q = q.Omit("data")
	}
	err := q.Take(&row, "id = ?", id).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return File{}, wrap("file", ErrNotFound)
	}
	if err != nil {
		return File{}, wrap("file", err)
	}
	return File{ID: row.ID, TenantID: row.TenantID, ChatID: row.ChatID, Name: row.Name, ContentType: row.ContentType, Size: row.Size,
		Role: row.Role, UserID: row.UserID, Data: row.Data, CreatedAt: normTime(row.CreatedAt)}, nil
}

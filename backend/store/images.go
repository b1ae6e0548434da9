package store

import (
	"bytes"
	"context"
	"errors"
	"image"
	_ "image/gif"  // GIF images decode for the check
	_ "image/jpeg" // JPEG images decode for the check
	_ "image/png"  // PNG images decode for the check
	"slices"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/parleychat/parley/backend/changes"
)

// ImageKind names one of a connector's images by the WhosOn GetImage type that asks for it.
type ImageKind int

// The images a connector carries, numbered as WhosOn's GetImage numbers them.
const (
	ImageAvailable   ImageKind = 1 // chat button "available"
	ImageUnavailable ImageKind = 2 // chat button "not available"
	ImageLogo        ImageKind = 5 // site logo
	ImageMobileLogo  ImageKind = 8 // site mobile logo
)

// ImageKinds lists every kind, in the order the admin pages show them.
var ImageKinds = []ImageKind{ImageAvailable, ImageUnavailable, ImageLogo, ImageMobileLogo}

// Valid reports whether k is one of [ImageKinds].
func (k ImageKind) Valid() bool { return slices.Contains(ImageKinds, k) }

// Label says what the image is for, as the admin pages name it.
func (k ImageKind) Label() string {
	switch k {
	case ImageAvailable:
		return "Chat button, available"
	case ImageUnavailable:
		return "Chat button, not available"
	case ImageLogo:
		return "Site logo"
	case ImageMobileLogo:
		return "Site mobile logo"
	}
	return "Unknown image"
}

// Limits of a connector image: small enough to travel base64-encoded in one WebSocket event
// and to be previewed inline in the admin pages.
const (
	MaxImageBytes = 256 << 10
	MaxImageSide  = 4096
)

// ConnectorImage is one image of a connector. Its ContentType is decided from its bytes:
// image/png, image/jpeg or image/gif.
type ConnectorImage struct {
	ConnectorID int64
	TenantID    int64
	Kind        ImageKind
	ContentType string
	Data        []byte
	UpdatedAt   time.Time
}

// Ext is the image's file extension with its dot (".png"), as WhosOn's image event gives it.
func (i ConnectorImage) Ext() string {
	switch i.ContentType {
	case "image/png":
		return ".png"
	case "image/jpeg":
		return ".jpg"
	case "image/gif":
		return ".gif"
	}
	return ""
}

// CheckImage decides an image's type from its bytes and refuses what is not a PNG, JPEG or
// GIF image within [MaxImageBytes] and [MaxImageSide]. SVG is refused: it is a document that
// can carry scripts and links, and clients may put it into their pages as markup.
func CheckImage(data []byte) (contentType string, err error) {
	if len(data) == 0 {
		return "", fieldErr("image", "Choose an image file.")
	}
	if len(data) > MaxImageBytes {
		return "", fieldErr("image", "The image is larger than 256 KB; make it smaller.")
	}
	cfg, format, err := image.DecodeConfig(bytes.NewReader(data))
	if err != nil {
		return "", fieldErr("image", "The file is not a PNG, JPEG or GIF image.")
	}
	if cfg.Width <= 0 || cfg.Height <= 0 || cfg.Width > MaxImageSide || cfg.Height > MaxImageSide {
		return "", fieldErr("image", "The image must be at most 4096 pixels wide and high.")
	}
	return "image/" + format, nil
}

type connectorImageRow struct {
	ConnectorID int64         `gorm:"primaryKey;autoIncrement:false"`
	Connector   *connectorRow `gorm:"constraint:OnDelete:CASCADE"`
	Kind        int           `gorm:"primaryKey;autoIncrement:false"`
	TenantID    int64         `gorm:"not null;index"`
	ContentType string        `gorm:"not null"`
	Data        []byte        `gorm:"not null"`
	UpdatedAt   time.Time     `gorm:"not null"`
}

func (connectorImageRow) TableName() string { return "connector_images" }

func (r connectorImageRow) domain() ConnectorImage {
	return ConnectorImage{ConnectorID: r.ConnectorID, TenantID: r.TenantID, Kind: ImageKind(r.Kind), ContentType: r.ContentType,
		Data: r.Data, UpdatedAt: normTime(r.UpdatedAt)}
}

// SetConnectorImage gives a connector of img.TenantID the image of img.Kind, replacing an
// earlier one, and publishes the connector's change. The bytes are checked with [CheckImage];
// the content type is theirs, never the caller's.
func (s *Store) SetConnectorImage(ctx context.Context, img ConnectorImage) (ConnectorImage, error) {
	if !img.Kind.Valid() {
		return ConnectorImage{}, wrap("set connector image", invalid("image kind %d is not one of 1, 2, 5, 8", img.Kind))
	}
	if img.ConnectorID == 0 {
		return ConnectorImage{}, wrap("set connector image", invalid("an image belongs to a connector"))
	}
	ct, err := CheckImage(img.Data)
	if err != nil {
		return ConnectorImage{}, wrap("set connector image", err)
	}
	row := connectorImageRow{ConnectorID: img.ConnectorID, Kind: int(img.Kind), TenantID: img.TenantID, ContentType: ct,
		Data: img.Data, UpdatedAt: now()}
	err = s.w.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := sameTenant(tx, &connectorRow{}, "connector", img.TenantID, img.ConnectorID); err != nil {
			return err
		}
		return tx.Clauses(clause.OnConflict{
			Columns:   []clause.Column{{Name: "connector_id"}, {Name: "kind"}},
			DoUpdates: clause.AssignmentColumns([]string{"content_type", "data", "updated_at"}),
		}).Create(&row).Error
	})
	err = s.published(err, changes.Setting{Kind: changes.KindConnector, TenantID: img.TenantID, ID: img.ConnectorID})
	if err != nil {
		return ConnectorImage{}, wrap("set connector image", err)
	}
	return row.domain(), nil
}

// ConnectorImage returns a connector's image of a kind, ErrNotFound when none is set.
func (s *Store) ConnectorImage(ctx context.Context, connectorID int64, kind ImageKind) (ConnectorImage, error) {
	var row connectorImageRow
	err := s.r.WithContext(ctx).Take(&row, "connector_id = ? AND kind = ?", connectorID, int(kind)).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return ConnectorImage{}, wrap("connector image", ErrNotFound)
	}
	if err != nil {
		return ConnectorImage{}, wrap("connector image", err)
	}
	return row.domain(), nil
}

// ConnectorImages returns the images a connector has, by kind.
func (s *Store) ConnectorImages(ctx context.Context, connectorID int64) (map[ImageKind]ConnectorImage, error) {
	var rows []connectorImageRow
	if err := s.r.WithContext(ctx).Where("connector_id = ?", connectorID).Find(&rows).Error; err != nil {
		return nil, wrap("connector images", err)
	}
	out := make(map[ImageKind]ConnectorImage, len(rows))
	for _, r := range rows {
		out[ImageKind(r.Kind)] = r.domain()
	}
	return out, nil
}

// DeleteConnectorImage removes a connector's image of a kind; ErrNotFound when the tenant's
// connector has none.
func (s *Store) DeleteConnectorImage(ctx context.Context, tenantID, connectorID int64, kind ImageKind) error {
	res := s.w.WithContext(ctx).Where("tenant_id = ? AND connector_id = ? AND kind = ?", tenantID, connectorID, int(kind)).Delete(&connectorImageRow{})
	err := res.Error
	if err == nil && res.RowsAffected == 0 {
		err = ErrNotFound
	}
	return wrap("delete connector image", s.published(err, changes.Setting{Kind: changes.KindConnector, TenantID: tenantID, ID: connectorID}))
}

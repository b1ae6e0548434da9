package admin

import (
	"encoding/base64"
	"errors"
	"io"
	"strconv"

	"github.com/gofiber/fiber/v2"

	"github.com/parleychat/parley/backend/store"
)

// The Images tab of a connector: the chat button and logo images WhosOn Chat API clients ask
// for with GetImage (see package whoson), uploaded, previewed and removed here.

// imagesData is what the Images tab shows: the connector and the images it has, by kind.
type imagesData struct {
	Conn   store.Connector
	Images map[store.ImageKind]store.ConnectorImage
}

// imageField is the form field (and error key) of one kind's upload.
func imageField(k store.ImageKind) string { return "image_" + strconv.Itoa(int(k)) }

// dataURL is an image inline, for its preview: the admin pages allow data: images.
func dataURL(img store.ConnectorImage) string {
	return "data:" + img.ContentType + ";base64," + base64.StdEncoding.EncodeToString(img.Data)
}

func (h *handlers) imagesRender(c *fiber.Ctx, status int, conn store.Connector, f *Form) error {
	imgs, err := h.st.ConnectorImages(c.UserContext(), conn.ID)
	if err != nil {
		return err
	}
	p := h.page(c, tr(c.UserContext(), "Images of {0}", conn.Name), "connectors")
	p.Back, p.BackLabel = "/admin/connectors/"+i64(conn.ID), conn.Name
	return render(c, status, imagesPage(p, imagesData{Conn: conn, Images: imgs}, f))
}

func (h *handlers) images(c *fiber.Ctx) error {
	conn, err := h.tenantConnector(c)
	if err != nil {
		return h.notFound(c, err)
	}
	return h.imagesRender(c, fiber.StatusOK, conn, newForm(nil))
}

// imageKind reads the :kind of the path; 0 (never valid) for anything else.
func imageKind(c *fiber.Ctx) store.ImageKind {
	n, err := strconv.Atoi(c.Params("kind"))
	if err != nil || !store.ImageKind(n).Valid() {
		return 0
	}
	return store.ImageKind(n)
}

func (h *handlers) imageUpload(c *fiber.Ctx) error {
	conn, err := h.tenantConnector(c)
	kind := imageKind(c)
	if err == nil && kind == 0 {
		err = store.ErrNotFound
	}
	if err != nil {
		return h.notFound(c, err)
	}
	f := newForm(nil)
	field := imageField(kind)
	data, msg := readImage(c, field)
	if msg == "" {
		_, err = h.st.SetConnectorImage(c.UserContext(), store.ConnectorImage{TenantID: conn.TenantID, ConnectorID: conn.ID, Kind: kind, Data: data})
		var fe *store.FieldError
		switch {
		case err == nil:
			return saved(c, "/admin/connectors/"+i64(conn.ID)+"/images")
		case errors.As(err, &fe):
			f.errorf(field, fe.Message, fe.Args...)
			return h.imagesRender(c, fiber.StatusUnprocessableEntity, conn, f)
		default:
			return err
		}
	}
	f.Errors[field] = msg
	return h.imagesRender(c, fiber.StatusUnprocessableEntity, conn, f)
}

// readImage reads the uploaded file of a field, or says what is wrong with it.
func readImage(c *fiber.Ctx, field string) ([]byte, string) {
	fh, err := c.FormFile(field)
	if err != nil || fh.Size == 0 {
		return nil, msgKey("Choose an image file.")
	}
	if fh.Size > store.MaxImageBytes {
		return nil, msgKey("The image is larger than 256 KB; make it smaller.")
	}
	r, err := fh.Open()
	if err != nil {
		return nil, msgKey("The file could not be read; try again.")
	}
	defer r.Close()
	data, err := io.ReadAll(io.LimitReader(r, store.MaxImageBytes+1))
	if err != nil {
		return nil, msgKey("The file could not be read; try again.")
	}
	return data, ""
}

func (h *handlers) imageDelete(c *fiber.Ctx) error {
	conn, err := h.tenantConnector(c)
	kind := imageKind(c)
	if err == nil && kind == 0 {
		err = store.ErrNotFound
	}
	if err != nil {
		return h.notFound(c, err)
	}
	// An image already gone is no error: the page shows it so.
	if err := h.st.DeleteConnectorImage(c.UserContext(), conn.TenantID, conn.ID, kind); err != nil && !errors.Is(err, store.ErrNotFound) {
		return err
	}
	return saved(c, "/admin/connectors/"+i64(conn.ID)+"/images")
}
